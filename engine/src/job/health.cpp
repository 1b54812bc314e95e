// SPEC §9 across persons: mothers' home districts and newborns.csv (job/health.h).
#include "canbao/job/health.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "canbao/core/text.h"
#include "canbao/match/matcher.h"

namespace canbao {

namespace {

const HealthPacked& health_at(const char* packed) { return *reinterpret_cast<const HealthPacked*>(packed); }

bool is_birth(const HealthPacked& record) { return record.kind == HealthKind::kBirth; }

// Calls f(segment, packed record, person key, feed) for every health record of a person: accepted
// by its own valid ID (delete rows included) or linked by fallback.
template <typename F>
void for_each_person_health(const std::vector<const Segment*>& segments, const LinkResult& links, F&& f) {
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    if (segment.agency() != Agency::kHealth) continue;
    for (size_t idx = 0; idx < segment.record_count(); ++idx) {
      const HealthPacked& record = health_at(segment.record(idx));
      f(segment, record, record.head.key, seg_idx);
    }
  }
  for (const LinkedRef& ref : links.linked) {
    const Segment& segment = *segments[ref.segment];
    if (segment.agency() != Agency::kHealth) continue;
    f(segment, health_at(segment.pending(ref.pending)), ref.key, ref.segment);
  }
}

// The birth records that stand for a person (SPEC §7: not dropped by a later update feed).
template <typename F>
void for_each_person_birth(const std::vector<const Segment*>& segments, const LinkResult& links,
                           const HealthStanding& standing, F&& f) {
  for_each_person_health(segments, links,
                         [&](const Segment& segment, const HealthPacked& record, PersonKey key, uint32_t feed) {
                           if (is_birth(record) && standing.stands(key, feed)) f(segment, record, key);
                         });
}

PersonKey valid_id(std::string_view text, Day as_of) {
  if (text.empty()) return kNoPerson;
  const IdResult id = parse_citizen_id(text, as_of);
  return id.ok() ? id.key : kNoPerson;
}

// Issue #17: a list of strings every rank found, for every rank (the texts kept in `held`).
Status share_texts(Ranks* ranks, std::string_view step, std::vector<std::string_view>& texts, std::deque<std::string>& held) {
  if (ranks == nullptr || ranks->solo()) return Status::OK();
  std::string mine;
  Packer pack(mine);
  for (std::string_view text : texts) pack.bytes(text);
  std::vector<std::string> all;
  CANBAO_RETURN_IF_ERROR(ranks->all_gather(step, mine, all));
  texts.clear();
  for (std::string& bytes : all) {
    const std::string& kept = held.emplace_back(std::move(bytes));
    Unpacker in(kept);
    std::string_view text;
    while (!in.done())
      if (in.bytes(text)) texts.push_back(text);
      else return Status::Error(std::string(step) + ": a rank sent texts that do not parse");
  }
  return Status::OK();
}

}  // namespace

Status standing_health(const std::vector<const Segment*>& segments, const LinkResult& links, Ranks* ranks,
                       HealthStanding& out) {
  out = HealthStanding{};
  out.replaced.assign(segments.size(), 0);
  // birth_cert → the health update feeds whose birth records carry it (ascending).
  std::unordered_map<std::string_view, std::vector<uint32_t>> carried;
  const auto carry = [&](const Segment& segment, const HealthPacked& record, uint32_t feed) {
    if (!segment.is_update() || !is_birth(record)) return;
    auto& feeds = carried[segment.str(record.birth_cert)];
    if (feeds.empty() || feeds.back() != feed) feeds.push_back(feed);
  };
  for_each_person_health(segments, links,
                         [&](const Segment& segment, const HealthPacked& record, PersonKey key, uint32_t feed) {
                           if (!segment.is_update()) return;
                           auto [slot, fresh] = out.last_update.emplace(key, feed);
                           if (!fresh) slot->second = std::max(slot->second, feed);
                           carry(segment, record, feed);
                         });
  // Issue #17: persons' birth records are on their key's rank; every rank needs every cert.
  std::deque<std::string> held;
  if (ranks != nullptr && !ranks->solo()) {
    std::string mine;
    Packer pack(mine);
    for (const auto& [cert, feeds] : carried)
      for (const uint32_t feed : feeds) {
        pack.value(feed);
        pack.bytes(cert);
      }
    std::vector<std::string> all;
    CANBAO_RETURN_IF_ERROR(ranks->all_gather("health standing", mine, all));
    carried.clear();
    for (std::string& bytes : all) {
      Unpacker in(held.emplace_back(std::move(bytes)));
      uint32_t feed = 0;
      std::string_view cert;
      while (!in.done()) {
        if (!in(feed) || !in(cert)) return Status::Error("health standing: a rank sent certs that do not parse");
        carried[cert].push_back(feed);
      }
    }
  }
  for (const UnlinkedRef& ref : links.newborns)
    carry(*segments[ref.segment], health_at(segments[ref.segment]->pending(ref.pending)), ref.segment);
  for (auto& [cert, feeds] : carried) {
    std::sort(feeds.begin(), feeds.end());
    feeds.erase(std::unique(feeds.begin(), feeds.end()), feeds.end());
  }
  for (const UnlinkedRef& ref : links.newborns) {
    const Segment& segment = *segments[ref.segment];
    const auto found = carried.find(segment.str(health_at(segment.pending(ref.pending)).birth_cert));
    if (found != carried.end()) {
      const auto later = std::upper_bound(found->second.begin(), found->second.end(), ref.segment);
      if (later != found->second.end()) {  // replaced by the first later update feed carrying it
        ++out.replaced[*later];
        continue;
      }
    }
    out.newborns.push_back(ref);
  }
  return Status::OK();
}

HealthStanding standing_health(const std::vector<const Segment*>& segments, const LinkResult& links) {
  HealthStanding out;
  (void)standing_health(segments, links, nullptr, out);  // no error in one process
  return out;
}

MotherDistricts collect_mother_districts(const std::vector<const Segment*>& segments, const LinkResult& links,
                                         const HealthStanding& standing, const RunSettings& settings) {
  MotherDistricts out;
  (void)collect_mother_districts(segments, links, standing, settings, nullptr, out);
  return out;
}

Status collect_mother_districts(const std::vector<const Segment*>& segments, const LinkResult& links,
                                const HealthStanding& standing, const RunSettings& settings, Ranks* ranks,
                                MotherDistricts& out) {
  const bool across = ranks != nullptr && !ranks->solo();
  const Day d = settings.as_of;
  std::vector<PersonKey> mothers;
  const auto consider = [&](const Segment& segment, const HealthPacked& record) {
    const PersonKey mother = valid_id(segment.str(record.mother_id), d);
    if (mother != kNoPerson) mothers.push_back(mother);
  };
  for_each_person_birth(segments, links, standing, [&](const Segment& segment, const HealthPacked& record, PersonKey child) {
    if (under_one_year(child, d)) consider(segment, record);
  });
  for (const UnlinkedRef& ref : standing.newborns)
    consider(*segments[ref.segment], health_at(segments[ref.segment]->pending(ref.pending)));
  if (across) {  // issue #17: every rank's mothers, each looked up where her records are
    const std::vector<PersonKey> mine = std::move(mothers);
    CANBAO_RETURN_IF_ERROR(ranks->gather_vectors("mothers", mine, mothers));
  }
  std::sort(mothers.begin(), mothers.end());
  mothers.erase(std::unique(mothers.begin(), mothers.end()), mothers.end());

  // Each mother's own records, gathered by key: a block of mothers (sorted) walks every segment
  // once (match/matcher.h gather_persons).
  std::vector<Region> districts(mothers.size(), kNoRegion);
  std::vector<char> known(mothers.size(), 0);
  tbb::enumerable_thread_specific<PersonView> views;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, mothers.size(), 256), [&](const tbb::blocked_range<size_t>& range) {
    const std::span<const PersonKey> block(mothers.data() + range.begin(), range.size());
    gather_persons(segments, links, block, views.local(), [&](size_t at, PersonView& view) {
      if (view.empty()) return;
      known[range.begin() + at] = 1;
      districts[range.begin() + at] = home_district_of(view, settings);
    });
  });
  struct Found {
    PersonKey mother;
    Region district;
  };
  std::vector<Found> found;
  for (size_t idx = 0; idx < mothers.size(); ++idx)
    if (known[idx]) found.push_back({mothers[idx], districts[idx]});
  if (across) {  // each mother is known on the one rank holding her records
    const std::vector<Found> mine = std::move(found);
    CANBAO_RETURN_IF_ERROR(ranks->gather_vectors("mothers", mine, found));
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.mother < b.mother; });
  }
  out = MotherDistricts{};
  for (const Found& entry : found) out.add(entry.mother, entry.district);
  out.finish();
  return Status::OK();
}

std::vector<NewbornRow> newborn_rows(const std::vector<const Segment*>& segments, const LinkResult& links,
                                     const HealthStanding& standing, const RunSettings& settings,
                                     const MotherDistricts& mothers) {
  std::vector<NewbornRow> rows;
  (void)newborn_rows(segments, links, standing, settings, mothers, nullptr, rows);
  return rows;
}

Status newborn_rows(const std::vector<const Segment*>& segments, const LinkResult& links,
                    const HealthStanding& standing, const RunSettings& settings, const MotherDistricts& mothers,
                    Ranks* ranks, std::vector<NewbornRow>& rows) {
  const Day d = settings.as_of;
  // The latest newborn-without-ID record of each birth_cert: newborns are in (feed, line) order.
  std::unordered_map<std::string_view, const UnlinkedRef*> latest;
  for (const UnlinkedRef& ref : standing.newborns) {
    const Segment& segment = *segments[ref.segment];
    latest[segment.str(health_at(segment.pending(ref.pending)).birth_cert)] = &ref;
  }
  // birth_certs carried by standing birth records of persons.
  std::unordered_set<std::string_view> of_persons;
  if (!latest.empty()) {
    for_each_person_birth(segments, links, standing, [&](const Segment& segment, const HealthPacked& record, PersonKey) {
      const std::string_view cert = segment.str(record.birth_cert);
      if (latest.contains(cert)) of_persons.insert(cert);
    });
  }
  // Issue #17: every rank decides it (the same lists); a person's birth record is on one rank.
  std::deque<std::string> held;
  if (ranks != nullptr && !ranks->solo()) {
    std::vector<std::string_view> texts(of_persons.begin(), of_persons.end());
    CANBAO_RETURN_IF_ERROR(share_texts(ranks, "newborns", texts, held));
    of_persons.insert(texts.begin(), texts.end());
  }
  rows.clear();
  for (const auto& [cert, ref] : latest) {
    const Segment& segment = *segments[ref->segment];
    const HealthPacked& record = health_at(segment.pending(ref->pending));
    const PendingInfo& info = segment.pending_info()[ref->pending];
    if (info.birth == kNoDay || info.birth > d || info.birth < d - 364) continue;
    if (of_persons.contains(cert)) continue;
    NewbornRow& row = rows.emplace_back();
    row.birth_cert = cert;
    row.name = trim_space(segment.str(record.head.name));
    row.sex = info.sex;
    row.birth = info.birth;
    row.mother_id = segment.str(record.mother_id);
    row.hospital = record.region;
    const PersonKey mother = valid_id(row.mother_id, d);
    if (mother != kNoPerson) row.home_district = mothers.find(mother);
  }
  std::sort(rows.begin(), rows.end(), [](const NewbornRow& a, const NewbornRow& b) { return a.birth_cert < b.birth_cert; });
  return Status::OK();
}

}  // namespace canbao
