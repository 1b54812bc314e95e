// Shared helpers for the adapter tests (adapters_*_test.cpp): a sink that collects records,
// a driver that cuts a feed into chunks like the engine does, GBK encoding through iconv, and
// a buffer that ends right before an unreadable page (to catch reads past the data).
#pragma once

#include <iconv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <tbb/parallel_for.h>

#include "canbao/adapter_abi.h"
#include "canbao/records/fields.h"

namespace canbao::adapter_test {

/// One emitted record: its line (0-based within the chunk, or absolute after run_feed) and its
/// fields by SPEC name; INVALID values are recorded as "<invalid>".
struct Row {
  uint64_t line = 0;
  std::map<std::string, std::string> fields;
  bool has(const std::string& name) const { return fields.count(name) != 0; }
  std::string at(const std::string& name) const {
    auto found = fields.find(name);
    return found == fields.end() ? std::string("<absent>") : found->second;
  }
};

struct Reject {
  uint64_t line = 0;
  std::string reason;
  std::optional<std::string> raw_id;
};

inline constexpr std::string_view kInvalid = "<invalid>";

/// Collects what parse() sends; stop_after_emits > 0 makes emit() ask to stop after that many.
class CollectingSink {
 public:
  std::vector<Row> rows;
  std::vector<Reject> rejects;
  int stop_after_emits = 0;

  canbao_record_sink sink() { return canbao_record_sink{this, &CollectingSink::emit, &CollectingSink::reject}; }

 private:
  static int emit(void* user, uint64_t line, const canbao_kv* fields, size_t count) {
    auto* self = static_cast<CollectingSink*>(user);
    Row row;
    row.line = line;
    for (size_t idx = 0; idx < count; ++idx) {
      std::string name(canbao::field_name(static_cast<int>(fields[idx].field)));
      if (fields[idx].kind == CANBAO_VALUE_INVALID)
        row.fields[name] = std::string(kInvalid);
      else
        row.fields[name] = std::string(fields[idx].data, fields[idx].size);
    }
    self->rows.push_back(std::move(row));
    return self->stop_after_emits > 0 && static_cast<int>(self->rows.size()) >= self->stop_after_emits;
  }
  static int reject(void* user, uint64_t line, const char* reason, const char* raw_id, size_t raw_id_size) {
    auto* self = static_cast<CollectingSink*>(user);
    Reject rejected{line, reason, std::nullopt};
    if (raw_id != nullptr) rejected.raw_id = std::string(raw_id, raw_id_size);
    self->rejects.push_back(std::move(rejected));
    return 0;
  }
};

/// canbao_feed_options with owned strings; columns maps SPEC field names to source names.
class FeedOptions {
 public:
  explicit FeedOptions(std::string encoding = "utf-8", std::map<std::string, std::string> columns = {},
                       std::string path = "feed", std::string agency = "enrollment")
      : path_(std::move(path)), agency_(std::move(agency)), encoding_(std::move(encoding)), columns_(std::move(columns)) {
    names_.fill(nullptr);
    for (const auto& [field, source] : columns_) {
      int id = canbao::field_from_name(field);
      if (id < 0) throw std::invalid_argument("unknown field " + field);
      names_[static_cast<size_t>(id)] = source.c_str();
    }
    options_ = canbao_feed_options{path_.c_str(), agency_.c_str(), encoding_.c_str(), names_.data()};
  }
  FeedOptions(const FeedOptions&) = delete;
  FeedOptions& operator=(const FeedOptions&) = delete;
  const canbao_feed_options* get() const { return &options_; }

 private:
  std::string path_, agency_, encoding_;
  std::map<std::string, std::string> columns_;
  std::array<const char*, CANBAO_F_COUNT> names_{};
  canbao_feed_options options_{};
};

/// Everything one feed produced, lines made absolute (1-based, as in SPEC §2 quarantine).
struct FeedResult {
  std::string open_error;  // non-empty when open() failed
  std::vector<Row> rows;
  std::vector<Reject> rejects;
  uint64_t first_line = 0;
  uint64_t total_lines = 0;  // first_line - 1 + the lines of every chunk
  std::vector<size_t> chunk_ends;
};

/// Opens `data` with `adapter`, cuts it with chunk_end(target) and parses every chunk (in
/// parallel with TBB when `parallel`), then rebases lines: chunk base + offset.
inline FeedResult run_feed(const canbao_adapter* adapter, const canbao_feed_options* options, const char* data,
                           size_t size, size_t target, bool parallel = false) {
  FeedResult result;
  char err[512] = {};
  void* ctx = adapter->open(options, data, size, err, sizeof err);
  if (ctx == nullptr) {
    result.open_error = err[0] != '\0' ? err : "<no message>";
    return result;
  }
  size_t pos = adapter->body_start(ctx, &result.first_line);
  std::vector<std::pair<size_t, size_t>> chunks;
  while (pos < size) {
    size_t next = adapter->chunk_end(ctx, pos, target);
    if (next <= pos) throw std::runtime_error("chunk_end made no progress");
    chunks.emplace_back(pos, next);
    result.chunk_ends.push_back(next);
    pos = next;
  }
  std::vector<CollectingSink> sinks(chunks.size());
  std::vector<int64_t> lines(chunks.size(), 0);
  std::vector<std::string> errors(chunks.size());
  auto parse_one = [&](size_t idx) {
    char chunk_err[512] = {};
    canbao_record_sink sink = sinks[idx].sink();
    lines[idx] = adapter->parse(ctx, chunks[idx].first, chunks[idx].second, &sink, chunk_err, sizeof chunk_err);
    if (lines[idx] < 0) errors[idx] = chunk_err;
  };
  if (parallel) {
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer cannot see the synchronisation inside the (uninstrumented) TBB library, so
    // under TSan the chunks go to plain std::threads.
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    for (int worker = 0; worker < 4; ++worker)
      workers.emplace_back([&] {
        for (size_t idx; (idx = next.fetch_add(1)) < chunks.size();) parse_one(idx);
      });
    for (std::thread& worker : workers) worker.join();
#else
    tbb::parallel_for(size_t{0}, chunks.size(), parse_one);
#endif
  } else
    for (size_t idx = 0; idx < chunks.size(); ++idx) parse_one(idx);
  uint64_t base = result.first_line;
  for (size_t idx = 0; idx < chunks.size(); ++idx) {
    if (lines[idx] < 0) throw std::runtime_error("parse failed: " + errors[idx]);
    for (Row& row : sinks[idx].rows) {
      row.line += base;
      result.rows.push_back(std::move(row));
    }
    for (Reject& rejected : sinks[idx].rejects) {
      rejected.line += base;
      result.rejects.push_back(std::move(rejected));
    }
    base += static_cast<uint64_t>(lines[idx]);
  }
  result.total_lines = base - 1;
  adapter->close(ctx);
  return result;
}

inline FeedResult run_feed(const canbao_adapter* adapter, const canbao_feed_options* options, std::string_view data,
                           size_t target = size_t{1} << 20, bool parallel = false) {
  return run_feed(adapter, options, data.data(), data.size(), target, parallel);
}

/// UTF-8 -> GBK through iconv (the test's own converter).
inline std::string to_gbk(std::string_view utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no GBK converter");
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) throw std::runtime_error("not convertible to GBK");
  out.resize(out.size() - out_left);
  return out;
}

/// A read-only copy of some bytes that ends exactly where an inaccessible page begins: any read
/// past the end faults.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::string_view bytes) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t data_pages = (bytes.size() + page - 1) / page;
    if (data_pages == 0) data_pages = 1;
    map_size_ = (data_pages + 1) * page;
    void* map = mmap(nullptr, map_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<char*>(map);
    char* guard = base_ + data_pages * page;
    data_ = guard - bytes.size();
    std::memcpy(data_, bytes.data(), bytes.size());
    mprotect(base_, data_pages * page, PROT_READ);
    mprotect(guard, page, PROT_NONE);
    size_ = bytes.size();
  }
  ~GuardedBuffer() { munmap(base_, map_size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t map_size_ = 0;
};

}  // namespace canbao::adapter_test
