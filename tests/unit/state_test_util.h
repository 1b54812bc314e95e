// Generated runs for the state tests (tests/unit/state_store_test.cpp) and their child process
// (tests/state_child.cpp): the same (as_of, persons, seed) give the same run in both.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/state/state_store.h"

namespace canbao::testing {

inline constexpr Region kStateTestDistricts[] = {350203, 350205, 350206, 350211, 350212, 350213};

/// Sorted, distinct person keys of a city: mostly its districts' codes, some from other provinces,
/// birth dates 1925–2025, sequence numbers 000–999.
inline std::vector<PersonKey> make_person_keys(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed * 7919 + 17);
  const uint64_t others[] = {110105, 440106, 510104};
  std::vector<PersonKey> keys;
  keys.reserve(count + count / 8);
  while (keys.size() < count) {
    const size_t missing = count - keys.size();
    for (size_t idx = 0; idx < missing; ++idx) {
      const uint64_t region = rng() % 10 == 0 ? others[rng() % 3]
                                              : static_cast<uint64_t>(kStateTestDistricts[rng() % std::size(kStateTestDistricts)]);
      const uint64_t year = 1925 + rng() % 101, month = 1 + rng() % 12, day = 1 + rng() % 28;
      keys.push_back(region * 100'000'000'000ULL + (year * 10000 + month * 100 + day) * 1000 + rng() % 1000);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  return keys;
}

/// A run at `as_of` with `persons` persons, one case per ~40 of them, three feeds, a plan table
/// with awkward cells (commas, quotes, a line break, CJK) and every date form.
inline StateRun make_state_run(Day as_of, size_t persons, uint64_t seed) {
  std::mt19937_64 rng(seed);
  StateRun run;
  run.as_of = as_of;
  run.manifest_path = "deliveries/" + format_date(as_of) + "/manifest.json";
  const char* agencies[] = {"enrollment", "tax", "enrollment"};
  const char* paths[] = {"enrollment.ndjson", "tax, 2026.csv", "enrollment-update.ndjson"};
  for (int idx = 0; idx < 3; ++idx) {
    StateFeed feed;
    feed.path = paths[idx];
    feed.agency = agencies[idx];
    feed.mode = idx == 2 ? "update" : "append";
    feed.fingerprint = rng() | (idx == 0 ? uint64_t{1} << 63 : 0);  // the top bit too
    feed.read = rng() % (uint64_t{1} << 40);
    feed.accepted = feed.read / 2;
    feed.linked = feed.read / 8;
    feed.quarantined = feed.read - feed.accepted - feed.linked;
    feed.replaced = idx == 2 ? rng() % 1000 : 0;
    feed.deleted = idx == 2 ? rng() % 100 : 0;
    run.feeds.push_back(feed);
  }
  const char* names[] = {"思明区", "海沧区", "湖里区", "集美区", "同安区", "翔安区"};
  uint64_t target_total = 0, insured_total = 0;
  for (size_t idx = 0; idx < std::size(kStateTestDistricts); ++idx) {
    const uint64_t target = 100000 + rng() % 900000, insured = target - rng() % 50000;
    target_total += target;
    insured_total += insured;
    run.plan_rows.push_back({std::to_string(kStateTestDistricts[idx]), names[idx], std::to_string(target),
                             std::to_string(insured), std::to_string(insured * 1000 / target / 10.0).substr(0, 4) + "%",
                             "note: \"plan\", as set"});
  }
  run.plan_rows.push_back({"unassigned", "", "0", std::to_string(rng() % 100), "", "line one\nline two"});
  run.plan_rows.push_back({"total", "", std::to_string(target_total), std::to_string(insured_total), "", ""});

  const std::vector<PersonKey> keys = make_person_keys(persons, seed);
  run.persons.reserve(keys.size());
  for (const PersonKey key : keys) {
    PersonState person;
    person.key = key;
    const uint64_t draw = rng() % 100;
    person.state = draw < 10 ? kR1NotInTarget : draw < 90 ? kR1Insured : draw < 97 ? kR1Lapsed : kR1Never;
    const Region own = static_cast<Region>(key / 100'000'000'000ULL);
    person.home_district = rng() % 8 == 0 || std::find(std::begin(kStateTestDistricts), std::end(kStateTestDistricts), own) ==
                                                 std::end(kStateTestDistricts)
                               ? kStateTestDistricts[rng() % std::size(kStateTestDistricts)]
                               : own;
    if (person.state == kR1NotInTarget && rng() % 2 == 0) person.home_district = kNoRegion;
    run.persons.push_back(person);
  }

  const char* types[] = {"same_region", "cross_region", "employee_and_resident"};
  const char* people[] = {"陈晓明", "林, 小华", "王\"大\"伟", "黄丽"};
  for (size_t idx = 0; idx < keys.size(); idx += 60 + rng() % 80) {  // ~1.5 cases per 100 persons
    const int per_person = 1 + static_cast<int>(rng() % 2);
    for (int type = 0; type < per_person; ++type) {
      StateCase row;
      row.id = format_citizen_id(keys[idx]);
      row.name = people[rng() % std::size(people)];
      row.type = types[(idx + static_cast<size_t>(type)) % std::size(types)];
      row.status = std::string(kCaseStatuses[rng() % std::size(kCaseStatuses)]);
      row.opened_on = rng() % 3 == 0 ? as_of : as_of - static_cast<Day>(1 + rng() % 90);
      row.rule = rng() % 2 ? "R5" : "R3b";
      if (row.status == "exempt") {
        row.resolution = "exempt_military";
      } else {
        row.deadline = row.opened_on + 30;
        row.resolution = row.status == "overdue" ? "needs_confirmation" : "terminate_later";
      }
      if (row.status == "escalated") row.escalated_on = as_of - static_cast<Day>(rng() % 5);
      if (row.status == "resolved") row.resolved_on = as_of;
      run.cases.push_back(std::move(row));
    }
  }
  run.counts_json = "{\"persons\": " + std::to_string(keys.size()) + ", \"cases\": " + std::to_string(run.cases.size()) +
                    ", \"note\": \"人数\"}";
  return run;
}

}  // namespace canbao::testing
