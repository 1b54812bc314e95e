#include "canbao/index/index_dir.h"

#include <simdjson.h>
#include <xxhash.h>

#include <oneapi/tbb/parallel_for.h>

#include <cinttypes>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "canbao/core/date.h"
#include "canbao/core/private_files.h"
#include "canbao/core/text.h"

namespace canbao {

namespace fs = std::filesystem;

std::string segment_file_name(uint32_t feed_index, uint64_t generation) {
  return "feed-" + std::to_string(feed_index) + ".g" + std::to_string(generation) + ".seg";
}

std::string segment_part_file_name(uint32_t feed_index, uint64_t generation, int rank) {
  return "feed-" + std::to_string(feed_index) + ".g" + std::to_string(generation) + ".r" + std::to_string(rank) + ".seg";
}

std::string links_part_file_name(uint64_t generation, int rank) {
  return "links.g" + std::to_string(generation) + ".r" + std::to_string(rank) + ".bin";
}

std::string part_file_name(const std::string& rank0_name, uint32_t rank) {
  const size_t at = rank0_name.rfind(".r0.");
  if (at == std::string::npos) return rank0_name;
  return rank0_name.substr(0, at) + ".r" + std::to_string(rank) + rank0_name.substr(at + 3);
}

std::string links_file_name(uint64_t generation) { return "links.g" + std::to_string(generation) + ".bin"; }

std::string index_info_path(const std::string& index_dir) { return index_dir + "/index.json"; }

namespace {

// index.json ends with this key, then 16 hex digits of the XXH3 of every byte before the key, `"}`
// and a newline.
constexpr std::string_view kChecksumKey = ", \"checksum\": \"";

// The directory entry of a file just renamed into it reaches the disk.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

bool is_generation_file(const std::string& name) {
  const auto ends_with = [&](std::string_view tail) {
    return name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return (name.rfind("feed-", 0) == 0 && ends_with(".seg")) || (name.rfind("links", 0) == 0 && ends_with(".bin"));
}

}  // namespace

Status prepare_index_dir(const std::string& index_dir) {
  // 0700, its files 0600 (issue #14): they hold every citizen's ID.
  CANBAO_RETURN_IF_ERROR(make_private_dir(index_dir, "index directory"));
  std::error_code ec;
  bool only_ours = true;  // the directory holds nothing but an index's files
  for (const auto& entry : fs::directory_iterator(index_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".tmp") {
      fs::remove(entry.path(), ec);  // leftovers of a killed run are never used
    } else if (is_generation_file(name) || name == "index.json") {
      // An older canbao's file, wider: narrowed (best effort; a file of another owner stays).
      if ((entry.status(ec).permissions() & fs::perms::mask) != fs::perms(kPrivateFileMode))
        (void)make_file_private(entry.path().string());
    } else {
      only_ours = false;
    }
  }
  // The directory itself only when it is an index's alone: `--index` may name a directory of the
  // user's, whose mode is not ours to change.
  if (only_ours) (void)::chmod(index_dir.c_str(), kPrivateDirMode);
  return Status::OK();
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  std::FILE* file = fopen_private(tmp);
  if (file == nullptr) return Status::Error(tmp + ": cannot create: " + std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const int saved = errno;
  if (std::fclose(file) != 0 || !written) {
    const std::string reason = std::strerror(written ? errno : saved);
    std::remove(tmp.c_str());
    return Status::Error(tmp + ": cannot write: " + reason);
  }
  std::error_code ec;
  fs::rename(path + ".tmp", path, ec);
  if (ec) return Status::Error(path + ": cannot rename into place: " + ec.message());
  return Status::OK();
}

Status write_index_info(const std::string& index_dir, const IndexInfo& info, const IndexInfo* previous) {
  const RunSettings& s = info.settings;
  std::string json = "{\"format\": " + std::to_string(kIndexInfoFormat) +
                     ", \"generation\": " + std::to_string(info.generation) + ", \"manifest\": ";
  append_json_string(json, info.manifest_path);
  json += ", \"manifests\": [";
  for (size_t idx = 0; idx < info.manifests.size(); ++idx) {
    if (idx) json += ", ";
    append_json_string(json, info.manifests[idx]);
  }
  json += "], \"links\": ";
  append_json_string(json, info.links);
  json += ", \"city\": ";
  append_json_string(json, info.city_text);
  json += ", \"as_of\": ";
  append_json_string(json, format_date(s.as_of));
  json += ", \"plan_year\": " + std::to_string(s.plan_year) + ", \"target_rate\": ";
  append_json_string(json, s.target_rate_text);
  json += ", \"resident_subsidy_yuan\": " + std::to_string(s.resident_subsidy_yuan) +
          ", \"notice_days\": " + std::to_string(s.notice_days) + ", \"feeds\": [";
  for (size_t idx = 0; idx < info.feeds.size(); ++idx) {
    const IndexFeedInfo& feed = info.feeds[idx];
    json += idx ? ", {\"path\": " : "{\"path\": ";
    append_json_string(json, feed.path);
    json += ", \"agency\": ";
    append_json_string(json, agency_name(feed.agency));
    json += ", \"segment\": ";
    append_json_string(json, feed.segment);
    json += ", \"fingerprint\": ";
    append_json_string(json, hex64(feed.fingerprint));
    json += "}";
  }
  json += "]";
  if (info.ranks > 1) {
    json += ", \"ranks\": " + std::to_string(info.ranks) + ", \"boundaries\": [";
    for (size_t idx = 0; idx < info.boundaries.size(); ++idx) {
      if (idx) json += ", ";
      append_json_string(json, hex64(info.boundaries[idx]));
    }
    json += "]";
  }
  // The checksum covers every byte before its own key (issue #14): a changed byte anywhere, even
  // one that leaves valid JSON (another as_of, another fingerprint), is seen when read.
  const std::string checksum = hex64(XXH3_64bits(json.data(), json.size()));
  json += kChecksumKey;
  json += checksum;
  json += "\"}\n";
  CANBAO_RETURN_IF_ERROR(write_file_atomically(index_info_path(index_dir), json));
  sync_directory(index_dir);
  // Files of older generations: a reader still opening one of them reads index.json again.
  std::vector<std::string> keep;
  for (const IndexInfo* named : {&info, previous}) {
    if (named == nullptr) continue;
    for (uint32_t rank = 0; rank < named->ranks; ++rank) {
      keep.push_back(part_file_name(named->links, rank));
      for (const IndexFeedInfo& feed : named->feeds) keep.push_back(part_file_name(feed.segment, rank));
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(index_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (is_generation_file(name) && std::find(keep.begin(), keep.end(), name) == keep.end()) fs::remove(entry.path(), ec);
  }
  return Status::OK();
}

Result<IndexInfo> read_index_info(const std::string& index_dir) {
  const std::string info_path = index_info_path(index_dir);
  simdjson::padded_string text;
  if (simdjson::padded_string::load(info_path).get(text))
    return Status::Error(info_path + ": cannot read (not an index directory written by `canbao run` or `canbao ingest`)");
  const auto corrupted = [&](const std::string& reason) {
    return Status::Error(info_path + ": index descriptor is corrupted (" + reason +
                         "); rerun canbao run, or canbao ingest --rebuild-index");
  };
  // The checksum first: nothing of a damaged descriptor is believed. Without one, the format
  // tells an older canbao's descriptor from a damaged one.
  const std::string_view bytes(text.data(), text.size());
  const size_t key = bytes.rfind(kChecksumKey);
  constexpr size_t kHexDigits = 16;
  const bool tail_ok = key != std::string_view::npos &&
                       bytes.size() == key + kChecksumKey.size() + kHexDigits + std::string_view("\"}\n").size() &&
                       bytes.substr(key + kChecksumKey.size() + kHexDigits) == "\"}\n";
  uint64_t stored = 0;
  if (!tail_ok || !parse_hex64(bytes.substr(key + kChecksumKey.size(), kHexDigits), stored)) {
    try {
      simdjson::ondemand::parser parser;
      simdjson::ondemand::document doc = parser.iterate(text);
      if (int64_t format = 0; !doc["format"].get_int64().get(format) && format != kIndexInfoFormat)
        return Status::Error(info_path + ": unknown format (an index of another canbao version); rerun canbao ingest");
    } catch (const std::exception&) {
    }
    return corrupted("no checksum");
  }
  if (XXH3_64bits(bytes.data(), key) != stored) return corrupted("checksum mismatch");
  IndexInfo info;
  RunSettings& settings = info.settings;
  try {
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc = parser.iterate(text);
    if (int64_t(doc["format"]) != kIndexInfoFormat)
      return Status::Error(info_path + ": unknown format (an index of another canbao version); rerun canbao ingest");
    info.generation = uint64_t(doc["generation"]);
    info.manifest_path = std::string(std::string_view(doc["manifest"].get_string()));
    for (auto manifest : doc["manifests"].get_array()) info.manifests.emplace_back(std::string_view(manifest.get_string()));
    info.links = std::string(std::string_view(doc["links"].get_string()));
    if (info.links.empty() || info.links.find('/') != std::string::npos || info.links[0] == '.')
      return Status::Error(info_path + ": bad links file name '" + info.links + "'");
    info.city_text = std::string(std::string_view(doc["city"].get_string()));
    settings.city = static_cast<Region>(std::stol(info.city_text));
    const auto as_of = parse_date(std::string_view(doc["as_of"].get_string()));
    if (!as_of || !as_of_in_range(*as_of)) return corrupted("bad as_of");
    settings.as_of = *as_of;
    settings.plan_year = static_cast<int>(int64_t(doc["plan_year"]));
    settings.target_rate_text = std::string(std::string_view(doc["target_rate"].get_string()));
    settings.target_rate = std::stod(settings.target_rate_text);
    settings.resident_subsidy_yuan = int64_t(doc["resident_subsidy_yuan"]);
    settings.notice_days = static_cast<int>(int64_t(doc["notice_days"]));
    for (auto feed : doc["feeds"].get_array()) {
      IndexFeedInfo entry;
      entry.path = std::string(std::string_view(feed["path"].get_string()));
      if (!parse_agency(std::string_view(feed["agency"].get_string()), entry.agency))
        return Status::Error(info_path + ": unknown agency");
      entry.segment = std::string(std::string_view(feed["segment"].get_string()));
      const std::string fingerprint(std::string_view(feed["fingerprint"].get_string()));
      if (!parse_hex64(fingerprint, entry.fingerprint)) return corrupted("bad fingerprint");
      // A descriptor names files inside its own directory only.
      if (entry.segment.empty() || entry.segment.find('/') != std::string::npos || entry.segment[0] == '.')
        return Status::Error(info_path + ": bad segment name '" + entry.segment + "'");
      info.feeds.push_back(std::move(entry));
    }
    if (int64_t ranks = 0; !doc["ranks"].get_int64().get(ranks)) {
      if (ranks < 1 || ranks > 1 << 20) return corrupted("bad rank count");
      info.ranks = static_cast<uint32_t>(ranks);
      for (auto bound : doc["boundaries"].get_array()) {
        uint64_t key = 0;
        if (!parse_hex64(std::string_view(bound.get_string()), key)) return corrupted("bad key boundary");
        info.boundaries.push_back(key);
      }
      if (info.boundaries.size() + 1 != info.ranks) return corrupted("bad key boundaries");
    }
  } catch (const std::exception& error) {
    return Status::Error(info_path + ": unreadable: " + error.what());
  }
  return info;
}

Status open_segments(const std::vector<std::string>& paths, const std::vector<SegmentOpenOptions>& options,
                     std::vector<std::unique_ptr<Segment>>& out) {
  out.resize(paths.size());
  std::vector<Status> opened(paths.size());
  tbb::parallel_for(size_t{0}, paths.size(), [&](size_t idx) {
    if (out[idx]) return;
    auto segment = Segment::Open(paths[idx], options[idx]);
    if (segment.ok())
      out[idx] = std::move(segment).value();
    else
      opened[idx] = segment.status();
  });
  for (const Status& status : opened) CANBAO_RETURN_IF_ERROR(status);
  return Status::OK();
}

Result<std::vector<std::unique_ptr<Segment>>> open_index_segments(const std::string& index_dir,
                                                                  const IndexInfo& info, uint32_t rank) {
  std::vector<std::string> paths;
  for (const IndexFeedInfo& feed : info.feeds) paths.push_back(index_dir + "/" + part_file_name(feed.segment, rank));
  std::vector<std::unique_ptr<Segment>> segments;
  CANBAO_RETURN_IF_ERROR(open_segments(paths, std::vector<SegmentOpenOptions>(paths.size()), segments));
  for (size_t idx = 0; idx < segments.size(); ++idx) {
    const SegmentHeader& header = segments[idx]->header();
    if (segments[idx]->agency() != info.feeds[idx].agency || header.fingerprint != info.feeds[idx].fingerprint)
      return Status::Error(paths[idx] + ": segment is not feed " + std::to_string(idx) +
                           "'s (index.json and the segments disagree; rerun canbao ingest)");
  }
  return segments;
}

Result<OpenedIndex> open_index(const std::string& index_dir) {
  // A run two generations on may remove files between our reading index.json and opening them:
  // then index.json names a newer generation, and we start again with it.
  for (int attempt = 0;; ++attempt) {
    CANBAO_ASSIGN_OR_RETURN(IndexInfo info, read_index_info(index_dir));
    Status status;
    OpenedIndex opened;
    for (uint32_t rank = 0; rank < info.ranks && status.ok(); ++rank) {
      IndexPart part;
      if (auto segments = open_index_segments(index_dir, info, rank); segments.ok()) {
        part.segments = std::move(segments).value();
        std::vector<const Segment*> views;
        for (const auto& segment : part.segments) views.push_back(segment.get());
        if (auto links = load_links(index_dir + "/" + part_file_name(info.links, rank), views); links.ok())
          part.links = std::move(links).value();
        else
          status = links.status();
      } else {
        status = segments.status();
      }
      if (!status.ok()) break;
      if (rank == 0) {
        opened.segments = std::move(part.segments);
        opened.links = std::move(part.links);
      } else {
        opened.parts.push_back(std::move(part));
      }
    }
    if (status.ok()) {
      opened.info = std::move(info);
      return opened;
    }
    auto now = read_index_info(index_dir);
    if (attempt >= 100 || !now.ok() || now->generation == info.generation) return status;
  }
}

}  // namespace canbao
