#include "canbao/index/format.h"

#include <xxhash.h>

#include <oneapi/tbb/parallel_for.h>

#include <cstring>
#include <vector>

namespace canbao {

uint64_t segment_header_checksum(const SegmentHeader& header) {
  SegmentHeader copy;
  std::memcpy(&copy, &header, sizeof(copy));
  copy.header_checksum = 0;
  return XXH3_64bits(&copy, sizeof(copy));
}

uint64_t segment_body_checksum(const char* file, uint64_t file_size) {
  const uint64_t body = file_size > kSegmentBodyStart ? file_size - kSegmentBodyStart : 0;
  const size_t blocks = static_cast<size_t>((body + kChecksumBlockBytes - 1) / kChecksumBlockBytes);
  std::vector<uint64_t> hashes(blocks);
  tbb::parallel_for(size_t{0}, blocks, [&](size_t block) {
    const uint64_t begin = kSegmentBodyStart + block * kChecksumBlockBytes;
    const uint64_t size = std::min(kChecksumBlockBytes, file_size - begin);
    hashes[block] = XXH3_64bits(file + begin, static_cast<size_t>(size));
  });
  return XXH3_64bits(hashes.data(), hashes.size() * sizeof(uint64_t));
}

namespace {

// True when [off, off + count * size) lies inside [kSegmentBodyStart, file_size), without overflow.
bool section_fits(uint64_t off, uint64_t count, uint64_t size, uint64_t file_size) {
  uint64_t bytes = 0, end = 0;
  if (__builtin_mul_overflow(count, size, &bytes) || __builtin_add_overflow(off, bytes, &end)) return false;
  return off >= kSegmentBodyStart && end <= file_size;
}

}  // namespace

Status check_segment_header(const SegmentHeader& h, uint64_t actual_size) {
  if (std::memcmp(h.magic, kSegmentMagic, sizeof(kSegmentMagic)) != 0) return Status::Error("not an index segment");
  if (h.format_version != kSegmentFormatVersion)
    return Status::Error("index segment of format " + std::to_string(h.format_version) + ", expected " +
                         std::to_string(kSegmentFormatVersion));
  if (h.header_checksum != segment_header_checksum(h)) return Status::Error("header checksum mismatch");
  if (h.file_size != actual_size) return Status::Error("file size does not match its header (truncated?)");
  if (h.agency >= static_cast<uint32_t>(kAgencyCount)) return Status::Error("unknown agency in header");
  if (h.record_size != packed_size(static_cast<Agency>(h.agency))) return Status::Error("wrong record size");
  const uint64_t size = h.file_size;
  const bool fits = section_fits(h.records_off, h.record_count, h.record_size, size) &&
                    section_fits(h.pending_off, h.pending_count, h.record_size, size) &&
                    section_fits(h.pending_info_off, h.pending_count, sizeof(PendingInfo), size) &&
                    section_fits(h.quarantine_off, h.quarantine_count, sizeof(QuarantineEntry), size) &&
                    section_fits(h.arena_off, h.arena_size, 1, size) &&
                    section_fits(h.name_table_off, h.name_table_count, sizeof(NameBirthEntry), size);
  if (!fits) return Status::Error("a section lies outside the file");
  if (h.name_table_count > h.record_count) return Status::Error("more name table entries than records");
  // Every section starts at a multiple of kSegmentAlign: a record or an entry is never read from a
  // misaligned address.
  for (const uint64_t off : {h.records_off, h.pending_off, h.pending_info_off, h.quarantine_off, h.arena_off, h.name_table_off})
    if (off % kSegmentAlign != 0) return Status::Error("a section is not aligned");
  return Status::OK();
}

Status check_segment_start(const char* start, uint64_t actual_size) {
  SegmentHeader header;
  std::memcpy(&header, start, sizeof(header));
  CANBAO_RETURN_IF_ERROR(check_segment_header(header, actual_size));
  // The padding is covered by neither checksum: it must be zero, so a flipped byte there is seen.
  for (uint64_t pos = sizeof(SegmentHeader); pos < kSegmentBodyStart; ++pos)
    if (start[pos] != 0) return Status::Error("header padding is not zero");
  return Status::OK();
}

}  // namespace canbao
