#include "canbao/match/linker.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "canbao/core/text.h"

namespace canbao {

namespace {

const RecordHead& head_of(const char* record) { return *reinterpret_cast<const RecordHead*>(record); }

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

void normalised(std::string_view raw, std::string& scratch, std::string_view& out) {
  if (!name_is_normal(raw)) {
    normalize_name(raw, scratch);
    out = scratch;
  } else {
    out = raw;
  }
}

constexpr size_t kWantedWords = size_t{1} << 18;  // 2^24 bits, 2 MiB
constexpr uint64_t kWantedMask = kWantedWords - 1;

uint64_t birth_name_hash(int yyyymmdd, uint32_t name_hash) {
  const uint64_t mixed = (static_cast<uint64_t>(yyyymmdd) << 32 | name_hash) * 0x9E3779B97F4A7C15ULL;
  return mixed ^ (mixed >> 29);
}

// "YYYYMMDD|name": the (birth date, normalised name) pair name_birth matches on.
void birth_key(int yyyymmdd, std::string_view name, std::string& out) {
  out.resize(9);
  for (int idx = 7; idx >= 0; --idx, yyyymmdd /= 10) out[idx] = static_cast<char>('0' + yyyymmdd % 10);
  out[8] = '|';
  out.append(name);
}

// Splits screened records into the pending ones ((segment, pending index), sorted) and the
// directly accepted ones (sorted).
template <typename Ref>
void split_by_pending(const std::vector<Ref>& refs, std::vector<std::pair<uint32_t, uint32_t>>& pending,
                      std::vector<ExcludedRef>& direct) {
  for (const Ref& ref : refs) {
    if (ref.pending)
      pending.emplace_back(ref.segment, ref.index);
    else
      direct.push_back({ref.key, ref.segment, ref.index});
  }
  std::sort(pending.begin(), pending.end());
  std::sort(direct.begin(), direct.end());
}

}  // namespace

void link_fallback(const std::vector<const Segment*>& segments, LinkResult& out) {
  out = LinkResult{};
  RecordIdScreen screen = screen_record_ids(segments);
  out.duplicate_ids = std::move(screen.duplicates);
  out.removed = std::move(screen.removed);
  std::vector<std::pair<uint32_t, uint32_t>> removed_pending, pending_duplicates;  // (segment, pending index)
  split_by_pending(out.removed, removed_pending, out.removed_direct);
  split_by_pending(out.duplicate_ids, pending_duplicates, out.excluded);
  // The pending records that could link: fields fine, and something to link by.
  struct Candidate {
    uint32_t segment, pending;
    std::string name;         // normalised
    std::string birth_name;   // birth_key(birth, name) when the record carries a birth date
  };
  std::vector<Candidate> candidates;
  // A bitmap of hash(birth, name) of the wanted pairs: the scan below tests it before doing any
  // string work, so only ~1% of records (true matches and hash collisions) go further.
  std::vector<uint64_t> wanted_bits(kWantedWords, 0);
  // name_birth matches on (birth date, name): index persons by that pair, never by name alone
  // (a common name is borne by many thousands of persons in a city).
  std::unordered_set<std::string, StringHash, std::equal_to<>> wanted;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    for (uint32_t idx = 0; idx < segment.pending_count(); ++idx) {
      if (std::binary_search(pending_duplicates.begin(), pending_duplicates.end(), std::make_pair(seg_idx, idx)))
        continue;  // quarantined as duplicate_record_id
      const PendingInfo& info = segment.pending_info()[idx];
      const RecordHead& head = head_of(segment.pending(idx));
      if (head.op == RecordOp::kDelete) continue;  // SPEC §7 enrollment delete row: no record to link
      const std::string name = normalize_name(segment.str(head.name));
      if (!info.fields_ok || name.empty()) {
        (info.newborn_without_id ? out.newborns : out.unlinked).push_back({seg_idx, idx, false});
        continue;
      }
      Candidate candidate{seg_idx, idx, name, {}};
      if (head.birth != kNoDay) {
        const Ymd ymd = ymd_from_day(head.birth);
        const int yyyymmdd = ymd.year * 10000 + ymd.month * 100 + ymd.day;
        birth_key(yyyymmdd, name, candidate.birth_name);
        wanted.insert(candidate.birth_name);
        const uint64_t hash = birth_name_hash(yyyymmdd, name_hash(name));
        wanted_bits[(hash >> 6) & kWantedMask] |= uint64_t{1} << (hash & 63);
      }
      candidates.push_back(std::move(candidate));
    }
  }
  if (candidates.empty()) return;

  // checksum_repair asks whether the 17-digit prefix of a bad_checksum ID is a known person bearing
  // the record's name: the prefixes wanted, and (below) the names they bear, found by the same scan
  // of every record as name_birth's (one lookup per segment per candidate would cost candidates ×
  // feeds, and a year of daily deliveries has hundreds of feeds).
  std::vector<PersonKey> repair_wanted;
  for (const Candidate& candidate : candidates) {
    const PendingInfo& info = segments[candidate.segment]->pending_info()[candidate.pending];
    if (info.reject == IdReject::kBadChecksum) repair_wanted.push_back(info.repair_key);
  }
  std::sort(repair_wanted.begin(), repair_wanted.end());
  repair_wanted.erase(std::unique(repair_wanted.begin(), repair_wanted.end()), repair_wanted.end());
  std::vector<uint64_t> repair_bits(kWantedWords, 0);
  const auto repair_hash = [](PersonKey key) {
    const uint64_t mixed = key * 0x9E3779B97F4A7C15ULL;
    return mixed ^ (mixed >> 29);
  };
  for (const PersonKey key : repair_wanted) {
    const uint64_t hash = repair_hash(key);
    repair_bits[(hash >> 6) & kWantedMask] |= uint64_t{1} << (hash & 63);
  }
  // ((birth date, normalised name) -> persons bearing them) and (repair prefix, normalised name)
  // pairs, in parallel.
  using NameIndex = std::unordered_map<std::string, std::vector<PersonKey>, StringHash, std::equal_to<>>;
  tbb::enumerable_thread_specific<NameIndex> partial;
  tbb::enumerable_thread_specific<std::vector<std::pair<PersonKey, std::string>>> repair_partial;
  if (!wanted.empty() || !repair_wanted.empty()) {
    for (const Segment* segment : segments) {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, segment->record_count(), 1 << 16),
                        [&](const tbb::blocked_range<size_t>& range) {
                          NameIndex& local = partial.local();
                          auto& repair_local = repair_partial.local();
                          std::string scratch, key_text;
                          std::string_view name;
                          for (size_t idx = range.begin(); idx != range.end(); ++idx) {
                            const RecordHead& head = head_of(segment->record(idx));
                            const int yyyymmdd = static_cast<int>((head.key / 1000) % 100000000);
                            if (head.name_hash == 0 || head.op == RecordOp::kDelete) continue;
                            if (!repair_wanted.empty()) {
                              const uint64_t key_hash = repair_hash(head.key);
                              if ((repair_bits[(key_hash >> 6) & kWantedMask] & (uint64_t{1} << (key_hash & 63))) &&
                                  std::binary_search(repair_wanted.begin(), repair_wanted.end(), head.key)) {
                                normalised(segment->str(head.name), scratch, name);
                                repair_local.emplace_back(head.key, std::string(name));
                              }
                            }
                            if (wanted.empty()) continue;
                            // Screen by birth date (from the key) and the stored name hash: names
                            // are read only for likely matches.
                            const uint64_t hash = birth_name_hash(yyyymmdd, head.name_hash);
                            if (!(wanted_bits[(hash >> 6) & kWantedMask] & (uint64_t{1} << (hash & 63)))) continue;
                            normalised(segment->str(head.name), scratch, name);
                            birth_key(yyyymmdd, name, key_text);
                            if (!wanted.contains(key_text)) continue;
                            auto slot = local.find(key_text);
                            if (slot == local.end()) slot = local.emplace(key_text, std::vector<PersonKey>{}).first;
                            slot->second.push_back(head.key);
                          }
                        });
    }
  }
  NameIndex persons_by_name;
  for (NameIndex& local : partial)
    for (auto& [name, keys] : local) {
      auto& all = persons_by_name[name];
      all.insert(all.end(), keys.begin(), keys.end());
    }
  for (auto& [name, keys] : persons_by_name) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  std::vector<std::pair<PersonKey, std::string>> repair_names;  // (prefix, a normalised name it bears)
  for (auto& part : repair_partial)
    for (auto& pair : part) repair_names.push_back(std::move(pair));
  std::sort(repair_names.begin(), repair_names.end());
  const auto person_has_name = [&](PersonKey key, const std::string& name) {
    return std::binary_search(repair_names.begin(), repair_names.end(), std::make_pair(key, name));
  };

  for (const Candidate& candidate : candidates) {
    const Segment& segment = *segments[candidate.segment];
    const PendingInfo& info = segment.pending_info()[candidate.pending];
    const RecordHead& head = head_of(segment.pending(candidate.pending));
    const std::vector<PersonKey>* named = nullptr;
    if (!candidate.birth_name.empty()) {
      auto found = persons_by_name.find(candidate.birth_name);
      if (found != persons_by_name.end()) named = &found->second;
    }
    // checksum_repair: the 17-digit prefix is a known person bearing this name.
    if (info.reject == IdReject::kBadChecksum && person_has_name(info.repair_key, candidate.name)) {
      out.linked.push_back({info.repair_key, head.origin, candidate.segment, candidate.pending,
                            LinkMethod::kChecksumRepair});
      continue;
    }
    // name_birth: name + birth (+ sex where present) match exactly one known person.
    if (head.birth != kNoDay && named) {
      PersonKey match = kNoPerson;
      int matches = 0;
      for (PersonKey key : *named) {
        if (id_birth(key) != head.birth) continue;
        if (head.sex != Sex::kNone && id_is_male(key) != (head.sex == Sex::kMale)) continue;
        match = key;
        ++matches;
      }
      if (matches == 1) {
        out.linked.push_back({match, head.origin, candidate.segment, candidate.pending, LinkMethod::kNameBirth});
        continue;
      }
      if (matches > 1 && !info.newborn_without_id) {
        out.unlinked.push_back({candidate.segment, candidate.pending, true});
        continue;
      }
    }
    // SPEC §9: a birth without an ID that links to nobody (or to several) is a newborn without ID.
    (info.newborn_without_id ? out.newborns : out.unlinked).push_back({candidate.segment, candidate.pending, false});
  }
  // SPEC §7: a replaced record that awaited fallback linking is linked in its own feed, then removed.
  for (LinkedRef& ref : out.linked)
    ref.removed = std::binary_search(removed_pending.begin(), removed_pending.end(), std::make_pair(ref.segment, ref.pending));
  std::sort(out.linked.begin(), out.linked.end(), [](const LinkedRef& a, const LinkedRef& b) {
    return a.key != b.key ? a.key < b.key : a.origin < b.origin;
  });
  const auto by_position = [](const UnlinkedRef& a, const UnlinkedRef& b) {
    return a.segment != b.segment ? a.segment < b.segment : a.pending < b.pending;
  };
  std::sort(out.unlinked.begin(), out.unlinked.end(), by_position);
  std::sort(out.newborns.begin(), out.newborns.end(), by_position);
}

}  // namespace canbao
