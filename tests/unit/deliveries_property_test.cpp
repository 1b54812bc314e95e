// SPEC §7 "The same feeds give the same outputs whether they are run in one manifest or applied to an
// earlier run's index (and state) one delivery at a time" (issue #13), as a property over random
// small cities: 3–8 persons with valid IDs (province 35), 2–5 deliveries whose as_of moves forward,
// delivery 1 with append feeds of enrollment, tax, hr and public_security (health when the city has
// newborns), later deliveries mixing append and update feeds (upserts, delete rows, 删除), records
// that link by fallback (checksum_repair, name_birth; twins make them ambiguous), and bad rows.
// For each city, at --threads 1 and 2:
//   A: `canbao run` of delivery 1's whole manifest, then `canbao apply` of delivery k = 2..n;
//   B: `canbao run` of the whole manifest of deliveries 1..k for k = 1..n;
//   C: one `canbao run` of the whole manifest of all n deliveries with a fresh state.
// After each k every output CSV of A equals B's and so does summary.json's "feeds" array (less its
// timings); after the last, A's §6 files equal C's (actions.csv but for the ledger deadline of
// terminate/suspend rows, which SPEC §7 keeps from the run that opened the case: C has no earlier
// run), and A at 1 thread equals A at 2 threads.
//
// Deterministic in CI: a fixed seed and 20 cases (fewer under the sanitizers); RC_PARAMS (e.g.
// RC_PARAMS="seed=7 max_success=200") overrides both. A failing city is shrunk (for at most
// CANBAO_PROP_SHRINK_SECONDS, default 300) and left in a kept directory whose path is printed with
// its files.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace canbao {
namespace {

namespace fs = std::filesystem;
using testing::cli;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

// ---------------------------------------------------------------------------------------------------
// Dates and IDs

int64_t days_from_civil(int y, int m, int d) {  // days since 1970-01-01
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Ymd {
  int y = 1970, m = 1, d = 1;
};

Ymd civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  Ymd out;
  out.d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  out.m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  out.y = static_cast<int>(yoe + era * 400 + (out.m <= 2));
  return out;
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }
std::string date_text(int64_t day) {
  const Ymd ymd = civil_from_days(day);
  return std::to_string(ymd.y) + "-" + two(ymd.m) + "-" + two(ymd.d);
}
std::string compact_date(int64_t day) {
  const Ymd ymd = civil_from_days(day);
  return std::to_string(ymd.y) + two(ymd.m) + two(ymd.d);
}
std::string month_text(int months) {  // months since year 0
  return std::to_string(months / 12) + "-" + two(months % 12 + 1);
}

// GB 11643-1999 check character of the first 17 digits.
char check_char(const std::string& first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int idx = 0; idx < 17; ++idx) sum += (first17[idx] - '0') * kWeights[idx];
  return "10X98765432"[sum % 11];
}

// A wrong check character for the same 17 digits (bad_checksum).
char wrong_check_char(const std::string& first17) {
  const char right = check_char(first17);
  return right == '0' ? '1' : '0';
}

// ---------------------------------------------------------------------------------------------------
// The generated city

const char* const kCity = "350200";
const char* const kDistricts[] = {"350203", "350205", "350206", "350211"};
const char* const kElsewhere = "110105";
const char* const kNames[] = {"陈伟", "林芳", "王磊", "张敏", "黄杰", "李娜"};
const int64_t kFirstAsOf = days_from_civil(2026, 11, 2);

struct Person {
  std::string id;  // valid
  std::string name;
  bool male = true;
  int64_t birth = 0;
  std::string district;
  bool newborn = false;  // born in 2026: gets health birth records
  std::string birth_cert;
  // The delivery from which agencies know the person by ID: 1, or later for a newborn whose births
  // come without ID until then (SPEC §9 newborns.csv); past the last delivery, never.
  int registered_from = 1;
};

struct Feed {
  std::string agency;
  std::string mode;  // "append" or "update"
  std::string path;  // as written in every manifest (relative to the city folder)
  std::vector<std::string> rows;
};

struct Delivery {
  int64_t as_of = 0;
  std::optional<std::string> settings;  // the JSON object, when this delivery carries one
  std::vector<Feed> feeds;
};

struct City {
  std::vector<Person> persons;
  std::vector<Delivery> deliveries;
};

// Cheap deterministic details of one row from one generated number (fewer picks shrink faster).
struct Details {
  uint64_t state;
  explicit Details(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  template <typename T, size_t N>
  const T& pick(const T (&items)[N]) { return items[below(static_cast<int>(N))]; }
};

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A JSON object built key by key (absent values are left out).
class Obj {
 public:
  Obj& str(const std::string& key, const std::string& value) {
    add(key, quoted(value));
    return *this;
  }
  Obj& raw(const std::string& key, const std::string& value) {
    add(key, value);
    return *this;
  }
  std::string text() const { return "{" + body_ + "}"; }

 private:
  void add(const std::string& key, const std::string& value) {
    if (!body_.empty()) body_ += ", ";
    body_ += quoted(key) + ": " + value;
  }
  std::string body_;
};

// A number in [min, max), uniformly: rapidcheck scales inRange with the test's size, which would
// make the first cases all minimal; shrinking still goes towards min.
template <typename T>
T pick_in(T min, T max) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(min, max));
}

// How a record names its person.
enum class IdForm { kValid, kBadChecksum, kNameBirth, kMissing, kMangled };
// What a row of a feed is.
enum class RowKind { kRecord, kBad, kDelete, kRepeat };

// For rapidcheck's counterexample listing (found by ADL).
void showValue(IdForm form, std::ostream& os) {
  static const char* const kLabels[] = {"valid", "bad_checksum", "name_birth", "missing", "excel_mangled"};
  os << "id form " << kLabels[static_cast<int>(form)];
}
void showValue(RowKind kind, std::ostream& os) {
  static const char* const kLabels[] = {"record", "bad row", "delete row", "repeated record_id"};
  os << "row " << kLabels[static_cast<int>(kind)];
}

IdForm gen_id_form() {
  return *rc::gen::weightedElement<IdForm>(
      {{14, IdForm::kValid}, {2, IdForm::kBadChecksum}, {2, IdForm::kNameBirth}, {1, IdForm::kMissing}, {1, IdForm::kMangled}});
}

// id (and, for fallback, name/birth/sex) of a record of `person` in form `form`.
void add_identity(Obj& obj, const Person& person, IdForm form, Details& details, bool always_birth_sex) {
  const std::string first17 = person.id.substr(0, 17);
  switch (form) {
    case IdForm::kValid:
      obj.str("id", person.id);
      break;
    case IdForm::kBadChecksum:
      obj.str("id", first17 + wrong_check_char(first17));
      break;
    case IdForm::kNameBirth:
      if (details.chance(50)) obj.raw("id", "null");
      break;
    case IdForm::kMissing:
      obj.str("id", "");
      break;
    case IdForm::kMangled:
      obj.str("id", "3.50203E+17");
      break;
  }
  // The name as the agency wrote it: mostly the person's (with stray spaces now and then).
  std::string name = person.name;
  if (details.chance(10)) name = "  " + name + " ";
  obj.str("name", name);
  if (form == IdForm::kNameBirth || always_birth_sex) {
    obj.str("birth", details.chance(50) ? date_text(person.birth) : compact_date(person.birth));
    obj.str("sex", person.male ? (details.chance(50) ? "男" : "M") : (details.chance(50) ? "女" : "F"));
  }
}

std::string local_region(const Person& person, Details& details) {
  return details.chance(75) ? person.district : details.pick(kDistricts);
}

struct Generator {
  City city;
  std::vector<std::string> record_ids;  // every enrollment record_id used so far
  int next_record_id = 1;

  std::string fresh_record_id() {
    std::string id = "R" + std::to_string(1000 + next_record_id++);
    record_ids.push_back(id);
    return id;
  }

  int current = 1;  // the delivery being generated

  const Person& gen_subject(const std::string& agency) {
    if (agency == "health") {
      std::vector<size_t> newborns;
      for (size_t idx = 0; idx < city.persons.size(); ++idx)
        if (city.persons[idx].newborn) newborns.push_back(idx);
      if (!newborns.empty() && pick_in(0, 10) < 8) return city.persons[*rc::gen::elementOf(newborns)];
    }
    // Other agencies know a newborn only once registered.
    std::vector<size_t> known;
    for (size_t idx = 0; idx < city.persons.size(); ++idx)
      if (city.persons[idx].registered_from <= current) known.push_back(idx);
    return city.persons[known[pick_in<size_t>(0, known.size())]];
  }

  // A bad row of the agency (quarantined): a required field missing or unparsable, or a bad `op`.
  std::string bad_row(const std::string& agency, const std::string& mode, const Person& person, Details& details) {
    Obj obj;
    const int kind = details.below(3);
    if (kind == 0) obj.str("op", mode == "update" ? "modify" : (details.chance(50) ? "delete" : "删除"));
    if (agency == "enrollment") obj.str("record_id", fresh_record_id());
    obj.str("id", person.id).str("name", person.name);
    if (agency == "enrollment") {
      obj.str("scheme", "resident").str("region", person.district).str("status", "active");
      obj.str("start", kind == 1 ? "2026-02-30" : "2026-01-01");
      if (kind == 2) obj.str("category", "pensioner");
    } else if (agency == "tax") {
      obj.str("scheme", "resident").str("region", person.district);
      obj.str("from", kind == 1 ? "2026-13" : "2026-01").str("to", "2026-12");
      if (kind != 2) obj.str("paid_on", "2025-12-01");
    } else if (agency == "hr") {
      obj.str("type", kind == 1 ? "contract" : "employment").str("unit", "U1");
      if (kind != 2) obj.str("region", person.district);
    } else if (agency == "public_security") {
      obj.str("hukou_region", person.district);
      if (kind == 1) obj.str("status", "missing");
      if (kind == 2) obj.str("death_date", "2026-02-30");
    } else {  // health
      if (kind != 1) obj.str("kind", kind == 2 ? "出生" : "birth");
      if (kind == 2) obj.str("birth", "2026-05-01");  // no birth_cert
    }
    return obj.text();
  }

  std::string enrollment_row(const Person& person, IdForm form, Details& details, const std::string& record_id) {
    Obj obj;
    obj.str("record_id", record_id);
    add_identity(obj, person, form, details, false);
    const bool employee = !person.newborn && details.chance(55);
    obj.str("scheme", employee ? (details.chance(80) ? "employee" : "职工") : (details.chance(80) ? "resident" : "居民"));
    obj.str("region", details.chance(15) ? kElsewhere : local_region(person, details));
    const int status = details.below(10);
    obj.str("status", status < 7 ? "active" : status < 8 ? "suspended" : (details.chance(50) ? "terminated" : "终止"));
    int64_t start = days_from_civil(2018, 1, 1) + details.below(365 * 9 - 60);
    if (!employee && details.chance(15)) start = days_from_civil(2027, 1, 1);  // R3b: next plan year
    if (!employee && details.chance(30)) start = days_from_civil(2026, 1, 1);
    start = std::max(start, person.birth);
    obj.str("start", details.chance(80) ? date_text(start) : compact_date(start));
    if (status >= 8 || details.chance(20)) obj.str("end", date_text(start + 30 + details.below(900)));
    if (employee) {
      static const char* const kCategories[] = {"in_service", "in_service", "flexible", "retired"};
      obj.str("category", details.pick(kCategories));
      static const char* const kUnits[] = {"U1", "U2", "U3"};
      obj.str("unit", details.pick(kUnits));
    } else {
      static const char* const kCategories[] = {"adult", "student", "child"};
      obj.str("category", details.pick(kCategories));
      if (details.chance(15)) obj.str("funded", "dibao");
    }
    return obj.text();
  }

  std::string tax_row(const Person& person, IdForm form, Details& details) {
    Obj obj;
    add_identity(obj, person, form, details, false);
    obj.str("scheme", details.chance(55) ? "employee" : "resident");
    obj.str("region", local_region(person, details));
    const int from = 2024 * 12 + details.below(36);
    const int to = details.chance(50) ? 2027 * 12 + 11 : from + details.below(24);
    obj.str("from", month_text(from)).str("to", month_text(to));
    obj.str("paid_on", date_text(days_from_civil(from / 12, from % 12 + 1, 1) + details.below(40)));
    if (details.chance(15)) obj.raw("back_pay", details.chance(50) ? "true" : "\"是\"");
    obj.str("amount", std::to_string(100 + details.below(900)));
    return obj.text();
  }

  std::string hr_row(const Person& person, IdForm form, Details& details) {
    Obj obj;
    add_identity(obj, person, form, details, false);
    static const char* const kUnits[] = {"U1", "U2", "U3"};
    if (details.chance(75)) {
      obj.str("type", "employment").str("unit", details.pick(kUnits));
      obj.str("region", details.chance(10) ? kElsewhere : local_region(person, details));
      const int64_t start = days_from_civil(2019, 1, 1) + details.below(365 * 7);
      obj.str("start", date_text(start));
      if (details.chance(30)) obj.str("end", date_text(start + details.below(900)));
    } else {
      obj.str("type", "pension").str("region", details.chance(40) ? kElsewhere : person.district);
      obj.str("start", date_text(days_from_civil(2015, 1, 1) + details.below(365 * 11)));
      static const char* const kStatus[] = {"receiving", "receiving", "suspended", "terminated"};
      obj.str("pension_status", details.pick(kStatus));
    }
    return obj.text();
  }

  std::string public_security_row(const Person& person, IdForm form, Details& details) {
    Obj obj;
    add_identity(obj, person, form, details, true);
    obj.str("hukou_region", details.chance(80) ? person.district : kElsewhere);
    if (details.chance(60)) obj.str("residence_region", local_region(person, details));
    if (details.chance(20)) {
      obj.str("permit_region", details.pick(kDistricts));
      obj.str("permit_expiry", date_text(kFirstAsOf - 30 + details.below(120)));
    }
    if (details.chance(6)) {
      obj.str("status", details.chance(50) ? "dead" : "cancelled");
    } else if (details.chance(5)) {
      obj.str("death_date", date_text(kFirstAsOf - 10 + details.below(100)));
    }
    obj.str("address", "厦门市路" + std::to_string(1 + details.below(99)) + "号");
    return obj.text();
  }

  std::string health_row(const Person& person, IdForm form, Details& details) {
    Obj obj;
    if (person.newborn && (current < person.registered_from || details.chance(85))) {
      obj.str("kind", details.chance(70) ? "birth" : "出生");
      // A newborn's birth record comes without an ID at first (SPEC §9), with it later.
      if (current < person.registered_from || form == IdForm::kNameBirth || details.chance(40)) {
        obj.raw("id", "null");
      } else {
        obj.str("id", form == IdForm::kBadChecksum ? person.id.substr(0, 17) + wrong_check_char(person.id.substr(0, 17))
                                                   : person.id);
      }
      obj.str("birth_cert", person.birth_cert).str("name", person.name);
      obj.str("sex", person.male ? "男" : "女").str("birth", date_text(person.birth));
      const Person& mother = city.persons[static_cast<size_t>(details.below(static_cast<int>(city.persons.size())))];
      if (!mother.newborn && details.chance(80)) obj.str("mother_id", mother.id);
      obj.str("region", details.pick(kDistricts));
    } else {
      obj.str("kind", "death");
      add_identity(obj, person, form, details, false);
      obj.str("death_date", date_text(kFirstAsOf - 20 + details.below(120)));
    }
    return obj.text();
  }

  std::string record_row(const std::string& agency, const Person& person, IdForm form, Details& details,
                         const std::string& record_id) {
    if (agency == "enrollment") return enrollment_row(person, form, details, record_id);
    if (agency == "tax") return tax_row(person, form, details);
    if (agency == "hr") return hr_row(person, form, details);
    if (agency == "public_security") return public_security_row(person, form, details);
    return health_row(person, form, details);
  }

  // A delete row of an update feed.
  std::string delete_row(const std::string& agency, Details& details) {
    Obj obj;
    if (agency == "enrollment") {
      const int kind = pick_in(0, 10);
      if (kind < 8 && !record_ids.empty()) {
        obj.str("record_id", *rc::gen::elementOf(record_ids));
      } else if (kind < 9) {
        obj.str("record_id", "R9" + std::to_string(details.below(1000)));  // deletes nothing
      }  // else no record_id: bad_field:record_id
      if (details.chance(30)) obj.str("id", city.persons[0].id);
    } else {
      const Person& person = gen_subject(agency);
      const int kind = pick_in(0, 10);
      const std::string first17 = person.id.substr(0, 17);
      obj.str("id", kind < 8 ? person.id : kind < 9 ? first17 + wrong_check_char(first17) : std::string());
    }
    obj.str("op", details.chance(50) ? "delete" : "删除");
    return obj.text();
  }

  Feed gen_feed(const std::string& agency, const std::string& mode, int feed_index) {
    Feed feed;
    feed.agency = agency;
    feed.mode = mode;
    feed.path = "d" + std::to_string(current) + "/" + agency + "-" + std::to_string(feed_index) +
                (agency == "tax" ? ".jsonl" : ".ndjson");
    const int rows = pick_in(1, 9);
    for (int row = 0; row < rows; ++row) {
      using enum RowKind;
      const RowKind kind = mode == "update"
                               ? *rc::gen::weightedElement<RowKind>({{12, kRecord}, {1, kBad}, {4, kDelete}, {1, kRepeat}})
                               : *rc::gen::weightedElement<RowKind>({{16, kRecord}, {1, kBad}, {1, kRepeat}});
      Details details(pick_in<uint64_t>(0, 1u << 20));
      if (kind == kDelete) {
        feed.rows.push_back(delete_row(agency, details));
        continue;
      }
      const Person& person = gen_subject(agency);
      if (kind == kBad) {
        feed.rows.push_back(bad_row(agency, mode, person, details));
        continue;
      }
      std::string record_id;
      if (agency == "enrollment") {
        // Update feeds replace (or add) by record_id; an append feed that repeats one, or an update feed
        // that repeats one of its own, gets duplicate_record_id.
        if (kind == kRepeat && !record_ids.empty()) {
          record_id = *rc::gen::elementOf(record_ids);
        } else if (mode == "update" && !record_ids.empty() && pick_in(0, 10) < 6) {
          record_id = *rc::gen::elementOf(record_ids);
        } else {
          record_id = fresh_record_id();
        }
      }
      feed.rows.push_back(record_row(agency, person, gen_id_form(), details, record_id));
    }
    return feed;
  }

  std::string gen_settings() {
    static const char* const kNotice[] = {"30", "10", "45", "0"};
    static const char* const kRate[] = {"0.95", "0.9", "0.99"};
    return "{\"target_rate\": " + std::string(*rc::gen::elementOf(std::vector<const char*>(std::begin(kRate), std::end(kRate)))) +
           ", \"resident_subsidy_yuan\": " + std::to_string(*rc::gen::element(700, 350)) +
           ", \"notice_days\": " + *rc::gen::elementOf(std::vector<const char*>(std::begin(kNotice), std::end(kNotice))) +
           "}";
  }

  void gen_persons() {
    const int count = pick_in(3, 9);
    std::set<std::string> ids;
    for (int idx = 0; idx < count; ++idx) {
      Person person;
      // A twin: the same name, birth and sex as an earlier person (name_birth becomes ambiguous).
      const bool twin = idx > 0 && pick_in(0, 6) == 0;
      if (twin) {
        const Person& other = city.persons[pick_in<size_t>(0, city.persons.size())];
        person.name = other.name;
        person.birth = other.birth;
        person.male = other.male;
        person.newborn = other.newborn;
      } else {
        person.name = kNames[pick_in(0, 6)];
        person.male = pick_in(0, 2) == 0;
        person.newborn = pick_in(0, 5) == 0;
        // A newborn may be born after the first as_of: its ID is bad_birthdate until a later as_of
        // reaches the birth date (SPEC §2), so a reused segment must be read again then.
        person.birth = person.newborn ? days_from_civil(2026, 1, 1) + pick_in(0, 420)
                                      : days_from_civil(1950, 1, 1) + pick_in(0, 365 * 55);
      }
      person.district = kDistricts[pick_in(0, 4)];
      for (int seq = pick_in(0, 50);; ++seq) {
        const std::string first17 = person.district + compact_date(person.birth) + two(seq % 100) +
                                    std::to_string((seq % 5) * 2 + (person.male ? 1 : 0));
        person.id = first17 + check_char(first17);
        if (ids.insert(person.id).second) break;
      }
      person.birth_cert = "Q35" + std::to_string(100 + idx);
      if (person.newborn && idx > 0 && pick_in(0, 2) == 0) person.registered_from = pick_in(2, 7);
      city.persons.push_back(person);
    }
  }

  void gen_deliveries() {
    const int count = pick_in(2, 6);
    int64_t as_of = kFirstAsOf;
    bool any_newborn = false;
    for (const Person& person : city.persons) any_newborn = any_newborn || person.newborn;
    for (int k = 1; k <= count; ++k) {
      current = k;
      Delivery delivery;
      if (k > 1) as_of += pick_in(1, 41);
      delivery.as_of = as_of;
      if (k == 1 || pick_in(0, 4) == 0) delivery.settings = gen_settings();
      if (k == 1) {
        int feed_index = 1;
        for (const char* agency : {"enrollment", "tax", "hr", "public_security"})
          delivery.feeds.push_back(gen_feed(agency, "append", feed_index++));
        if (any_newborn && pick_in(0, 4) != 0) delivery.feeds.push_back(gen_feed("health", "append", feed_index++));
        if (pick_in(0, 3) == 0) delivery.feeds.push_back(gen_feed("enrollment", "append", feed_index++));
      } else {
        const int feeds = pick_in(1, 5);
        for (int idx = 1; idx <= feeds; ++idx) {
          const std::string agency =
              *rc::gen::elementOf(std::vector<std::string>{"enrollment", "public_security", "hr", "tax", "health", "enrollment"});
          const std::string mode = *rc::gen::elementOf(std::vector<std::string>{"update", "append"});
          delivery.feeds.push_back(gen_feed(agency, mode, idx));
        }
      }
      city.deliveries.push_back(std::move(delivery));
    }
  }
};

City gen_city() {
  Generator generator;
  generator.gen_persons();
  generator.gen_deliveries();
  return std::move(generator.city);
}

// ---------------------------------------------------------------------------------------------------
// Writing the city

std::string feed_json(const Feed& feed) {
  std::string json = "    {\"agency\": " + quoted(feed.agency) + ", \"path\": " + quoted(feed.path);
  if (feed.mode == "update") json += ", \"mode\": \"update\"";
  return json + "}";
}

std::string manifest_json(const std::string& as_of, const std::optional<std::string>& settings,
                          const std::vector<const Feed*>& feeds) {
  std::string json = "{\n  \"city\": " + quoted(kCity) + ",\n  \"as_of\": " + quoted(as_of) + ",\n";
  if (settings) json += "  \"settings\": " + *settings + ",\n";
  json += "  \"feeds\": [\n";
  for (size_t idx = 0; idx < feeds.size(); ++idx) json += feed_json(*feeds[idx]) + (idx + 1 < feeds.size() ? ",\n" : "\n");
  return json + "  ]\n}\n";
}

// Writes the feeds, manifest-K.json (deliveries 1..K, settings of the last delivery up to K that has
// some) and delivery-K.json (delivery K's feeds only) into `dir`.
void write_city(const City& city, const std::string& dir) {
  std::vector<const Feed*> so_far;
  std::optional<std::string> settings;
  for (size_t k = 1; k <= city.deliveries.size(); ++k) {
    const Delivery& delivery = city.deliveries[k - 1];
    std::vector<const Feed*> own;
    for (const Feed& feed : delivery.feeds) {
      std::string text;
      for (const std::string& row : feed.rows) text += row + "\n";
      write_file(dir + "/" + feed.path, text);
      own.push_back(&feed);
      so_far.push_back(&feed);
    }
    if (delivery.settings) settings = delivery.settings;
    const std::string as_of = date_text(delivery.as_of);
    write_file(dir + "/manifest-" + std::to_string(k) + ".json", manifest_json(as_of, settings, so_far));
    write_file(dir + "/delivery-" + std::to_string(k) + ".json", manifest_json(as_of, delivery.settings, own));
  }
}

// The city's files, for the failure message.
std::string describe_city(const City& city, const std::string& dir) {
  std::ostringstream out;
  out << "city in " << dir << " (" << city.persons.size() << " persons, " << city.deliveries.size() << " deliveries)\n";
  for (const Person& person : city.persons)
    out << "  person " << person.id << " " << person.name << " " << (person.male ? "M" : "F") << " "
        << date_text(person.birth) << (person.newborn ? " newborn " + person.birth_cert : "") << "\n";
  for (size_t k = 1; k <= city.deliveries.size(); ++k) {
    out << "--- delivery-" << k << ".json\n" << read_file(dir + "/delivery-" + std::to_string(k) + ".json");
    for (const Feed& feed : city.deliveries[k - 1].feeds) {
      out << "--- " << feed.path << " (" << feed.agency << ", " << feed.mode << ")\n";
      for (const std::string& row : feed.rows) out << row << "\n";
    }
  }
  return out.str();
}

// ---------------------------------------------------------------------------------------------------
// Running and comparing

std::map<std::string, std::string> output_csvs(const std::string& out) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out, ec))
    if (entry.path().extension() == ".csv") files[entry.path().filename().string()] = read_file(entry.path().string());
  return files;
}

// summary.json's "feeds" array without the timings.
std::string summary_feeds(const std::string& out) {
  const std::string json = read_file(out + "/summary.json");
  const size_t begin = json.find("\"feeds\": [");
  const size_t end = json.find("\n  ]", begin);
  if (begin == std::string::npos || end == std::string::npos) return "(no feeds array in " + out + "/summary.json)";
  static const std::regex kSeconds(R"(, "[a-z_]+_seconds": [-+0-9.eE]+)");
  return std::regex_replace(json.substr(begin, end - begin), kSeconds, "");
}

// SPEC §7: per feed, read = accepted + linked + quarantined.
std::string check_feed_counts(const std::string& feeds) {
  static const std::regex kFeed(
      R"re("path": "([^"]*)".*?"read": (\d+), "accepted": (\d+), "linked": (\d+), "quarantined": (\d+))re");
  std::string problems;
  for (auto it = std::sregex_iterator(feeds.begin(), feeds.end(), kFeed); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (std::stoll(m[2]) != std::stoll(m[3]) + std::stoll(m[4]) + std::stoll(m[5]))
      problems += "feed " + m[1].str() + ": read " + m[2].str() + " != accepted " + m[3].str() + " + linked " +
                  m[4].str() + " + quarantined " + m[5].str() + "\n";
  }
  return problems;
}

// actions.csv with the deadline of terminate/suspend rows blanked: SPEC §7 keeps the ledger deadline
// of the run that opened the case, which a run with a fresh state cannot know.
std::string actions_without_ledger_deadlines(const std::string& csv) {
  std::istringstream in(csv);
  std::string out, line;
  std::vector<std::string> header;
  int action_col = -1, deadline_col = -1;
  for (bool first = true; std::getline(in, line); first = false) {
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    for (std::string cell; std::getline(cells_in, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    if (first) {
      for (size_t idx = 0; idx < cells.size(); ++idx) {
        if (cells[idx] == "action") action_col = static_cast<int>(idx);
        if (cells[idx] == "deadline") deadline_col = static_cast<int>(idx);
      }
    } else if (action_col >= 0 && deadline_col >= 0 && static_cast<size_t>(std::max(action_col, deadline_col)) < cells.size() &&
               (cells[action_col] == "terminate" || cells[action_col] == "suspend")) {
      cells[deadline_col] = "(ledger)";
    }
    for (size_t idx = 0; idx < cells.size(); ++idx) out += (idx ? "," : "") + cells[idx];
    out += "\n";
  }
  return out;
}

std::string diff_text(const std::string& a_path, const std::string& b_path) {
  return run_command("diff " + a_path + " " + b_path + " | head -40").output;
}

// Every output CSV of `a` equals `b`'s (all of them, or the named ones).
std::string compare_outputs(const std::string& a, const std::string& b, const std::vector<std::string>& only = {}) {
  const auto files_a = output_csvs(a), files_b = output_csvs(b);
  std::string problems;
  std::set<std::string> names;
  if (only.empty()) {
    for (const auto& [name, text] : files_a) names.insert(name);
    for (const auto& [name, text] : files_b) names.insert(name);
  } else {
    names.insert(only.begin(), only.end());
  }
  for (const std::string& name : names) {
    const auto in_a = files_a.find(name), in_b = files_b.find(name);
    if (in_a == files_a.end() || in_b == files_b.end()) {
      problems += name + ": missing in " + (in_a == files_a.end() ? a : b) + "\n";
      continue;
    }
    if (in_a->second == in_b->second) continue;
    if (name == "actions.csv" && !only.empty() &&
        actions_without_ledger_deadlines(in_a->second) == actions_without_ledger_deadlines(in_b->second))
      continue;
    problems += name + " differs (" + a + " vs " + b + "):\n" + diff_text(a + "/" + name, b + "/" + name);
  }
  return problems;
}

const std::vector<std::string> kSection6Files = {"registry.csv", "outreach.csv",  "duplicates.csv", "actions.csv",
                                                 "benefits.csv", "plan.csv",      "quarantine.csv", "newborns.csv"};

// A failing city's directory is kept (the last one is the shrunk counterexample); earlier ones go.
std::string g_kept_dir;
std::optional<std::chrono::steady_clock::time_point> g_first_failure;

double shrink_budget_seconds() {
  const char* text = std::getenv("CANBAO_PROP_SHRINK_SECONDS");
  return text ? std::atof(text) : 300.0;
}

void deliveries_property() {
  // Shrinking runs the property again and again; past the budget, candidates pass untested and the
  // smallest failure found so far is the one reported.
  if (g_first_failure &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - *g_first_failure).count() > shrink_budget_seconds())
    return;
  const City city = gen_city();
  std::string pattern = (fs::temp_directory_path() / "canbao-deliveries-XXXXXX").string();
  RC_ASSERT(::mkdtemp(pattern.data()) != nullptr);
  const std::string dir = pattern;
  const std::string city_dir = dir + "/city";
  write_city(city, city_dir);
  const size_t n = city.deliveries.size();

  std::string failure;
  auto run = [&](const std::string& command) {
    if (!failure.empty()) return;
    const auto result = run_command(cli() + " " + command);
    if (result.exit_code != 0) failure = "`canbao " + command + "` exited " + std::to_string(result.exit_code) + ":\n" + result.output;
  };
  auto manifest = [&](const char* kind, size_t k) { return city_dir + "/" + kind + "-" + std::to_string(k) + ".json"; };
  for (const char* threads : {"1", "2"}) {
    const std::string t = std::string(" --threads ") + threads;
    const std::string a = dir + "/A" + threads, b = dir + "/B" + threads, c = dir + "/C" + threads;
    for (size_t k = 1; k <= n && failure.empty(); ++k) {
      if (k == 1) {
        run("run " + manifest("manifest", 1) + " --out " + a + " --state " + a + ".state.db" + t);
      } else {
        run("apply " + manifest("delivery", k) + " --out " + a + " --state " + a + ".state.db" + t);
      }
      run("run " + manifest("manifest", k) + " --out " + b + " --state " + b + ".state.db" + t);
      if (!failure.empty()) break;
      const std::string at = "after delivery " + std::to_string(k) + " at --threads " + threads + ": ";
      if (std::string problems = compare_outputs(a, b); !problems.empty()) failure = at + "A (apply) != B (run)\n" + problems;
      const std::string feeds_a = summary_feeds(a), feeds_b = summary_feeds(b);
      if (failure.empty() && feeds_a != feeds_b)
        failure = at + "summary.json feeds differ\nA: " + feeds_a + "\nB: " + feeds_b + "\n";
      if (failure.empty()) {
        if (std::string problems = check_feed_counts(feeds_a); !problems.empty()) failure = at + problems;
      }
    }
    run("run " + manifest("manifest", n) + " --out " + c + " --state " + c + ".state.db" + t);
    if (failure.empty()) {
      if (std::string problems = compare_outputs(a, c, kSection6Files); !problems.empty())
        failure = "at --threads " + std::string(threads) + ": A (apply chain) != C (one run, fresh state)\n" + problems;
    }
  }
  if (failure.empty()) {
    if (std::string problems = compare_outputs(dir + "/A1", dir + "/A2"); !problems.empty())
      failure = "A at --threads 1 != A at --threads 2\n" + problems;
  }
  if (failure.empty()) {
    std::error_code ec;
    if (!std::getenv("CANBAO_KEEP_TEST_DIRS")) fs::remove_all(dir, ec);
    return;
  }
  if (!g_first_failure) g_first_failure = std::chrono::steady_clock::now();
  if (!g_kept_dir.empty()) {
    std::error_code ec;
    fs::remove_all(g_kept_dir, ec);
  }
  g_kept_dir = dir;
  RC_LOG() << describe_city(city, city_dir) << "\n";
  RC_FAIL(failure + "\nkept: " + dir + " (city/ holds manifest-K.json, delivery-K.json and the feeds; A1 A2 B1 B2 C1 C2 the outputs)");
}

rc::detail::TestParams property_params() {
  if (std::getenv("RC_PARAMS")) return rc::detail::configuration().testParams;
  rc::detail::TestParams params;
  params.seed = 20261102;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  params.maxSuccess = 6;  // every CLI run is several times slower under the sanitizers
#else
  params.maxSuccess = 20;  // ~25 s alone, well under a minute beside the rest of ctest -j2
#endif
  return params;
}

TEST(DeliveriesProperty, ApplyOneDeliveryAtATimeEqualsRunningEveryFeed) {
  const rc::detail::TestParams params = property_params();
  rc::detail::TestMetadata metadata;
  metadata.id = "DeliveriesProperty/ApplyOneDeliveryAtATimeEqualsRunningEveryFeed";
  metadata.description = "apply chain == run chain == one run";
  std::cout << "property: seed=" << params.seed << " max_success=" << params.maxSuccess
            << " (RC_PARAMS overrides)" << std::endl;
  const auto result = rc::detail::checkTestable(&deliveries_property, metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    FAIL() << message.str() << "\nseed " << params.seed << "; counterexample kept in " << g_kept_dir;
  }
}

// ---------------------------------------------------------------------------------------------------
// apply, deterministically

// A small city: two feeds in run 1, one delivery with one feed.
void write_small_city(const std::string& dir, const std::string& delivery_city) {
  const std::string first17 = "35020319800101123";
  const std::string id = first17 + check_char(first17);
  write_file(dir + "/enrollment.ndjson",
             "{\"record_id\": \"R1\", \"id\": \"" + id +
                 "\", \"scheme\": \"resident\", \"region\": \"350203\", \"status\": \"active\", \"start\": \"2026-01-01\"}\n");
  write_file(dir + "/public_security.ndjson",
             "{\"id\": \"" + id + "\", \"name\": \"陈伟\", \"hukou_region\": \"350203\"}\n");
  write_file(dir + "/d2/tax.ndjson", "{\"id\": \"" + id +
                                         "\", \"scheme\": \"resident\", \"region\": \"350203\", \"from\": \"2026-01\", "
                                         "\"to\": \"2026-12\", \"paid_on\": \"2025-12-01\"}\n");
  write_file(dir + "/manifest.json",
             "{\"city\": \"350200\", \"as_of\": \"2026-11-02\", \"feeds\": ["
             "{\"agency\": \"enrollment\", \"path\": \"enrollment.ndjson\"}, "
             "{\"agency\": \"public_security\", \"path\": \"public_security.ndjson\"}]}\n");
  write_file(dir + "/delivery.json", "{\"city\": \"" + delivery_city +
                                         "\", \"as_of\": \"2026-11-12\", \"feeds\": ["
                                         "{\"agency\": \"tax\", \"path\": \"d2/tax.ndjson\"}]}\n");
}

// `canbao apply TMP/delivery.json --out TMP/out`, which must be refused: exit 1 and one line on
// stderr, returned.
std::string refused_apply(const TempDir& tmp) {
  const auto result = run_command("{ " + cli() + " apply " + tmp / "delivery.json" + " --out " + tmp / "out" +
                                  " --threads 1 2>" + tmp / "stderr" + "; }");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  const std::string stderr_text = read_file(tmp / "stderr");
  const auto lines = testing::non_empty_lines(stderr_text);
  EXPECT_EQ(lines.size(), 1u) << stderr_text;
  return lines.empty() ? std::string() : lines[0];
}

TEST(DeliveriesApply, WithoutAnIndexIsOneClearLineAndExit1) {
  TempDir tmp;
  write_small_city(tmp.path(), "350200");
  const std::string line = refused_apply(tmp);
  EXPECT_NE(line.find("no index"), std::string::npos) << line;
  EXPECT_FALSE(fs::exists(tmp / "out"));
  EXPECT_FALSE(fs::exists(tmp / "out.index"));
}

TEST(DeliveriesApply, DeliveryOfAnotherCityIsOneClearLine) {
  TempDir tmp;
  write_small_city(tmp.path(), "350100");
  ASSERT_EQ(run_command(cli() + " run " + tmp / "manifest.json" + " --out " + tmp / "out" + " --threads 1").exit_code, 0);
  const std::string registry = read_file(tmp / "out/registry.csv");
  const std::string index = read_file(tmp / "out.index/index.json");
  const std::string line = refused_apply(tmp);
  EXPECT_NE(line.find("city 350100"), std::string::npos) << line;
  EXPECT_NE(line.find("350200"), std::string::npos) << line;
  EXPECT_EQ(read_file(tmp / "out/registry.csv"), registry);
  EXPECT_EQ(read_file(tmp / "out.index/index.json"), index);
}

TEST(DeliveriesApply, ReadsOnlyTheNewFeed) {
  TempDir tmp;
  write_small_city(tmp.path(), "350200");
  ASSERT_EQ(run_command(cli() + " run " + tmp / "manifest.json" + " --out " + tmp / "out" + " --threads 1").exit_code, 0);
  const auto result = run_command(cli() + " apply " + tmp / "delivery.json" + " --out " + tmp / "out" + " --threads 1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string feeds = summary_feeds(tmp / "out");
  static const std::regex kFeed(R"re("path": "([^"]*)".*?"index_reused": (true|false))re");
  std::vector<std::pair<std::string, std::string>> reused;
  for (auto it = std::sregex_iterator(feeds.begin(), feeds.end(), kFeed); it != std::sregex_iterator(); ++it)
    reused.emplace_back((*it)[1].str(), (*it)[2].str());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"enrollment.ndjson", "true"}, {"public_security.ndjson", "true"}, {"d2/tax.ndjson", "false"}};
  EXPECT_EQ(reused, expected) << feeds;
  const std::string summary = read_file(tmp / "out/summary.json");
  EXPECT_NE(summary.find("\"as_of\": \"2026-11-12\""), std::string::npos) << summary;
}

}  // namespace
}  // namespace canbao
