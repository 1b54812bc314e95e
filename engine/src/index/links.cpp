#include "canbao/index/links.h"

#include <xxhash.h>

#include <cstring>
#include <fstream>
#include <span>
#include <type_traits>

#include "canbao/index/index_dir.h"

namespace canbao {

namespace {

constexpr char kLinksMagic[8] = {'C', 'A', 'N', 'B', 'L', 'N', 'K', '1'};

struct LinksFileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t segment_count;  // of the segments it was computed from (the first ones of a later run's)
  uint64_t segment_set;    // segment_set_fingerprint of those segments
  uint64_t counts[7];    // linked, unlinked, duplicate_ids, excluded, newborns, removed, removed_direct
  int32_t valid_from, valid_before;  // LinkResult's as_of range
  uint64_t body_checksum;    // XXH3_64bits of everything after the header
  uint64_t header_checksum;  // XXH3_64bits of the header with this field 0
};

static_assert(std::is_trivially_copyable_v<LinkedRef> && std::is_trivially_copyable_v<UnlinkedRef> &&
              std::is_trivially_copyable_v<DuplicateRecordRef> && std::is_trivially_copyable_v<ExcludedRef> &&
              std::is_trivially_copyable_v<RemovedRef>);

uint64_t header_checksum(LinksFileHeader header) {
  header.header_checksum = 0;
  return XXH3_64bits(&header, sizeof(header));
}

template <typename T>
void append_array(std::string& out, const std::vector<T>& items) {
  if (!items.empty()) out.append(reinterpret_cast<const char*>(items.data()), items.size() * sizeof(T));
}

template <typename T>
void read_array(const char*& at, uint64_t count, std::vector<T>& out) {
  out.resize(count);
  if (count != 0) std::memcpy(out.data(), at, count * sizeof(T));  // an empty vector's data() may be null
  at += count * sizeof(T);
}

// True when every reference names a record that exists in `segments` (a file whose checksum
// happens to match garbage must not make the matcher read outside a segment).
bool references_fit(const LinkResult& links, std::span<const Segment* const> segments) {
  const auto pending_ok = [&](uint32_t segment, uint64_t pending) {
    return segment < segments.size() && pending < segments[segment]->pending_count();
  };
  const auto record_ok = [&](uint32_t segment, uint64_t index) {
    return segment < segments.size() && index < segments[segment]->record_count();
  };
  for (const LinkedRef& ref : links.linked)
    if (!pending_ok(ref.segment, ref.pending)) return false;
  for (const UnlinkedRef& ref : links.unlinked)
    if (!pending_ok(ref.segment, ref.pending)) return false;
  for (const DuplicateRecordRef& ref : links.duplicate_ids)
    if (ref.pending ? !pending_ok(ref.segment, ref.index) : !record_ok(ref.segment, ref.index)) return false;
  for (const ExcludedRef& ref : links.excluded)
    if (!record_ok(ref.segment, ref.index)) return false;
  for (const UnlinkedRef& ref : links.newborns)
    if (!pending_ok(ref.segment, ref.pending)) return false;
  for (const RemovedRef& ref : links.removed)
    if ((ref.pending ? !pending_ok(ref.segment, ref.index) : !record_ok(ref.segment, ref.index)) ||
        ref.by_segment >= segments.size())
      return false;
  for (const ExcludedRef& ref : links.removed_direct)
    if (!record_ok(ref.segment, ref.index)) return false;
  return true;
}

}  // namespace

uint64_t segment_set_fingerprint(std::span<const Segment* const> segments) {
  std::vector<uint64_t> checksums;
  checksums.reserve(segments.size());
  for (const Segment* segment : segments) checksums.push_back(segment->header().header_checksum);
  return XXH3_64bits(checksums.data(), checksums.size() * sizeof(uint64_t));
}

Status save_links(const std::string& path, const LinkResult& links, const std::vector<const Segment*>& segments) {
  LinksFileHeader header{};
  std::memcpy(header.magic, kLinksMagic, sizeof(kLinksMagic));
  header.format_version = kLinksFormatVersion;
  header.segment_count = static_cast<uint32_t>(segments.size());
  header.segment_set = segment_set_fingerprint(segments);
  header.counts[0] = links.linked.size();
  header.counts[1] = links.unlinked.size();
  header.counts[2] = links.duplicate_ids.size();
  header.counts[3] = links.excluded.size();
  header.counts[4] = links.newborns.size();
  header.counts[5] = links.removed.size();
  header.counts[6] = links.removed_direct.size();
  header.valid_from = links.valid_from;
  header.valid_before = links.valid_before;
  std::string bytes(sizeof(header), '\0');
  append_array(bytes, links.linked);
  append_array(bytes, links.unlinked);
  append_array(bytes, links.duplicate_ids);
  append_array(bytes, links.excluded);
  append_array(bytes, links.newborns);
  append_array(bytes, links.removed);
  append_array(bytes, links.removed_direct);
  header.body_checksum = XXH3_64bits(bytes.data() + sizeof(header), bytes.size() - sizeof(header));
  header.header_checksum = header_checksum(header);
  std::memcpy(bytes.data(), &header, sizeof(header));
  return write_file_atomically(path, bytes);
}

Result<LinkResult> load_links(const std::string& path, const std::vector<const Segment*>& segments,
                              uint32_t* first_segments) {
  const auto error = [&](const std::string& reason) {
    return Status::Error(path + ": " + reason + "; rerun canbao ingest");
  };
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return error("fallback links are missing");
  const std::streamoff size = in.tellg();
  std::string bytes(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  in.seekg(0);
  if (size < 0 || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return error("fallback links are unreadable");
  LinksFileHeader header{};
  if (bytes.size() < sizeof(header)) return error("fallback links are corrupted (truncated)");
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (std::memcmp(header.magic, kLinksMagic, sizeof(kLinksMagic)) != 0 ||
      header.format_version != kLinksFormatVersion || header.header_checksum != header_checksum(header))
    return error("fallback links are corrupted (bad header)");
  const uint64_t sizes[7] = {sizeof(LinkedRef),   sizeof(UnlinkedRef), sizeof(DuplicateRecordRef), sizeof(ExcludedRef),
                             sizeof(UnlinkedRef), sizeof(RemovedRef),  sizeof(ExcludedRef)};
  uint64_t body = 0;
  for (int idx = 0; idx < 7; ++idx) {
    uint64_t part = 0;
    if (__builtin_mul_overflow(header.counts[idx], sizes[idx], &part) || __builtin_add_overflow(body, part, &body))
      return error("fallback links are corrupted (bad counts)");
  }
  if (body != bytes.size() - sizeof(header)) return error("fallback links are corrupted (size mismatch)");
  // The segments it was computed from: all of them, or (when the caller takes that) the first ones.
  const bool whole = header.segment_count == segments.size();
  if (!whole && (first_segments == nullptr || header.segment_count == 0 || header.segment_count > segments.size()))
    return error("fallback links are stale (computed from other segments)");
  const std::span<const Segment* const> from(segments.data(), header.segment_count);
  if (header.segment_set != segment_set_fingerprint(from))
    return error("fallback links are stale (computed from other segments)");
  if (XXH3_64bits(bytes.data() + sizeof(header), body) != header.body_checksum)
    return error("fallback links are corrupted (checksum mismatch)");
  LinkResult links;
  links.valid_from = header.valid_from;
  links.valid_before = header.valid_before;
  const char* at = bytes.data() + sizeof(header);
  read_array(at, header.counts[0], links.linked);
  read_array(at, header.counts[1], links.unlinked);
  read_array(at, header.counts[2], links.duplicate_ids);
  read_array(at, header.counts[3], links.excluded);
  read_array(at, header.counts[4], links.newborns);
  read_array(at, header.counts[5], links.removed);
  read_array(at, header.counts[6], links.removed_direct);
  if (!references_fit(links, from)) return error("fallback links are corrupted (a reference outside the index)");
  if (first_segments != nullptr) *first_segments = header.segment_count;
  return links;
}

}  // namespace canbao
