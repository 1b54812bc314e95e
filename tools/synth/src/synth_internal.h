// Internals of the synthetic city (`canbao synth`): the counter-based RNG, the injective mapping
// from person index to citizen ID, the person model the archetypes fill, the reference oracle that
// applies SPEC §4–§5 to one person, and the feed writers. Not installed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/records/records.h"
#include "canbao/synth/synth.h"

namespace canbao::synth {

// ---------------------------------------------------------------------------------------------
// Counter-based randomness: every person's stream is a pure function of (seed, person index,
// stream), so any block of persons can be generated independently and in any order.

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t index, uint64_t stream = 0)
      : state_(mix64(seed * 0x9E3779B97F4A7C15ULL + mix64(index * 0xD1B54A32D192ED03ULL + stream + 1))) {}
  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }
  /// Uniform in [0, n) (n > 0).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * uint64_t{n}) >> 32); }
  /// Uniform in [lo, hi] (inclusive; lo <= hi).
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1))); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  template <typename T, size_t N> const T& pick(const std::array<T, N>& items) { return items[below(N)]; }

 private:
  uint64_t state_;
};

// ---------------------------------------------------------------------------------------------
// Person index → citizen ID. A keyed pseudo-random permutation of [0, N) spreads persons over
// birth days by stratified quantiles of a realistic age pyramid; within a day the rank picks the
// region code (a fixed weighted pattern) and an injective 3-digit sequence below 900. Sequences
// 900–999 are never issued, so a 17-digit prefix with such a sequence belongs to nobody.

struct IdInfo {
  PersonKey key = kNoPerson;
  Day birth = kNoDay;
  Region id_region = 0;
  uint32_t day_rank = 0;  // rank of the person among those born the same day
  uint64_t perm = 0;      // position in the permutation
};

class IdMapper {
 public:
  /// Fails when N does not fit the ID space (about 100M persons).
  bool init(uint64_t persons, Day as_of, uint64_t seed, std::string& error);
  IdInfo map(uint64_t index) const;
  uint64_t permute(uint64_t x) const;
  uint64_t unpermute(uint64_t y) const;
  /// Person index at permutation position `pos` (REQUIRES pos < persons).
  uint64_t index_at(uint64_t pos) const { return unpermute(pos); }
  /// Day index (0-based from first_day) of a permutation position.
  uint32_t day_of_position(uint64_t pos) const;
  /// Permutation positions [lo, hi) of the persons born between days `first` and `last` (inclusive).
  void positions_born(Day first, Day last, uint64_t& lo, uint64_t& hi) const;
  uint64_t persons() const { return persons_; }

 private:
  uint64_t round_fwd(uint64_t x) const;
  uint64_t round_inv(uint64_t y) const;
  uint64_t persons_ = 0;
  Day first_day_ = 0;
  std::vector<uint64_t> day_start_;  // size days + 1
  std::vector<Region> pattern_;
  std::vector<uint16_t> pattern_occ_;
  std::vector<uint16_t> pattern_count_;  // per slot: how many slots share its region
  int bits_ = 1;
  uint64_t mask_ = 1;
  uint64_t mul_[3] = {}, mul_inv_[3] = {}, add_[3] = {};
};

// ---------------------------------------------------------------------------------------------
// The person model. Codes are small structs formatted at write time.

struct UnitCode {
  Region region = 0;
  uint32_t num = 0;  // 0 = none
  bool empty() const { return num == 0; }
  friend bool operator==(const UnitCode&, const UnitCode&) = default;
};
std::string unit_text(const UnitCode& unit);
/// Registration code of an individual business (个体工商户: 统一社会信用代码 starting 92).
std::string business_text(const UnitCode& unit);
std::string school_text(Region region, uint32_t num);

/// DirtySpec::bad_field values of SPEC §9 health fields (beside the canbao_field values).
constexpr int kFieldKind = 1000;
constexpr int kFieldBirthCert = 1001;

/// What a planted dirty record is expected to become.
enum class DirtKind : uint8_t {
  kQuarantine,     // quarantined with `reason`
  kLinkChecksum,   // linked by checksum_repair
  kLinkNameBirth,  // linked by name_birth
};

struct DirtySpec {
  DirtKind kind = DirtKind::kQuarantine;
  std::string reason;       // quarantine reason (`bad_length`, `bad_field:region`, `ambiguous`, ...)
  bool id_present = true;   // false: no id key / empty / null
  std::string raw_id;       // the id text written (before JSON/CSV quoting)
  std::string name;         // name written ("" = the person's name)
  bool with_birth = false;  // write `birth` (and sex when with_sex)
  bool with_sex = false;
  bool sex_male = false;
  int bad_field = -1;       // canbao_field to garble, or -1
  // Filled by the writer: where the record landed.
  int feed = -1;
  uint32_t line = 0;  // line within the block's buffer for that feed (1-based)
  std::string record_id;
};

struct SEnroll {
  uint32_t rid = 0;  // per-person record number (record_id derives from it)
  bool np = false;   // written to the national platform feed
  Region region = 0;
  Scheme scheme = Scheme::kNone;
  EnrollStatus status = EnrollStatus::kActive;
  Day start = kNoDay, end = kNoDay;
  Category category = Category::kNone;
  Funded funded = Funded::kNone;
  UnitCode unit;
  int dirty = -1;
};

struct STax {
  Scheme scheme = Scheme::kNone;
  Region region = 0;
  Month from = kNoMonth, to = kNoMonth;
  Day paid_on = kNoDay;
  bool back_pay = false;
  int64_t amount_fen = 0;
  UnitCode payer;
  int dirty = -1;
};

struct SHr {
  HrType type = HrType::kNone;
  UnitCode unit;
  Region region = 0;
  Day start = kNoDay, end = kNoDay;
  PensionStatus pension = PensionStatus::kNone;
  int dirty = -1;
};

struct SPs {
  Region hukou = 0, residence = 0, permit = 0;
  Day permit_expiry = kNoDay;
  PsStatus status = PsStatus::kNormal;
  bool status_written = false;  // write 正常 for normal (else empty = normal)
  Day death = kNoDay;
  std::string address;  // UTF-8
  int dirty = -1;
};

struct SEdu {
  uint32_t school = 0;
  Region region = 0;
  EduLevel level = EduLevel::kNone;
  int entry_year = 0;
  EduStatus status = EduStatus::kEnrolled;
  int dirty = -1;
};

struct SDis {
  uint8_t level = 0;
  Region region = 0;
  Day certified = kNoDay;
  int dirty = -1;
};

struct SCiv {
  AssistCategory category = AssistCategory::kNone;
  Region region = 0;
  Day from = kNoDay, to = kNoDay;
  int dirty = -1;
};

/// SPEC §9 market regulation: an individual business (个体工商户) of the person.
struct SMarket {
  UnitCode unit;
  Region region = 0;
  Day registered = kNoDay;  // kNoDay: not written (open)
  Day closed = kNoDay;
  MarketStatus status = MarketStatus::kActive;
  bool status_written = true;  // false: no status (absent = active)
  int dirty = -1;
};

/// SPEC §9 health: a birth or death certificate. A `foreign` record is a birth without ID that is
/// no record of this person (a newborn without ID, or the first delivery of the person's own
/// birth_cert under a name nobody bears); every other record is the person's (written with the
/// person's ID, or without ID when its DirtySpec says so).
struct SHealth {
  bool death = false;
  bool foreign = false;
  std::string cert;       // birth_cert ("" = none)
  std::string name;       // foreign: the name written ("" = none); own records: the person's name
  int8_t sex = -1;        // foreign: -1 absent, 0 female, 1 male (own records: written at random)
  Day birth = kNoDay;     // birth: the child's birth date
  std::string mother;     // mother_id as written ("" = absent)
  bool mother_self = false;   // the mother is this person (her home district is the oracle's own)
  bool mother_known = false;  // otherwise: the mother is a known person ...
  Region mother_home = 0;     // ... whose home district (from her own records) is this (0 = none)
  Region region = 0;      // issuing hospital (0 = absent)
  Day death_date = kNoDay;
  int dirty = -1;
};

enum class State : uint8_t { kNone = 0, kInsured, kLapsed, kNever };
std::string_view state_name(State state);

struct SPerson {
  uint64_t index = 0;
  IdInfo id;
  bool male = false;
  std::string name;
  const char* archetype = "";
  // What the archetype meant to plant; checked against the oracle.
  State intent_state = State::kNone;  // kNone: no registry row expected
  bool intent_target = true;
  std::string intent_cases;           // "type:resolution;..." in case order
  const char* intent_group = nullptr; // R2 group when uninsured
  int intent_r7 = 0, intent_r8 = 0;
  Day intent_benefit = kNoDay;        // benefit start of the record below (R6 plants)
  uint32_t intent_benefit_rid = 0;
  int intent_newborns = 0;            // newborns.csv rows planted (SPEC §9)

  std::vector<SEnroll> enr;
  std::vector<STax> tax;
  std::vector<SHr> hr;
  std::vector<SPs> ps;
  std::vector<SEdu> edu;
  std::vector<SDis> dis;
  std::vector<SCiv> civ;
  std::vector<SMarket> market;
  std::vector<SHealth> health;
  std::vector<DirtySpec> dirty;
  uint32_t next_rid = 0;
  std::vector<std::pair<Month, Month>> back_pay;  // planted back-pay spans (truth)

  void clear();
  std::string record_id(const SEnroll& e) const;
  std::string id_text() const { return format_citizen_id(id.key); }
};

/// True when the record's dirt leaves it attached to the person (clean or linked).
inline bool accepted(const SPerson& p, int dirty) {
  return dirty < 0 || p.dirty[static_cast<size_t>(dirty)].kind != DirtKind::kQuarantine;
}

// ---------------------------------------------------------------------------------------------
// Oracle: SPEC §4 facts and R1–R8 for one person, from the records the engine should accept.

struct Settings {
  Region city = 350200;
  Day as_of = 0;
  int64_t subsidy = 700;
  int notice_days = 30;
  bool is_local(Region r) const { return r != 0 && r / 100 == city / 100; }
};

struct OCase {
  std::string type, resolution, rule;
  std::vector<std::string> records, kept, terminated;
};

struct OAction {
  std::string record_id, action, handler, escalation, refund, rule;
  Day deadline = kNoDay;
  int64_t subsidy = 0;
};

struct OBenefit {
  std::string record_id;
  Scheme scheme = Scheme::kNone;
  Day start = kNoDay, paid_on = kNoDay;
  int prior = 0, gap = -1;  // gap -1 = empty
  Day benefit = kNoDay;
};

/// A newborns.csv row (SPEC §9), cells as written.
struct ONewborn {
  std::string cert, name, sex, birth, mother_masked, home, channel;
};

struct Outcome {
  bool known = false;     // has at least one accepted record
  bool registry = false;  // has a registry.csv row
  bool alive = true, target = false;
  Region home = 0;
  State state = State::kNone;
  bool assisted = false, student = false, employed = false, pensioner = false, freshman = false;
  bool self_employed = false;
  std::string group, suggested_scheme, channel, address;
  std::vector<std::string> records;  // all accepted enrollment record_ids, sorted
  std::vector<OCase> cases;
  std::vector<OAction> actions;
  std::vector<OBenefit> benefits;
  int64_t subsidy = 0;
  std::vector<ONewborn> newborns;  // newborns without ID whose records this person's block wrote
  std::string ambiguity;  // non-empty: the person touches a corner the SPEC leaves open
  void clear();
};

void evaluate(const SPerson& p, const Settings& s, Outcome& out);

// ---------------------------------------------------------------------------------------------
// Text pools and GBK.

/// Appends the GBK bytes of UTF-8 text; false when a character has no GBK code.
bool append_gbk(std::string& out, std::string_view utf8);
/// Name of a person: single-character surnames + 1–2 given characters, sometimes a minority
/// name with a middle dot. Never 4 characters with a compound surname.
std::string make_name(Rng& rng, bool male);
/// Distinctive names: a compound surname from `family` (0 = linkable persons, 1 = ghosts) and two
/// characters encoding `code` (< 8 * 4096). Unique per (family, code); no ordinary name collides.
std::string distinctive_name(int family, uint32_t code);
std::string make_address(Rng& rng, Region district);
std::string_view district_name(Region district);
std::string_view ethnic_label(Rng& rng);
/// Name of a newborn without ID: an ordinary surname and two given characters that no
/// make_name() name uses, so it matches no known person by name and birth (SPEC §2 name_birth).
std::string newborn_name(Rng& rng);

// ---------------------------------------------------------------------------------------------
// Feeds.

enum FeedIdx : int {
  kFeedEnrollment = 0,
  kFeedNational,
  kFeedTax,
  kFeedHr,
  kFeedPs,
  kFeedEducation,
  kFeedDisability,
  kFeedCivil,
  kFeedHealth,
  kFeedMarket,
  kFeedCount
};
extern const char* const kFeedPaths[kFeedCount];
extern const char* const kFeedAgencies[kFeedCount];

struct FeedBuffers {
  std::string bytes[kFeedCount];
  uint32_t lines[kFeedCount] = {};
  void clear() {
    for (auto& b : bytes) b.clear();
    for (auto& l : lines) l = 0;
  }
};

// ---------------------------------------------------------------------------------------------
// The city model: options, settings and the ID mapping; makes one person from its index.

/// The mother picked for a child (SPEC §9 `mother_id`), evaluated by the oracle.
struct MotherInfo {
  PersonKey key = kNoPerson;
  Region home = 0;  // her home district from her own records
  std::string name;
};

class CityModel {
 public:
  bool init(const SynthOptions& options, std::string& error);
  /// Fills `p` with person `index` (deterministic; thread-safe).
  void make_person(uint64_t index, SPerson& p) const;
  /// A mother for child `index`: a living woman aged 20–45 with a home district, found among the
  /// persons by the child's own stream and evaluated by the oracle (pure in (seed, index)).
  /// False when none was found in a few tries (tiny cities).
  bool pick_mother(uint64_t index, MotherInfo& mother) const;
  const Settings& settings() const { return settings_; }
  const IdMapper& ids() const { return ids_; }
  const SynthOptions& options() const { return options_; }
  /// The first permutation position of a person under 1 year at as_of.
  uint64_t first_infant_position() const { return first_infant_; }

 private:
  SynthOptions options_;
  Settings settings_;
  IdMapper ids_;
  uint64_t first_infant_ = 0;
};

/// Writes every record of the person to the feed buffers (variety of spellings from `rng`), and
/// fills DirtySpec::feed/line/record_id for its dirty records.
void emit_person(SPerson& p, const Settings& s, Rng& rng, FeedBuffers& out);
/// The public-security CSV header (UTF-8; the writer converts it to GBK).
extern const char kPsHeader[];

}  // namespace canbao::synth
