#include "canbao/match/linker.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "canbao/core/text.h"
#include "canbao/index/index_dir.h"

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

// "YYYYMMDD|name": the (birth date, normalised name) pair name_birth matches on.
void birth_key(int yyyymmdd, std::string_view name, std::string& out) {
  out.resize(9);
  for (int idx = 7; idx >= 0; --idx, yyyymmdd /= 10) out[idx] = static_cast<char>('0' + yyyymmdd % 10);
  out[8] = '|';
  out.append(name);
}

// The pending records among screened ones, as (segment, pending index), sorted.
template <typename Ref>
std::vector<std::pair<uint32_t, uint32_t>> pending_of(const std::vector<Ref>& refs) {
  std::vector<std::pair<uint32_t, uint32_t>> pending;
  for (const Ref& ref : refs)
    if (ref.pending) pending.emplace_back(ref.segment, ref.index);
  std::sort(pending.begin(), pending.end());
  return pending;
}

// The directly accepted records among screened ones, sorted.
template <typename Ref>
std::vector<ExcludedRef> direct_of(const std::vector<Ref>& refs) {
  std::vector<ExcludedRef> direct;
  for (const Ref& ref : refs)
    if (!ref.pending) direct.push_back({ref.key, ref.segment, ref.index});
  std::sort(direct.begin(), direct.end());
  return direct;
}

// `sorted` with `more` merged in (both sorted by `less`).
template <typename T, typename Less>
void merge_into(std::vector<T>& sorted, const std::vector<T>& more, Less less) {
  const auto middle = static_cast<std::ptrdiff_t>(sorted.size());
  sorted.insert(sorted.end(), more.begin(), more.end());
  std::inplace_merge(sorted.begin(), sorted.begin() + middle, sorted.end(), less);
}

// What the earlier link found for a pending record of an earlier feed. Feeds only ever add persons
// (and names they bear), so its matches now are those plus the ones in the new feeds: only the new
// feeds are scanned for it.
struct EarlierOutcome {
  bool known = false;           // else it is linked as a new record (every feed scanned)
  bool repaired = false;        // checksum_repair then; it stands
  bool ambiguous = false;       // name_birth matched several persons then; they still match
  PersonKey match = kNoPerson;  // name_birth matched exactly this person then
};
using Position = std::pair<uint32_t, uint32_t>;  // (segment, pending index)

// The earlier outcomes, sorted by position. A newborn without ID is not among them: it linked to
// nobody or to several, which the earlier result does not tell apart.
std::vector<std::pair<Position, EarlierOutcome>> earlier_outcomes(const LinkResult& before) {
  std::vector<std::pair<Position, EarlierOutcome>> outcomes;
  for (const LinkedRef& ref : before.linked) {
    const bool repaired = ref.method == LinkMethod::kChecksumRepair;
    outcomes.push_back({{ref.segment, ref.pending}, EarlierOutcome{true, repaired, false, repaired ? kNoPerson : ref.key}});
  }
  for (const UnlinkedRef& ref : before.unlinked)
    outcomes.push_back({{ref.segment, ref.pending}, EarlierOutcome{true, false, ref.ambiguous, kNoPerson}});
  std::sort(outcomes.begin(), outcomes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return outcomes;
}

// Issue #17: the (prefix, name) pairs and the ((birth, name) -> persons) matches every rank found
// in its key range's records, merged on every rank (sorted and unique below, as in one process).
using NameIndex = std::unordered_map<std::string, std::vector<PersonKey>, StringHash, std::equal_to<>>;
Status share_matches(Ranks& ranks, std::vector<std::pair<PersonKey, std::string>>& repair_names, NameIndex& persons_by_name) {
  std::string mine;
  {
    Packer pack(mine);
    pack.value(static_cast<uint64_t>(repair_names.size()));
    for (const auto& [key, name] : repair_names) {
      pack.value(key);
      pack.bytes(name);
    }
    pack.value(static_cast<uint64_t>(persons_by_name.size()));
    for (const auto& [name, keys] : persons_by_name) {
      pack.bytes(name);
      pack.vec(keys);
    }
  }
  std::vector<std::string> all;
  CANBAO_RETURN_IF_ERROR(ranks.all_gather("fallback linking", mine, all));
  repair_names.clear();
  persons_by_name.clear();
  for (const std::string& bytes : all) {
    Unpacker in(bytes);
    uint64_t count = 0;
    bool ok = in.value(count);
    for (uint64_t idx = 0; ok && idx < count; ++idx) {
      PersonKey key = 0;
      std::string_view name;
      ok = in.value(key) && in.bytes(name);
      if (ok) repair_names.emplace_back(key, std::string(name));
    }
    ok = ok && in.value(count);
    std::vector<PersonKey> keys;
    for (uint64_t idx = 0; ok && idx < count; ++idx) {
      std::string_view name;
      ok = in.bytes(name) && in.vec(keys);
      if (ok) {
        auto& slot = persons_by_name[std::string(name)];
        slot.insert(slot.end(), keys.begin(), keys.end());
      }
    }
    if (!ok || !in.ok()) return Status::Error("fallback linking: a rank sent matches that do not parse");
  }
  return Status::OK();
}

// Screens record_ids, then links. With `before` (the result for segments[0, first_new)), the
// screen reads the new feeds' record_ids against the earlier ones only, and a pending record of an
// earlier feed is looked for in the new feeds only, its earlier outcome standing for the rest.
Status link(const std::vector<const Segment*>& segments, uint32_t first_new, const LinkResult* before, Day as_of,
            Ranks* ranks, LinkResult& out) {
  out = LinkResult{};
  const bool across = ranks != nullptr && !ranks->solo();
  if (before == nullptr) {
    RecordIdScreen screen;
    if (across) {
      CANBAO_RETURN_IF_ERROR(screen_record_ids_ranks(segments, *ranks, screen));
    } else {
      screen = screen_record_ids(segments);
    }
    out.duplicate_ids = std::move(screen.duplicates);
    out.removed = std::move(screen.removed);
    out.excluded = direct_of(out.duplicate_ids);
    out.removed_direct = direct_of(out.removed);
  } else {
    const RecordIdScreen added = screen_new_record_ids(segments, first_new, before->duplicate_ids, before->removed);
    // The new duplicates all lie in the new feeds, after every earlier one.
    out.duplicate_ids = before->duplicate_ids;
    out.duplicate_ids.insert(out.duplicate_ids.end(), added.duplicates.begin(), added.duplicates.end());
    out.removed = before->removed;
    merge_into(out.removed, added.removed, removed_order);
    out.excluded = before->excluded;
    merge_into(out.excluded, direct_of(added.duplicates), std::less<>{});
    out.removed_direct = before->removed_direct;
    merge_into(out.removed_direct, direct_of(added.removed), std::less<>{});
  }
  const std::vector<Position> removed_pending = pending_of(out.removed);
  const std::vector<Position> pending_duplicates = pending_of(out.duplicate_ids);
  const std::vector<std::pair<Position, EarlierOutcome>> outcomes =
      before != nullptr ? earlier_outcomes(*before) : std::vector<std::pair<Position, EarlierOutcome>>{};
  // The pending records that could link: fields fine, and something to link by.
  struct Candidate {
    uint32_t segment, pending;
    std::string name;         // normalised
    std::string birth_name;   // birth_key(birth, name) when the record carries a birth date
    EarlierOutcome earlier;   // known: looked for in the new feeds only
  };
  std::vector<Candidate> candidates;
  // The (birth, name) hashes of the wanted pairs (index/format.h name_birth_hash), looked up in
  // each segment's (birth, name) table: `hashes` all of them (the new feeds are searched for every
  // pair), `hashes_everywhere` those looked for in every feed. Sorted and unique below.
  std::vector<uint32_t> hashes, hashes_everywhere;
  // name_birth matches on (birth date, name): index persons by that pair, never by name alone
  // (a common name is borne by many thousands of persons in a city). The value: looked for in
  // every feed (else in the new feeds only).
  std::unordered_map<std::string, bool, StringHash, std::equal_to<>> wanted;
  // SPEC §2: pending records whose ID has become valid by as_of (index/format.h pending_valid_on)
  // are accepted directly; their persons are known to fallback linking as any direct record's are
  // (duplicate_record_id and replaced ones included), and are looked for by every candidate, since
  // they may have become valid after `before` was linked.
  struct NowValid {
    uint32_t segment, pending;
    PersonKey key;
  };
  std::vector<NowValid> now_valid;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    for (uint32_t idx = 0; idx < segment.pending_count(); ++idx) {
      const bool duplicate =
          std::binary_search(pending_duplicates.begin(), pending_duplicates.end(), Position(seg_idx, idx));
      const PendingInfo& info = segment.pending_info()[idx];
      const RecordHead& head = head_of(segment.pending(idx));
      if (const Day valid_on = pending_valid_on(info); valid_on != kNoDay) {
        if (valid_on <= as_of) {
          out.valid_from = std::max(out.valid_from, valid_on);
          now_valid.push_back({seg_idx, idx, info.repair_key});
          if (!duplicate)
            out.linked.push_back({info.repair_key, Origin{segment.feed_index(), head.line}, seg_idx, idx, LinkMethod::kDirect});
          continue;
        }
        out.valid_before = std::min(out.valid_before, valid_on);
      }
      if (duplicate) continue;  // quarantined as duplicate_record_id
      if (head.op == RecordOp::kDelete) continue;  // SPEC §7 enrollment delete row: no record to link
      const std::string name = normalize_name(segment.str(head.name));
      if (!info.fields_ok || name.empty()) {
        (info.newborn_without_id ? out.newborns : out.unlinked).push_back({seg_idx, idx, false});
        continue;
      }
      Candidate candidate{seg_idx, idx, name, {}, {}};
      if (seg_idx < first_new) {
        const auto found = std::lower_bound(outcomes.begin(), outcomes.end(), Position(seg_idx, idx),
                                            [](const auto& entry, const Position& at) { return entry.first < at; });
        if (found != outcomes.end() && found->first == Position(seg_idx, idx)) candidate.earlier = found->second;
      }
      if (info.birth != kNoDay) {
        const Ymd ymd = ymd_from_day(info.birth);
        const int yyyymmdd = ymd.year * 10000 + ymd.month * 100 + ymd.day;
        birth_key(yyyymmdd, name, candidate.birth_name);
        const uint32_t hash = name_birth_hash(yyyymmdd, name_hash(name));
        hashes.push_back(hash);
        bool& everywhere = wanted.emplace(candidate.birth_name, false).first->second;
        if (!candidate.earlier.known) {
          everywhere = true;
          hashes_everywhere.push_back(hash);
        }
      }
      candidates.push_back(std::move(candidate));
    }
  }

  // checksum_repair asks whether the 17-digit prefix of a bad_checksum ID is a known person bearing
  // the record's name: the prefixes wanted, and (below) the names they bear. `repair_everywhere`:
  // the prefixes looked for in every feed, `repair_wanted` all of them.
  std::vector<PersonKey> repair_wanted, repair_everywhere;
  for (const Candidate& candidate : candidates) {
    const PendingInfo& info = segments[candidate.segment]->pending_info()[candidate.pending];
    if (info.reject != IdReject::kBadChecksum || candidate.earlier.repaired) continue;
    repair_wanted.push_back(info.repair_key);
    if (!candidate.earlier.known) repair_everywhere.push_back(info.repair_key);
  }
  for (std::vector<PersonKey>* keys : {&repair_wanted, &repair_everywhere}) {
    std::sort(keys->begin(), keys->end());
    keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
  }
  for (std::vector<uint32_t>* list : {&hashes, &hashes_everywhere}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  // ((birth date, normalised name) -> persons bearing them) and (repair prefix, normalised name)
  // pairs. Each segment's records are found by searches (its (birth, name) table, its records in
  // key order), never by a pass over them: a daily delivery at 25M has ~10^5 wanted pairs against
  // 10^8 records in the earlier feeds (docs/PERFORMANCE.md, the incremental link stage).
  tbb::enumerable_thread_specific<NameIndex> partial;
  std::vector<std::pair<PersonKey, std::string>> repair_names;  // (prefix, a normalised name it bears)
  std::vector<uint32_t> hits;
  std::string scratch;
  std::string_view name;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    const bool is_new = seg_idx >= first_new;
    const std::vector<PersonKey>& repair_keys = is_new ? repair_wanted : repair_everywhere;
    hits.clear();
    segment.records_by_keys(repair_keys, hits);
    for (const uint32_t idx : hits) {
      const RecordHead& head = head_of(segment.record(idx));
      if (head.name.len == 0 || head.op == RecordOp::kDelete) continue;
      normalised(segment.str(head.name), scratch, name);
      if (!name.empty()) repair_names.emplace_back(head.key, std::string(name));
    }
    hits.clear();
    segment.records_by_name_birth(is_new ? hashes : hashes_everywhere, hits);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, hits.size(), 1 << 12), [&](const tbb::blocked_range<size_t>& range) {
      NameIndex& local = partial.local();
      std::string scratch_text, key_text;
      std::string_view text;
      for (size_t at = range.begin(); at != range.end(); ++at) {
        const RecordHead& head = head_of(segment.record(hits[at]));
        if (head.name.len == 0 || head.op == RecordOp::kDelete) continue;
        normalised(segment.str(head.name), scratch_text, text);
        if (text.empty()) continue;
        birth_key(id_yyyymmdd(head.key), text, key_text);
        const auto want = wanted.find(key_text);  // else a hash collision
        if (want == wanted.end() || !(is_new || want->second)) continue;
        auto slot = local.find(key_text);
        if (slot == local.end()) slot = local.emplace(key_text, std::vector<PersonKey>{}).first;
        slot->second.push_back(head.key);
      }
    });
  }
  NameIndex persons_by_name;
  for (NameIndex& local : partial)
    for (auto& [name, keys] : local) {
      auto& all = persons_by_name[name];
      all.insert(all.end(), keys.begin(), keys.end());
    }
  // Issue #17: each rank looked in its own key range's records; every rank gets all the matches.
  if (across) CANBAO_RETURN_IF_ERROR(share_matches(*ranks, repair_names, persons_by_name));
  std::string key_text;
  for (const NowValid& record : now_valid) {
    const Segment& segment = *segments[record.segment];
    normalised(segment.str(head_of(segment.pending(record.pending)).name), scratch, name);
    if (name.empty()) continue;
    if (std::binary_search(repair_wanted.begin(), repair_wanted.end(), record.key))
      repair_names.emplace_back(record.key, std::string(name));
    birth_key(id_yyyymmdd(record.key), name, key_text);
    if (wanted.find(key_text) != wanted.end()) persons_by_name[key_text].push_back(record.key);
  }
  for (auto& [name, keys] : persons_by_name) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  std::sort(repair_names.begin(), repair_names.end());
  const auto person_has_name = [&](PersonKey key, const std::string& name) {
    return std::binary_search(repair_names.begin(), repair_names.end(), std::make_pair(key, name));
  };

  for (const Candidate& candidate : candidates) {
    const Segment& segment = *segments[candidate.segment];
    const PendingInfo& info = segment.pending_info()[candidate.pending];
    const RecordHead& head = head_of(segment.pending(candidate.pending));
    // checksum_repair: the 17-digit prefix is a known person bearing this name.
    if (info.reject == IdReject::kBadChecksum &&
        (candidate.earlier.repaired || person_has_name(info.repair_key, candidate.name))) {
      out.linked.push_back({info.repair_key, Origin{segment.feed_index(), head.line}, candidate.segment,
                            candidate.pending, LinkMethod::kChecksumRepair});
      continue;
    }
    // name_birth: name + birth (+ sex where present) match exactly one known person.
    if (info.birth != kNoDay) {
      std::vector<PersonKey> matches;
      if (candidate.earlier.match != kNoPerson) matches.push_back(candidate.earlier.match);
      if (auto found = persons_by_name.find(candidate.birth_name); found != persons_by_name.end())
        for (PersonKey key : found->second) {
          if (id_birth(key) != info.birth) continue;
          if (info.sex != Sex::kNone && id_is_male(key) != (info.sex == Sex::kMale)) continue;
          if (key != candidate.earlier.match) matches.push_back(key);
        }
      const size_t count = candidate.earlier.ambiguous ? std::max<size_t>(matches.size(), 2) : matches.size();
      if (count == 1) {
        out.linked.push_back({matches.front(), Origin{segment.feed_index(), head.line}, candidate.segment,
                              candidate.pending, LinkMethod::kNameBirth});
        continue;
      }
      if (count > 1 && !info.newborn_without_id) {
        out.unlinked.push_back({candidate.segment, candidate.pending, true});
        continue;
      }
    }
    // SPEC §9: a birth without an ID that links to nobody (or to several) is a newborn without ID.
    (info.newborn_without_id ? out.newborns : out.unlinked).push_back({candidate.segment, candidate.pending, false});
  }
  // SPEC §7: a replaced record that awaited fallback linking is linked in its own feed, then removed.
  for (LinkedRef& ref : out.linked)
    ref.removed = std::binary_search(removed_pending.begin(), removed_pending.end(), Position(ref.segment, ref.pending));
  std::sort(out.linked.begin(), out.linked.end(), [](const LinkedRef& a, const LinkedRef& b) {
    return a.key != b.key ? a.key < b.key : a.origin < b.origin;
  });
  const auto by_position = [](const UnlinkedRef& a, const UnlinkedRef& b) {
    return a.segment != b.segment ? a.segment < b.segment : a.pending < b.pending;
  };
  std::sort(out.unlinked.begin(), out.unlinked.end(), by_position);
  std::sort(out.newborns.begin(), out.newborns.end(), by_position);
  return Status::OK();
}

}  // namespace

void link_fallback(const std::vector<const Segment*>& segments, Day as_of, LinkResult& out) {
  (void)link(segments, 0, nullptr, as_of, nullptr, out);  // no error without ranks
}

Status link_fallback_ranks(const std::vector<const Segment*>& segments, Day as_of, Ranks& ranks, LinkResult& out) {
  return link(segments, 0, nullptr, as_of, &ranks, out);
}

void link_new_feeds(const std::vector<const Segment*>& segments, uint32_t first_new, const LinkResult& before,
                    Day as_of, LinkResult& out) {
  (void)link(segments, first_new, &before, as_of, nullptr, out);
}

void keep_own_links(const std::vector<PersonKey>& boundaries, int rank, LinkResult& links) {
  const auto foreign = [&](PersonKey key) { return key_owner(boundaries, key) != rank; };
  std::erase_if(links.linked, [&](const LinkedRef& ref) { return foreign(ref.key); });
  std::erase_if(links.excluded, [&](const ExcludedRef& ref) { return foreign(ref.key); });
  std::erase_if(links.removed_direct, [&](const ExcludedRef& ref) { return foreign(ref.key); });
  std::erase_if(links.duplicate_ids, [&](const DuplicateRecordRef& ref) { return !ref.pending && foreign(ref.key); });
  std::erase_if(links.removed, [&](const RemovedRef& ref) { return !ref.pending && foreign(ref.key); });
}

}  // namespace canbao
