// A third-party adapter that misbehaves on purpose (issue #6 "a plugin that crashes or returns
// garbage"). The feed's first line names the misbehaviour ("mode=crash", ...); every later line
// is one citizen ID, emitted as a tax record with fixed fields. "mode=ok" behaves.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "canbao/adapter_abi.h"

namespace {

struct Context {
  const char* data;
  size_t size;
  std::string mode;
  size_t body;  // offset of line 2
};

void* open_feed(const canbao_feed_options*, const char* data, size_t size, char* err, size_t err_size) {
  const char* newline = static_cast<const char*>(std::memchr(data, '\n', size));
  const std::string_view first(data, newline ? static_cast<size_t>(newline - data) : size);
  if (first.rfind("mode=", 0) != 0) {
    std::snprintf(err, err_size, "first line is not mode=...");
    return nullptr;
  }
  if (first == "mode=open_fails_silently") return nullptr;  // and no message
  auto* ctx = new Context{data, size, std::string(first.substr(5)), newline ? static_cast<size_t>(newline - data) + 1 : size};
  if (ctx->mode == "crash_in_open") {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  }
  return ctx;
}

size_t body_start(void* raw, uint64_t* first_line) {
  auto* ctx = static_cast<Context*>(raw);
  *first_line = 2;
  return ctx->mode == "body_past_end" ? ctx->size + 10 : ctx->body;
}

size_t chunk_end(void* raw, size_t begin, size_t target) {
  auto* ctx = static_cast<Context*>(raw);
  if (ctx->mode == "chunk_no_progress") return begin;  // breaks "must make progress"
  size_t end = begin + target;
  if (end >= ctx->size) return ctx->size;
  const char* newline = static_cast<const char*>(std::memchr(ctx->data + end, '\n', ctx->size - end));
  return newline ? static_cast<size_t>(newline - ctx->data) + 1 : ctx->size;
}

int64_t parse(void* raw, size_t begin, size_t end, const canbao_record_sink* sink, char*, size_t) {
  auto* ctx = static_cast<Context*>(raw);
  const std::string& mode = ctx->mode;
  int64_t lines = 0;
  for (size_t pos = begin; pos < end; ++lines) {
    const char* newline = static_cast<const char*>(std::memchr(ctx->data + pos, '\n', end - pos));
    const size_t line_end = newline ? static_cast<size_t>(newline - ctx->data) : end;
    const std::string_view id(ctx->data + pos, line_end - pos);
    pos = newline ? line_end + 1 : end;
    if (mode == "crash") {
      volatile int* nowhere = nullptr;
      *nowhere = static_cast<int>(lines);
    }
    if (mode == "abort") std::abort();
    if (mode == "bad_reason") {
      sink->reject(sink->user, static_cast<uint64_t>(lines), "bad, reason\nwith a newline", id.data(), id.size());
      continue;
    }
    canbao_kv kvs[7] = {{CANBAO_F_ID, CANBAO_VALUE_TEXT, id.data(), id.size()},
                        {CANBAO_F_SCHEME, CANBAO_VALUE_TEXT, "employee", 8},
                        {CANBAO_F_REGION, CANBAO_VALUE_TEXT, "350203", 6},
                        {CANBAO_F_FROM, CANBAO_VALUE_TEXT, "2026-01", 7},
                        {CANBAO_F_TO, CANBAO_VALUE_TEXT, "2026-12", 7},
                        {CANBAO_F_PAID_ON, CANBAO_VALUE_TEXT, "2025-12-20", 10},
                        {CANBAO_F_NAME, CANBAO_VALUE_TEXT, "张三", std::strlen("张三")}};
    if (mode == "bad_utf8" && lines == 1) kvs[6] = {CANBAO_F_NAME, CANBAO_VALUE_TEXT, "\xff\xfe\xfd", 3};
    if (mode == "null_value") kvs[6] = {CANBAO_F_NAME, CANBAO_VALUE_TEXT, nullptr, 5};
    if (mode == "unknown_fields") kvs[6] = {9999, 7, "x", 1};
    const uint64_t line = mode == "line_out_of_chunk" ? static_cast<uint64_t>(lines) + 1000 : static_cast<uint64_t>(lines);
    sink->emit(sink->user, line, kvs, 7);
  }
  return mode == "wrong_line_count" ? lines + 1 : lines;
}

void close_feed(void* raw) { delete static_cast<Context*>(raw); }

canbao_adapter table = {CANBAO_ADAPTER_ABI_VERSION, sizeof(canbao_adapter), "misbehaving", open_feed, body_start,
                        chunk_end, parse, close_feed};

}  // namespace

CANBAO_ADAPTER_EXPORT const canbao_adapter* canbao_adapter_entry(void) { return &table; }
