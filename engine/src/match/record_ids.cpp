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

// Calls fn(local, occurrence) for every screened record of enrollment segment `seg_idx`, with the
// calling thread's `local`: the directly accepted records (in parallel), then the pending ones
// whose fields are fine (the others are quarantined for their own reason).
template <typename T, typename Fn>
void for_each_record_id(const Segment& segment, uint32_t seg_idx, tbb::enumerable_thread_specific<T>& tls,
                        const Fn& fn) {
  if (segment.agency() != Agency::kEnrollment) return;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, segment.record_count(), 1 << 16),
                    [&](const tbb::blocked_range<size_t>& range) {
                      T& local = tls.local();
                      for (size_t idx = range.begin(); idx != range.end(); ++idx) {
                        const auto slot = static_cast<uint32_t>(idx);
                        fn(local, Occurrence{hash_id(segment.str(enrollment_at(segment, slot).record_id)), seg_idx, slot});
                      }
                    });
  T& local = tls.local();
  for (uint32_t idx = 0; idx < segment.pending_count(); ++idx) {
    if (!segment.pending_info()[idx].fields_ok) continue;
    const uint32_t slot = kPendingBit | idx;
    fn(local, Occurrence{hash_id(segment.str(enrollment_at(segment, slot).record_id)), seg_idx, slot});
  }
}

// A record_id occurrence with what deciding it takes (read from its segment, or sent by the rank
// holding it: issue #17).
struct IdCandidate {
  std::string_view record_id;
  Origin origin;
  uint64_t hash;
  uint32_t segment;
  uint32_t slot;  // record index (on the rank holding it), or kPendingBit | pending index
  bool is_update;
  bool is_delete;
  PersonKey key;  // kNoPerson when pending
};

// The fields of an IdCandidate, for a Packer (const) or an Unpacker (issue #17).
template <typename Candidate, typename Field>
bool candidate_fields(Candidate& c, Field& f) {
  return f(c.record_id) && f(c.origin) && f(c.hash) && f(c.segment) && f(c.slot) && f(c.is_update) &&
         f(c.is_delete) && f(c.key);
}

IdCandidate candidate_of(const std::vector<const Segment*>& segments, const Occurrence& occ) {
  const Segment& segment = *segments[occ.segment];
  const EnrollmentPacked& rec = enrollment_at(segment, occ.slot);
  return {segment.str(rec.record_id), Origin{segment.feed_index(), rec.head.line}, occ.hash, occ.segment, occ.slot,
          segment.is_update(), rec.head.op == RecordOp::kDelete, occ.slot & kPendingBit ? kNoPerson : rec.head.key};
}

// Decides the occurrences of each record_id among `candidates` (every occurrence of it, or the
// one standing before the new feeds and the new feeds' ones), in (feed, line) order: in an append
// feed a record_id that a standing record holds is a duplicate; in an update feed a record replaces
// the holder (or is added), a delete row removes it, and a record_id met again in the same update
// feed is a duplicate (the first stands). Appends to `out` unsorted.
void resolve(std::vector<IdCandidate>& candidates, RecordIdScreen& out) {
  // Grouped by record_id: by hash first (equal record_ids share it; a string is compared only
  // within a hash), then (feed, line). A year of daily update feeds makes these millions.
  std::sort(candidates.begin(), candidates.end(), [](const IdCandidate& a, const IdCandidate& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    return std::tie(a.record_id, a.origin) < std::tie(b.record_id, b.origin);
  });
  const auto duplicate = [&](const IdCandidate& candidate) {
    out.duplicates.push_back({candidate.segment, candidate.slot & ~kPendingBit, candidate.origin.line,
                              (candidate.slot & kPendingBit) != 0, candidate.key});
  };
  for (size_t first = 0; first < candidates.size();) {
    size_t last = first;
    while (last < candidates.size() && candidates[last].record_id == candidates[first].record_id) ++last;
    const IdCandidate* holder = nullptr;
    for (size_t idx = first; idx < last; ++idx) {
      const IdCandidate& candidate = candidates[idx];
      if (!candidate.is_update) {  // append feed: a standing holder makes it a duplicate
        if (holder != nullptr) {
          duplicate(candidate);
        } else {
          holder = &candidate;
        }
        continue;
      }
      // Update feed: the record_id met again in the same feed is a duplicate (the first stands).
      bool again = false;
      for (size_t prev = first; prev < idx && !again; ++prev) again = candidates[prev].segment == candidate.segment;
      if (again) {
        duplicate(candidate);
        continue;
      }
      if (holder != nullptr)
        out.removed.push_back({holder->segment, holder->slot & ~kPendingBit, candidate.segment,
                               (holder->slot & kPendingBit) != 0, candidate.is_delete, holder->key});
      holder = candidate.is_delete ? nullptr : &candidate;
    }
    first = last;
  }
}

void resolve(const std::vector<const Segment*>& segments, const std::vector<Occurrence>& occurrences,
             RecordIdScreen& out) {
  std::vector<IdCandidate> candidates;
  candidates.reserve(occurrences.size());
  for (const Occurrence& occ : occurrences) candidates.push_back(candidate_of(segments, occ));
  resolve(candidates, out);
}

bool by_line(const DuplicateRecordRef& a, const DuplicateRecordRef& b) {
  return std::tie(a.segment, a.line) < std::tie(b.segment, b.line);
}

}  // namespace

bool removed_order(const RemovedRef& a, const RemovedRef& b) {
  return std::tie(a.segment, a.pending, a.index) < std::tie(b.segment, b.pending, b.index);
}

std::vector<DuplicateRecordRef> find_duplicate_record_ids(const std::vector<const Segment*>& segments) {
  return screen_record_ids(segments).duplicates;
}

RecordIdScreen screen_record_ids(const std::vector<const Segment*>& segments) {
  // 1. Hash every record_id into per-thread buckets.
  tbb::enumerable_thread_specific<Buckets> local;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx)
    for_each_record_id(*segments[seg_idx], seg_idx, local, [](Buckets& buckets, const Occurrence& occ) {
      buckets[occ.hash >> (64 - kBucketBits)].push_back(occ);
    });
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
  std::vector<Occurrence> candidates;
  for (auto& part : found) candidates.insert(candidates.end(), part.begin(), part.end());
  RecordIdScreen out;
  resolve(segments, candidates, out);
  std::sort(out.duplicates.begin(), out.duplicates.end(), by_line);
  std::sort(out.removed.begin(), out.removed.end(), removed_order);
  return out;
}

Status screen_record_ids_ranks(const std::vector<const Segment*>& segments, Ranks& ranks, RecordIdScreen& out) {
  out = RecordIdScreen{};
  const auto n = static_cast<size_t>(ranks.size());
  // 1. This rank's occurrences: its records, and (rank 0 only) the pending records every rank holds.
  tbb::enumerable_thread_specific<std::vector<Occurrence>> local;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx)
    for_each_record_id(*segments[seg_idx], seg_idx, local, [&](std::vector<Occurrence>& part, const Occurrence& occ) {
      if (!(occ.slot & kPendingBit) || ranks.leader()) part.push_back(occ);
    });
  std::vector<Occurrence> mine;
  for (auto& part : local) mine.insert(mine.end(), part.begin(), part.end());
  // 2. Each hash to the rank hash % n, which finds the hashes met more than once.
  std::vector<std::vector<uint64_t>> by_rank(n);
  for (const Occurrence& occ : mine) by_rank[occ.hash % n].push_back(occ.hash);
  std::vector<std::string> send(n), recv;
  for (size_t r = 0; r < n; ++r) Packer(send[r]).vec(by_rank[r]);
  by_rank.clear();
  CANBAO_RETURN_IF_ERROR(ranks.all_to_all("record_id screen", send, recv));
  std::vector<uint64_t> hashes, part;
  for (const std::string& bytes : recv) {
    if (!Unpacker(bytes).vec(part)) return Status::Error("record_id screen: a rank sent hashes that do not parse");
    hashes.insert(hashes.end(), part.begin(), part.end());
  }
  recv.clear();
  std::sort(hashes.begin(), hashes.end());
  std::vector<uint64_t> repeated;
  for (size_t idx = 1; idx < hashes.size(); ++idx)
    if (hashes[idx] == hashes[idx - 1] && (repeated.empty() || repeated.back() != hashes[idx])) repeated.push_back(hashes[idx]);
  std::vector<uint64_t> colliding;
  CANBAO_RETURN_IF_ERROR(ranks.gather_vectors("record_id screen", repeated, colliding));
  std::sort(colliding.begin(), colliding.end());
  // 3. The occurrences of those (few) to every rank, which all decide them alike.
  std::string candidates_bytes;
  {
    Packer pack(candidates_bytes);
    for (const Occurrence& occ : mine) {
      if (!std::binary_search(colliding.begin(), colliding.end(), occ.hash)) continue;
      const IdCandidate candidate = candidate_of(segments, occ);
      candidate_fields(candidate, pack);
    }
  }
  CANBAO_RETURN_IF_ERROR(ranks.all_gather("record_id screen", candidates_bytes, recv));
  std::vector<IdCandidate> candidates;
  for (const std::string& bytes : recv) {
    Unpacker in(bytes);
    while (!in.done()) {
      IdCandidate candidate{};
      if (!candidate_fields(candidate, in))
        return Status::Error("record_id screen: a rank sent occurrences that do not parse");
      candidates.push_back(candidate);
    }
  }
  resolve(candidates, out);
  std::sort(out.duplicates.begin(), out.duplicates.end(), by_line);
  std::sort(out.removed.begin(), out.removed.end(), removed_order);
  return Status::OK();
}

RecordIdScreen screen_new_record_ids(const std::vector<const Segment*>& segments, uint32_t first_new,
                                     const std::vector<DuplicateRecordRef>& duplicates_before,
                                     const std::vector<RemovedRef>& removed_before) {
  // 1. The new feeds' record_ids, and a filter of their hashes (a bitmap, then the sorted hashes).
  tbb::enumerable_thread_specific<std::vector<Occurrence>> fresh;
  for (uint32_t seg_idx = first_new; seg_idx < segments.size(); ++seg_idx)
    for_each_record_id(*segments[seg_idx], seg_idx, fresh,
                       [](std::vector<Occurrence>& local, const Occurrence& occ) { local.push_back(occ); });
  std::vector<Occurrence> occurrences;
  for (auto& part : fresh) occurrences.insert(occurrences.end(), part.begin(), part.end());
  RecordIdScreen out;
  if (occurrences.empty()) return out;
  std::vector<uint64_t> hashes;
  hashes.reserve(occurrences.size());
  // ~64 bits a record_id, at most 2^24 bits (2 MiB).
  uint64_t words = 64;
  while (words < occurrences.size() && words < (uint64_t{1} << 18)) words <<= 1;
  const uint64_t word_mask = words - 1;
  std::vector<uint64_t> filter(words, 0);
  for (const Occurrence& occ : occurrences) {
    hashes.push_back(occ.hash);
    filter[(occ.hash >> 6) & word_mask] |= uint64_t{1} << (occ.hash & 63);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  // 2. The earlier feeds' occurrences of those record_ids (a hash of every earlier record_id, no
  // more). Of each record_id at most one still stands: the one that is neither a later duplicate,
  // nor replaced or deleted, nor a delete row; it is all the new occurrences need to be decided.
  tbb::enumerable_thread_specific<std::vector<Occurrence>> earlier;
  for (uint32_t seg_idx = 0; seg_idx < first_new; ++seg_idx)
    for_each_record_id(*segments[seg_idx], seg_idx, earlier, [&](std::vector<Occurrence>& local, const Occurrence& occ) {
      if ((filter[(occ.hash >> 6) & word_mask] & (uint64_t{1} << (occ.hash & 63))) &&
          std::binary_search(hashes.begin(), hashes.end(), occ.hash))
        local.push_back(occ);
    });
  std::vector<std::tuple<uint32_t, bool, uint32_t>> duplicates;  // (segment, pending, index)
  for (const DuplicateRecordRef& ref : duplicates_before) duplicates.emplace_back(ref.segment, ref.pending, ref.index);
  std::sort(duplicates.begin(), duplicates.end());
  for (const auto& part : earlier)
    for (const Occurrence& occ : part) {
      const Segment& segment = *segments[occ.segment];
      if (enrollment_at(segment, occ.slot).head.op == RecordOp::kDelete) continue;
      const bool pending = (occ.slot & kPendingBit) != 0;
      const uint32_t index = occ.slot & ~kPendingBit;
      if (std::binary_search(duplicates.begin(), duplicates.end(), std::make_tuple(occ.segment, pending, index)))
        continue;
      RemovedRef probe{};
      probe.segment = occ.segment;
      probe.pending = pending;
      probe.index = index;
      if (std::binary_search(removed_before.begin(), removed_before.end(), probe, removed_order)) continue;
      occurrences.push_back(occ);
    }
  // 3. Decided as in a whole screen.
  resolve(segments, occurrences, out);
  std::sort(out.duplicates.begin(), out.duplicates.end(), by_line);
  std::sort(out.removed.begin(), out.removed.end(), removed_order);
  return out;
}

}  // namespace canbao
