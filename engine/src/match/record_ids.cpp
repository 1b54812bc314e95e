#include "canbao/match/record_ids.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <functional>
#include <string_view>
#include <tuple>

namespace canbao {

namespace {

// A record_id occurrence: its hash and where the record is.
struct Occurrence {
  uint64_t hash;
  uint32_t segment;
  uint32_t slot;  // record index, or kPendingBit | pending index
};
constexpr uint32_t kPendingBit = 0x80000000u;

// Occurrences are spread over buckets by the top bits of their hash, so each bucket fits in cache
// while it is checked; 2^10 buckets keep ~25k occurrences each at 25M records.
constexpr int kBucketBits = 10;
constexpr size_t kBuckets = size_t{1} << kBucketBits;
using Buckets = std::array<std::vector<Occurrence>, kBuckets>;

const EnrollmentPacked& enrollment_at(const Segment& segment, uint32_t slot) {
  const char* packed = slot & kPendingBit ? segment.pending(slot & ~kPendingBit) : segment.record(slot);
  return *reinterpret_cast<const EnrollmentPacked*>(packed);
}

uint64_t hash_id(std::string_view text) { return std::hash<std::string_view>{}(text); }

// Appends to `out` every occurrence whose hash equals that of another occurrence in `bucket`
// (both of them). An open-addressing table of the hashes, sized for the bucket.
void colliding(const std::vector<const std::vector<Occurrence>*>& parts, std::vector<Occurrence>& out) {
  size_t count = 0;
  for (const auto* part : parts) count += part->size();
  if (count < 2) return;
  size_t capacity = 16;
  while (capacity < 2 * count) capacity <<= 1;
  // Slot value: index + 1 into the flattened occurrences (0 = empty).
  std::vector<uint32_t> table(capacity, 0);
  std::vector<const Occurrence*> flat;
  flat.reserve(count);
  for (const auto* part : parts)
    for (const Occurrence& occ : *part) flat.push_back(&occ);
  std::vector<bool> reported(count, false);
  for (uint32_t idx = 0; idx < flat.size(); ++idx) {
    const uint64_t hash = flat[idx]->hash;
    for (size_t pos = (hash ^ (hash >> 29)) & (capacity - 1);; pos = (pos + 1) & (capacity - 1)) {
      if (table[pos] == 0) {
        table[pos] = idx + 1;
        break;
      }
      const uint32_t other = table[pos] - 1;
      if (flat[other]->hash != hash) continue;
      if (!reported[other]) {
        reported[other] = true;
        out.push_back(*flat[other]);
      }
      out.push_back(*flat[idx]);
      break;
    }
  }
}

}  // namespace

std::vector<DuplicateRecordRef> find_duplicate_record_ids(const std::vector<const Segment*>& segments) {
  return screen_record_ids(segments).duplicates;
}

RecordIdScreen screen_record_ids(const std::vector<const Segment*>& segments) {
  // 1. Hash every record_id into per-thread buckets.
  tbb::enumerable_thread_specific<Buckets> local;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    if (segment.agency() != Agency::kEnrollment) continue;
    tbb::parallel_for(tbb::blocked_range<size_t>(0, segment.record_count(), 1 << 16),
                      [&](const tbb::blocked_range<size_t>& range) {
                        Buckets& buckets = local.local();
                        for (size_t idx = range.begin(); idx != range.end(); ++idx) {
                          const auto slot = static_cast<uint32_t>(idx);
                          const uint64_t hash = hash_id(segment.str(enrollment_at(segment, slot).record_id));
                          buckets[hash >> (64 - kBucketBits)].push_back({hash, seg_idx, slot});
                        }
                      });
    Buckets& buckets = local.local();
    for (uint32_t idx = 0; idx < segment.pending_count(); ++idx) {
      if (!segment.pending_info()[idx].fields_ok) continue;  // quarantined for its own reason
      const uint32_t slot = kPendingBit | idx;
      const uint64_t hash = hash_id(segment.str(enrollment_at(segment, slot).record_id));
      buckets[hash >> (64 - kBucketBits)].push_back({hash, seg_idx, slot});
    }
  }
  // 2. Per bucket, the occurrences whose hash another one shares.
  tbb::enumerable_thread_specific<std::vector<Occurrence>> found;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, kBuckets, 8), [&](const tbb::blocked_range<size_t>& range) {
    std::vector<const std::vector<Occurrence>*> parts;
    for (size_t bucket = range.begin(); bucket != range.end(); ++bucket) {
      parts.clear();
      for (const Buckets& buckets : local) parts.push_back(&buckets[bucket]);
      colliding(parts, found.local());
    }
  });
  // 3. Among the candidates (few), equal record_ids: the first by (feed, line) keeps it.
  struct Candidate {
    std::string_view record_id;
    Origin origin;
    Occurrence occurrence;
  };
  std::vector<Candidate> candidates;
  for (const auto& part : found)
    for (const Occurrence& occ : part) {
      const Segment& segment = *segments[occ.segment];
      const EnrollmentPacked& rec = enrollment_at(segment, occ.slot);
      candidates.push_back({segment.str(rec.record_id), rec.head.origin, occ});
    }
  // Grouped by record_id: by hash first (equal record_ids share it; a string is compared only
  // within a hash), then (feed, line). A year of daily update feeds makes these millions.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.occurrence.hash != b.occurrence.hash) return a.occurrence.hash < b.occurrence.hash;
    return std::tie(a.record_id, a.origin) < std::tie(b.record_id, b.origin);
  });
  // Per record_id, in (feed, line) order: the standing holder, replaced or deleted by update feeds.
  RecordIdScreen out;
  const auto key_of = [&](const Occurrence& occ) {
    return occ.slot & kPendingBit ? kNoPerson : enrollment_at(*segments[occ.segment], occ.slot).head.key;
  };
  const auto duplicate = [&](const Candidate& candidate) {
    const Occurrence& occ = candidate.occurrence;
    out.duplicates.push_back({occ.segment, occ.slot & ~kPendingBit, candidate.origin.line,
                              (occ.slot & kPendingBit) != 0, key_of(occ)});
  };
  for (size_t first = 0; first < candidates.size();) {
    size_t last = first;
    while (last < candidates.size() && candidates[last].record_id == candidates[first].record_id) ++last;
    const Candidate* holder = nullptr;
    for (size_t idx = first; idx < last; ++idx) {
      const Candidate& candidate = candidates[idx];
      const Occurrence& occ = candidate.occurrence;
      const Segment& segment = *segments[occ.segment];
      const bool is_delete = enrollment_at(segment, occ.slot).head.op == RecordOp::kDelete;
      if (!segment.is_update()) {  // append feed: a standing holder makes it a duplicate
        if (holder != nullptr) {
          duplicate(candidate);
        } else {
          holder = &candidate;
        }
        continue;
      }
      // Update feed: the record_id met again in the same feed is a duplicate (the first stands).
      bool again = false;
      for (size_t prev = first; prev < idx && !again; ++prev)
        again = candidates[prev].occurrence.segment == occ.segment;
      if (again) {
        duplicate(candidate);
        continue;
      }
      if (holder != nullptr) {
        const Occurrence& held = holder->occurrence;
        out.removed.push_back({held.segment, held.slot & ~kPendingBit, occ.segment, (held.slot & kPendingBit) != 0,
                               is_delete, key_of(held)});
      }
      holder = is_delete ? nullptr : &candidate;
    }
    first = last;
  }
  std::sort(out.duplicates.begin(), out.duplicates.end(), [](const DuplicateRecordRef& a, const DuplicateRecordRef& b) {
    return std::tie(a.segment, a.line) < std::tie(b.segment, b.line);
  });
  std::sort(out.removed.begin(), out.removed.end(), [](const RemovedRef& a, const RemovedRef& b) {
    return std::tie(a.segment, a.pending, a.index) < std::tie(b.segment, b.pending, b.index);
  });
  return out;
}

}  // namespace canbao
