// The archetypes of the synthetic city: what each planted person's records look like. Every
// person is built from its own counter-based stream, so the city can be generated in any order.
// An archetype records what it means to plant (SPerson::intent_*); the generator checks that the
// oracle, applying the SPEC to the records, reaches exactly that.
#include <algorithm>
#include <cstdlib>

#include "canbao/adapter_abi.h"
#include "synth_internal.h"

namespace canbao::synth {

namespace {

constexpr Region kDistricts[6] = {350203, 350205, 350206, 350211, 350212, 350213};
constexpr int kDistrictWeights[6] = {20, 11, 19, 20, 16, 14};
// Uninsured share by district relative to the city's (the island districts do better than the
// outer ones, so the annual plan has gaps to close); weighted mean 1.
constexpr double kUninsuredFactor[6] = {0.6 / 1.1275, 0.9 / 1.1275, 0.75 / 1.1275,
                                        1.0 / 1.1275, 1.7 / 1.1275, 2.1 / 1.1275};
double uninsured_factor(Region district) {
  for (int k = 0; k < 6; ++k)
    if (kDistricts[k] == district) return kUninsuredFactor[k];
  return 1.0;
}
constexpr Region kOther[] = {110105, 310104, 440106, 440305, 350102, 350503,
                             330106, 510107, 350583, 350681, 360102, 430102};
// Universities: 厦门大学 (思明, 翔安), 集美大学 (集美), 华侨大学厦门校区 (集美), 理工学院 (集美).
constexpr Region kUniversityDistricts[] = {350203, 350213, 350211, 350211, 350206};

enum class Dirt {
  kNone,
  kMissing,
  kExcelSci,
  kExcelZero,
  kBadLength,
  kBadChar,
  kBadRegion,
  kBadBirth,
  kBadChecksum,
  kBadField,
  kLinkChecksum,
  kLinkNameBirth,
  kNbSexMismatch,
  kNbGhost,
  kAmbiguous,
};

struct DirtWeight {
  Dirt dirt;
  int weight;
};
constexpr DirtWeight kDirtWeights[] = {
    {Dirt::kMissing, 9},   {Dirt::kExcelSci, 6},     {Dirt::kExcelZero, 6},     {Dirt::kBadLength, 9},
    {Dirt::kBadChar, 8},   {Dirt::kBadRegion, 6},    {Dirt::kBadBirth, 8},      {Dirt::kBadChecksum, 9},
    {Dirt::kBadField, 12}, {Dirt::kLinkChecksum, 10}, {Dirt::kLinkNameBirth, 9}, {Dirt::kNbSexMismatch, 3},
    {Dirt::kNbGhost, 3},
};

// Average clean records per person: dirty_rate is a share of records, drawn per person.
constexpr double kRecordsPerPerson = 3.0;

class Builder {
 public:
  Builder(const CityModel& model, SPerson& person, Rng& rng)
      : m_(model), s_(model.settings()), p_(person), rng_(rng), d_(s_.as_of) {
    const Ymd t = ymd_from_day(d_);
    y_ = t.year;
    md_ = month_of_day(d_);
    dd_ = t.day;
    const Ymd b = ymd_from_day(p_.id.birth);
    age_ = t.year - b.year - ((t.month < b.month || (t.month == b.month && t.day < b.day)) ? 1 : 0);
  }

  void build();

 private:
  // ---- small helpers
  Day ymd(int y, int mo, int da) const { return day_from_ymd(y, mo, da); }
  Day between(Day a, Day b) { return b <= a ? a : a + static_cast<Day>(rng_.below(static_cast<uint32_t>(b - a + 1))); }
  Day years_after_birth(int years) const { return add_months(p_.id.birth, 12 * years); }
  Day snap(Day day) { return rng_.chance(0.85) ? first_day_of_month(month_of_day(day)) : day; }
  Region district() {
    uint32_t r = rng_.below(100);
    for (int k = 0; k < 6; ++k) {
      if (r < static_cast<uint32_t>(kDistrictWeights[k])) return kDistricts[k];
      r -= static_cast<uint32_t>(kDistrictWeights[k]);
    }
    return kDistricts[0];
  }
  Region other(Region avoid = 0) {
    for (;;) {
      const Region r = kOther[rng_.below(std::size(kOther))];
      if (r / 100 != avoid / 100) return r;
    }
  }
  UnitCode unit(Region r) { return UnitCode{r, 1 + rng_.below(400000)}; }
  Month emp_to() { return (dd_ >= 16 && rng_.chance(0.6)) ? md_ : md_ - 1; }
  Day pay_day(Month m) const { return std::min(ymd(month_year(m), month_of_year(m), 15), d_); }
  bool female_retire_age() const { return !p_.male; }
  Day retirement_day() const { return first_day_of_month(month_of_day(years_after_birth(p_.male ? 60 : 55)) + 1); }
  Day hire_date(Day latest) {
    Day earliest = std::max(years_after_birth(19), ymd(y_ - 20, 1, 1));
    if (earliest > latest) earliest = latest;
    return snap(between(earliest, latest));
  }

  size_t enroll(bool np, Region region, Scheme scheme, Category category, Day start, Day end = kNoDay,
                EnrollStatus status = EnrollStatus::kActive, UnitCode u = {}, Funded funded = Funded::kNone) {
    SEnroll e;
    e.rid = p_.next_rid++;
    e.np = np;
    e.region = region;
    e.scheme = scheme;
    e.category = category;
    e.start = start;
    e.end = end;
    e.status = status;
    e.unit = u;
    e.funded = funded;
    p_.enr.push_back(e);
    return p_.enr.size() - 1;
  }
  void tax_row(Scheme scheme, Region region, Month from, Month to, Day paid_on, bool back_pay, UnitCode payer) {
    STax t;
    t.scheme = scheme;
    t.region = region;
    t.from = from;
    t.to = to;
    t.paid_on = paid_on;
    t.back_pay = back_pay;
    t.payer = payer;
    const int64_t months = to - from + 1;
    t.amount_fen = scheme == Scheme::kEmployee ? months * 61250 : (month_year(from) >= y_ ? 40000 : 38000);
    p_.tax.push_back(t);
  }
  /// Employee premiums for months [from, to]: one row before last year, then one row per year.
  void pay_emp(Region region, UnitCode payer, Month from, Month to) {
    if (from > to) return;
    const Month split = month_from_ym(y_ - 1, 1);
    if (from < split) {
      const Month z = std::min(to, split - 1);
      tax_row(Scheme::kEmployee, region, from, z, pay_day(z), false, payer);
      from = split;
    }
    while (from <= to) {
      const Month z = std::min(to, month_from_ym(month_year(from), 12));
      tax_row(Scheme::kEmployee, region, from, z, pay_day(z), false, payer);
      from = z + 1;
    }
  }
  void pay_back(Region region, UnitCode payer, Month from, Month to, Day paid_on) {
    tax_row(Scheme::kEmployee, region, from, to, paid_on, true, payer);
    p_.back_pay.emplace_back(from, to);
  }
  void pay_res_year(Region region, int year, Day paid_on) {
    tax_row(Scheme::kResident, region, month_from_ym(year, 1), month_from_ym(year, 12), paid_on, false, {});
  }
  Day central_paid_on(int year) { return between(ymd(year - 1, 9, 1), ymd(year - 1, 12, 31)); }
  /// Resident premiums of the current year (usually paid in the central period), sometimes the
  /// year before and the next year too.
  void pay_res_current(Region region, bool allow_next = true) {
    if (rng_.chance(0.4)) pay_res_year(region, y_ - 1, central_paid_on(y_ - 1));
    pay_res_year(region, y_, rng_.chance(0.85) ? central_paid_on(y_) : between(ymd(y_, 1, 2), ymd(y_, 3, 31)));
    if (allow_next && month_of_year(md_) >= 9 && rng_.chance(0.5))
      pay_res_year(region, y_ + 1, between(ymd(y_, 9, 1), d_ - 1));
  }
  size_t employ(UnitCode u, Day start, Day end = kNoDay) {
    SHr h;
    h.type = HrType::kEmployment;
    h.unit = u;
    h.region = u.region;
    h.start = start;
    h.end = end;
    p_.hr.push_back(h);
    return p_.hr.size() - 1;
  }
  void pension(Region region, Day start, PensionStatus status) {
    SHr h;
    h.type = HrType::kPension;
    h.region = region;
    h.start = start;
    h.pension = status;
    p_.hr.push_back(h);
  }
  void study(Region region, EduLevel level, int entry_year, EduStatus status = EduStatus::kEnrolled) {
    SEdu e;
    e.school = 1 + rng_.below(9000);
    e.region = region;
    e.level = level;
    e.entry_year = entry_year;
    e.status = status;
    p_.edu.push_back(e);
  }
  void civil(Region region, AssistCategory category) {
    SCiv c;
    c.category = category;
    c.region = region;
    c.from = ymd(y_ - static_cast<int>(rng_.below(5)), 1, 1);
    c.to = ymd(y_ + 1 + static_cast<int>(rng_.below(2)), 12, 31);
    p_.civ.push_back(c);
  }
  void disability(Region region, uint8_t level) {
    SDis r;
    r.level = level;
    r.region = region;
    r.certified = between(std::max(p_.id.birth + 200, ymd(y_ - 15, 1, 1)), d_ - 30);
    p_.dis.push_back(r);
  }

  /// Public security: a person living in the city with home district D.
  void home_ps(Region home) {
    SPs r;
    const Region idr = p_.id.id_region;
    if (idr >= 900000) {
      r.residence = home;
    } else if (s_.is_local(idr) || rng_.chance(0.2)) {
      if (rng_.chance(0.88)) {
        r.hukou = rng_.chance(0.7) ? home : district();
        r.residence = home;
      } else {
        r.hukou = home;
      }
    } else {
      r.hukou = idr;
      if (rng_.chance(0.65)) {
        r.residence = home;
      } else {
        r.permit = home;
        r.permit_expiry = between(d_ + 30, d_ + 1000);
      }
    }
    r.address = make_address(rng_, home);
    r.status_written = rng_.chance(0.3);
    p_.ps.push_back(r);
  }
  /// Public security: a person registered here once who lives elsewhere (no local code).
  void away_ps() {
    SPs r;
    const Region residence = other();
    if (p_.id.id_region < 900000) r.hukou = s_.is_local(p_.id.id_region) ? other() : p_.id.id_region;
    r.residence = residence;
    if (rng_.chance(0.5)) {
      r.permit = district();
      r.permit_expiry = between(d_ - 1500, d_ - 30);
    }
    p_.ps.push_back(r);
  }
  void die(Day death, bool status_only_date) {
    SPs& r = p_.ps.back();
    r.death = death;
    if (status_only_date) {
      r.status_written = false;
      return;
    }
    r.status = rng_.chance(0.85) ? PsStatus::kDead : PsStatus::kCancelled;
  }

  void set_intent(State state, const char* archetype) {
    p_.intent_state = state;
    p_.archetype = archetype;
  }
  void add_case(const char* type_resolution) {
    if (!p_.intent_cases.empty()) p_.intent_cases += ";";
    p_.intent_cases += type_resolution;
  }

  // ---- archetypes (defined below)
  void background(Region home);
  void bg_employee(Region home);
  void bg_flexible(Region home);
  void bg_retiree(Region home);
  void bg_resident(Region home, Category category);
  void bg_student(Region home);
  void bg_newborn(Region home);
  void bg_assisted(Region home);
  void bg_other_region(Region home);
  void bg_two_other_regions(Region home);
  void nontarget();
  void deceased(Region home);
  void uninsured(Region home);
  bool duplicate(Region home);
  void pension_case(Region home);
  bool benefit_case(Region home);
  void attach_dirt(Dirt dirt);

  const CityModel& m_;
  const Settings& s_;
  SPerson& p_;
  Rng& rng_;
  Day d_;
  int y_ = 0;
  Month md_ = 0;
  int dd_ = 0;
  int age_ = 0;
  Dirt dirt_ = Dirt::kNone;
  bool no_enr_dirt_ = false;
};

void Builder::build() {
  const SynthOptions& o = m_.options();
  // Ambiguous pairs: two persons born the same day at consecutive permutation positions share a
  // distinctive name; the first carries a record without ID with name and birth but no sex, which
  // matches both (quarantine `ambiguous`). Either member can tell its role from (seed, index).
  {
    const IdMapper& ids = m_.ids();
    const uint64_t n = ids.persons();
    auto leader_at = [&](uint64_t position) {
      if (position % 2 != 0 || position + 1 >= n) return false;
      // Same-day neighbours are rare in small cities: try more often there.
      const double rate = std::min(0.05, o.dirty_rate * 0.2 * (1.0 + 36500.0 / static_cast<double>(n)));
      if (!Rng(o.seed, ids.index_at(position), 2).chance(rate)) return false;
      return ids.day_of_position(position) == ids.day_of_position(position + 1);
    };
    const uint64_t pos = p_.id.perm;
    const bool leader = leader_at(pos);
    const bool follower = !leader && pos % 2 == 1 && leader_at(pos - 1);
    if (leader || follower) {
      p_.name = distinctive_name(0, leader ? p_.id.day_rank : p_.id.day_rank - 1);
      background(district());
      if (leader) attach_dirt(Dirt::kAmbiguous);
      return;
    }
  }
  // Dirt first: name_birth plants need a distinctive name.
  if (rng_.chance(std::min(1.0, o.dirty_rate * kRecordsPerPerson))) {
    uint32_t r = rng_.below(98);
    for (const auto& dw : kDirtWeights) {
      if (r < static_cast<uint32_t>(dw.weight)) {
        dirt_ = dw.dirt;
        break;
      }
      r -= static_cast<uint32_t>(dw.weight);
    }
  }
  if (dirt_ == Dirt::kLinkNameBirth || dirt_ == Dirt::kNbSexMismatch)
    p_.name = distinctive_name(0, p_.id.day_rank);
  else
    p_.name = make_name(rng_, p_.male);

  const Region home = district();
  double u = rng_.unit();
  auto take = [&](double rate) {
    if (u < rate) return true;
    u -= rate;
    return false;
  };
  if (take(o.duplicate_rate)) {
    if (!duplicate(home)) background(home);
  } else if (take(o.uninsured_rate * uninsured_factor(home))) {
    uninsured(home);
  } else if (take(o.nontarget_rate)) {
    nontarget();
  } else if (take(o.deceased_rate)) {
    deceased(home);
  } else if (take(o.pension_rate)) {
    if (age_ >= 62 && age_ <= 88) pension_case(home);
    else background(home);
  } else if (take(o.benefit_rate)) {
    if (!benefit_case(home)) background(home);
  } else {
    background(home);
  }
  if (dirt_ != Dirt::kNone) attach_dirt(dirt_);
}

// ---------------------------------------------------------------------------------------------
// Background: plainly insured residents.

void Builder::background(Region home) {
  const uint32_t r = rng_.below(1000);
  if (age_ < 1) return bg_newborn(home);
  if (r < 25) return bg_assisted(home);
  if (r < 45 && age_ >= 20 && age_ <= 59) return bg_other_region(home);
  if (r < 48 && age_ >= 25 && age_ <= 59) return bg_two_other_regions(home);
  if (age_ < 6) return bg_resident(home, Category::kChild);
  if (age_ <= 22) {
    if (age_ >= 19 && r < 300) return bg_employee(home);
    return bg_student(home);
  }
  const bool retired = age_ >= (p_.male ? 61 : 56);
  if (retired) {
    if (r < 700) return bg_retiree(home);
    return bg_resident(home, Category::kAdult);
  }
  if (r < 620) return bg_employee(home);
  if (r < 700) return bg_flexible(home);
  return bg_resident(home, Category::kAdult);
}

void Builder::bg_employee(Region home) {
  set_intent(State::kInsured, "bg_employee");
  Region dw = rng_.chance(0.7) ? home : district();
  const bool no_ps = rng_.chance(0.03);
  if (no_ps) dw = home;
  const UnitCode u = unit(dw);
  const Day start = hire_date(ymd(y_ - 1, 12, 1));
  if (rng_.chance(0.15) && start - 800 > std::max(years_after_birth(19), ymd(y_ - 25, 1, 1))) {
    const Region old_region = district();
    const UnitCode old_unit = unit(old_region);
    const Day old_start = snap(between(std::max(years_after_birth(19), ymd(y_ - 25, 1, 1)), start - 800));
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, old_start, start - 1,
           EnrollStatus::kTerminated, old_unit);
    employ(old_unit, old_start, start - 1);
  }
  enroll(false, dw, Scheme::kEmployee, rng_.chance(0.97) ? Category::kInService : Category::kNone, start, kNoDay,
         EnrollStatus::kActive, u);
  employ(u, start);
  pay_emp(dw, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), emp_to());
  if (!no_ps) home_ps(home);
  if (rng_.chance(0.01)) disability(home, static_cast<uint8_t>(3 + rng_.below(2)));
}

void Builder::bg_flexible(Region home) {
  set_intent(State::kInsured, "bg_flexible");
  const Day start = hire_date(ymd(y_ - 1, 12, 1));
  enroll(false, home, Scheme::kEmployee, Category::kFlexible, start);
  pay_emp(home, {}, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), emp_to());
  home_ps(home);
}

void Builder::bg_retiree(Region home) {
  const Day retired = retirement_day();
  if (retired > d_ - 60) return bg_resident(home, Category::kAdult);
  set_intent(State::kInsured, "bg_retiree");
  enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
  pension(home, retired, PensionStatus::kReceiving);
  tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
  home_ps(home);
}

void Builder::bg_resident(Region home, Category category) {
  set_intent(State::kInsured, category == Category::kChild ? "bg_child" : "bg_resident");
  const int birth_year = ymd_from_day(p_.id.birth).year;
  const int first_year = std::max(birth_year + 1, y_ - 10);
  const int start_year = first_year >= y_ ? y_ : rng_.range(first_year, y_ - 1);
  const Day end = rng_.chance(0.15) ? ymd(y_, 12, 31) : kNoDay;
  enroll(false, home, Scheme::kResident, rng_.chance(0.9) ? category : Category::kNone, ymd(start_year, 1, 1), end);
  pay_res_current(home, end == kNoDay);
  home_ps(home);
}

void Builder::bg_student(Region home) {
  set_intent(State::kInsured, "bg_student");
  EduLevel level;
  int entry;
  Region school_region = rng_.chance(0.8) ? home : district();
  if (age_ < 6) {
    level = EduLevel::kPreschool;
    entry = y_ - (age_ - 3);
  } else if (age_ < 12) {
    level = EduLevel::kPrimary;
    entry = y_ - (age_ - 6);
  } else if (age_ < 15) {
    level = EduLevel::kSecondary;
    entry = y_ - (age_ - 12);
  } else if (age_ < 18) {
    level = rng_.chance(0.3) ? EduLevel::kVocational : EduLevel::kSecondary;
    entry = y_ - (age_ - 15);
  } else {
    level = EduLevel::kUniversity;
    entry = y_ - std::min(age_ - 18, 3);
    school_region = kUniversityDistricts[rng_.below(std::size(kUniversityDistricts))];
  }
  study(school_region, level, entry);
  const int birth_year = ymd_from_day(p_.id.birth).year;
  if (level == EduLevel::kUniversity && entry == y_) {
    // Freshman enrolled locally at entry (September): an in-year record (R6).
    const Day start = ymd(y_, 9, 1);
    enroll(false, school_region, Scheme::kResident, Category::kStudent, start);
    tax_row(Scheme::kResident, school_region, month_from_ym(y_, 9), month_from_ym(y_, 12),
            between(ymd(y_, 9, 1), ymd(y_, 9, 20)), false, {});
  } else {
    const int start_year = std::max(birth_year + 1, y_ - 8);
    enroll(false, school_region, Scheme::kResident, Category::kStudent,
           ymd(start_year >= y_ ? y_ : rng_.range(start_year, y_ - 1), 1, 1));
    pay_res_current(school_region);
  }
  home_ps(home);
}

void Builder::bg_newborn(Region home) {
  set_intent(State::kInsured, "bg_newborn");
  const Day start = p_.id.birth;
  const Day paid_on = std::min(start + rng_.range(1, 25), d_ - 1);
  enroll(false, home, Scheme::kResident, Category::kChild, start);
  const int birth_year = ymd_from_day(start).year;
  tax_row(Scheme::kResident, home, month_of_day(start), month_from_ym(birth_year, 12), paid_on, false, {});
  if (birth_year < y_) pay_res_year(home, y_, std::min(between(ymd(y_ - 1, 12, 1), ymd(y_, 1, 31)), d_ - 1));
  home_ps(home);
}

void Builder::bg_assisted(Region home) {
  set_intent(State::kInsured, "bg_assisted");
  Funded funded;
  if (rng_.chance(0.7)) {
    const uint32_t r = rng_.below(10);
    const AssistCategory c = r < 5 ? AssistCategory::kDibao : r < 7 ? AssistCategory::kTekun : AssistCategory::kLowIncome;
    civil(home, c);
    funded = c == AssistCategory::kDibao ? Funded::kDibao : c == AssistCategory::kTekun ? Funded::kTekun : Funded::kLowIncome;
  } else {
    disability(home, static_cast<uint8_t>(1 + rng_.below(2)));
    funded = Funded::kDisability;
  }
  enroll(false, home, Scheme::kResident, age_ < 18 ? Category::kChild : Category::kAdult,
         ymd(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 6) >= y_ ? y_ : rng_.range(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 6), y_ - 1), 1, 1),
         kNoDay, EnrollStatus::kActive, {}, funded);
  pay_res_current(home);
  home_ps(home);
}

void Builder::bg_other_region(Region home) {
  set_intent(State::kInsured, "bg_other_region");
  const Region elsewhere = other();
  const UnitCode u = unit(elsewhere);
  const Day start = hire_date(ymd(y_ - 1, 6, 1));
  enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
  employ(u, start);
  home_ps(home);
}

void Builder::bg_two_other_regions(Region home) {
  set_intent(State::kInsured, "bg_two_other_regions");
  const Region a = other();
  const Region b = other(a);
  enroll(true, a, Scheme::kEmployee, Category::kInService, hire_date(ymd(y_ - 2, 1, 1)), kNoDay,
         EnrollStatus::kActive, unit(a));
  enroll(true, b, Scheme::kEmployee, Category::kInService, hire_date(ymd(y_ - 1, 6, 1)), kNoDay,
         EnrollStatus::kActive, unit(b));
  home_ps(home);
}

// ---------------------------------------------------------------------------------------------
// Not target persons.

void Builder::nontarget() {
  p_.intent_target = false;
  if (age_ < 20) {
    // Too young to have worked here: a child who moved away with a local record ended long ago.
    away_ps();
    if (age_ >= 3) {
      const Day start = ymd(ymd_from_day(p_.id.birth).year + 1, 1, 1);
      const Day end = std::min(between(start + 200, d_ - 500), d_ - 500);
      if (end > start) {
        enroll(false, district(), Scheme::kResident, Category::kChild, start, end, EnrollStatus::kTerminated);
        return set_intent(State::kNever, "nt_left_never");
      }
    }
    p_.intent_target = true;
    p_.ps.clear();
    return background(district());
  }
  away_ps();
  const uint32_t r = rng_.below(100);
  const Region old_region = district();
  const Day start = hire_date(d_ - 900);
  if (r < 40) {
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, start, between(start + 100, d_ - 420),
           EnrollStatus::kTerminated, unit(old_region));
    set_intent(State::kNever, "nt_left_never");
  } else if (r < 65) {
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, start, between(d_ - 330, d_ - 20),
           EnrollStatus::kTerminated, unit(old_region));
    set_intent(State::kLapsed, "nt_left_lapsed");
  } else if (r < 80) {
    enroll(false, old_region, Scheme::kResident, Category::kAdult, ymd(ymd_from_day(start).year, 1, 1), kNoDay,
           EnrollStatus::kSuspended);
    set_intent(State::kLapsed, "nt_left_suspended");
  } else {
    const Region elsewhere = p_.ps.back().residence;
    enroll(false, old_region, Scheme::kEmployee, Category::kInService, start, between(start + 100, d_ - 420),
           EnrollStatus::kTerminated, unit(old_region));
    enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, between(d_ - 400, d_ - 200), kNoDay,
           EnrollStatus::kActive, unit(elsewhere));
    set_intent(State::kInsured, "nt_left_insured_elsewhere");
  }
}

void Builder::deceased(Region home) {
  if (age_ < 30) return background(home);
  p_.intent_target = false;
  home_ps(home);
  const uint32_t r = rng_.below(100);
  const bool date_only = rng_.chance(0.2);
  if (r < 35) {
    // R8: still enrolled, paid.
    const Day death = between(d_ - 300, d_ - 5);
    die(death, date_only);
    if (age_ >= (p_.male ? 61 : 56) && retirement_day() < death - 60) {
      const Day retired = retirement_day();
      enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
      pension(home, retired, PensionStatus::kReceiving);
      tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
    } else if (rng_.chance(0.5)) {
      const UnitCode u = unit(home);
      const Day start = hire_date(ymd(y_ - 1, 12, 1));
      enroll(false, home, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      pay_emp(home, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), emp_to());
    } else {
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1));
      pay_res_current(home, false);
    }
    p_.intent_r8 = 1;
    return set_intent(State::kInsured, "r8_deceased_enrolled");
  }
  if (r < 65) {
    // Enrollment terminated at death.
    const bool recent = rng_.chance(0.5);
    const Day death = recent ? between(d_ - 330, d_ - 20) : between(d_ - 3000, d_ - 420);
    die(death, date_only);
    const Day start = std::min(ymd(y_ - 8, 1, 1), death - 100);
    enroll(false, home, Scheme::kResident, Category::kAdult, start, death, EnrollStatus::kTerminated);
    return set_intent(recent ? State::kLapsed : State::kNever, recent ? "dead_recent" : "dead_long_ago");
  }
  die(between(d_ - 3000, d_ - 5), date_only);
  set_intent(State::kNone, "dead_no_record");
}

// ---------------------------------------------------------------------------------------------
// Uninsured target persons (R1 lapsed/never, R2 groups).

void Builder::uninsured(Region home) {
  const bool lapsed = rng_.chance(0.45);
  const char* group = "other";
  if (std::abs(p_.id.birth - add_months(d_, -12)) <= 6) return background(home);  // not at the newborn edge
  if (age_ < 1) {
    if (p_.id.birth <= add_months(d_, -12) + 5) return background(home);
    group = "newborn";
  } else {
    struct Option {
      const char* group;
      int weight;
    };
    const bool pension_age = age_ >= (p_.male ? 61 : 56);
    const Option options[] = {
        {"assisted", 8},
        {"student", age_ >= 6 && age_ <= 22 ? 20 : 0},
        {"employed", age_ >= 18 && age_ <= 59 ? 30 : 0},
        {"pensioner", pension_age && age_ <= 90 ? 15 : 0},
        {"other", 30},
    };
    int total = 0;
    for (const auto& op : options) total += op.weight;
    int r = static_cast<int>(rng_.below(static_cast<uint32_t>(total)));
    for (const auto& op : options) {
      if (r < op.weight) {
        group = op.group;
        break;
      }
      r -= op.weight;
    }
  }
  p_.intent_group = group;
  const std::string_view g = group;
  bool with_ps = true;
  Region ps_home = home;
  if (g == "newborn") {
    // Lapsed newborn: a record suspended right after birth (an unpaid in-year record would make
    // R6 read a payment date that does not exist).
    p_.archetype = lapsed ? "uninsured_newborn_suspended" : "uninsured_newborn";
    if (lapsed) enroll(false, home, Scheme::kResident, Category::kChild, p_.id.birth, kNoDay, EnrollStatus::kSuspended);
  } else if (g == "assisted") {
    if (rng_.chance(0.65)) civil(home, rng_.chance(0.6) ? AssistCategory::kDibao : AssistCategory::kTekun);
    else disability(home, static_cast<uint8_t>(1 + rng_.below(2)));
    p_.archetype = lapsed ? "uninsured_assisted_suspended" : "uninsured_assisted";
    if (lapsed)
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 2, 1, 1), kNoDay, EnrollStatus::kSuspended, {},
             Funded::kDibao);
  } else if (g == "student") {
    const Region school = rng_.chance(0.8) ? home : district();
    const EduLevel level = age_ < 12 ? EduLevel::kPrimary : age_ < 18 ? EduLevel::kSecondary : EduLevel::kUniversity;
    study(school, level, y_ - std::min(std::max(age_ - (age_ < 12 ? 6 : age_ < 18 ? 12 : 18), 0), 3));
    if (rng_.chance(0.06)) {
      with_ps = false;
      ps_home = school;
    }
    p_.archetype = lapsed ? "uninsured_student_unpaid" : "uninsured_student";
    if (lapsed) {
      enroll(false, school, Scheme::kResident, Category::kStudent, ymd(std::max(y_ - 3, ymd_from_day(p_.id.birth).year + 1), 1, 1));
      pay_res_year(school, y_ - 1, central_paid_on(y_ - 1));
    }
  } else if (g == "employed") {
    const bool elsewhere = rng_.chance(0.1);
    Region dw = elsewhere ? other() : (rng_.chance(0.7) ? home : district());
    if (!elsewhere && rng_.chance(0.06)) {
      with_ps = false;
      ps_home = dw;
    }
    const UnitCode u = unit(dw);
    const Day start = hire_date(ymd(y_ - 1, 12, 1));
    employ(u, start);
    p_.archetype = lapsed ? "uninsured_employed_unpaid" : "uninsured_employed";
    if (lapsed) {
      const Region local = elsewhere ? home : dw;
      enroll(false, local, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, unit(local));
      pay_emp(local, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), md_ - 4);
    }
  } else if (g == "pensioner") {
    const Day retired = retirement_day();
    pension(home, retired, PensionStatus::kReceiving);
    p_.archetype = lapsed ? "uninsured_pensioner_ended" : "uninsured_pensioner";
    if (lapsed) {
      enroll(false, home, Scheme::kEmployee, Category::kRetired, retired, between(d_ - 300, d_ - 30),
             EnrollStatus::kTerminated);
      tax_row(Scheme::kEmployee, home, month_from_ym(y_ - 1, 1), month_from_ym(y_ - 1, 12), ymd(y_ - 1, 1, 20),
              false, {});
    }
  } else {
    // other
    const uint32_t r = rng_.below(100);
    if (!lapsed) {
      if (r < 15 && age_ >= 4) {
        const Day start = ymd(std::max(y_ - 9, ymd_from_day(p_.id.birth).year + 1), 1, 1);
        enroll(false, district(), Scheme::kResident, Category::kAdult, start, between(start + 200, d_ - 420),
               EnrollStatus::kTerminated);
        p_.archetype = "uninsured_never_old_record";
      } else if (r < 22) {
        disability(home, static_cast<uint8_t>(3 + rng_.below(2)));
        p_.archetype = "uninsured_never_disability_mild";
      } else if (r < 30 && age_ >= 19 && age_ <= 30) {
        study(district(), EduLevel::kUniversity, y_ - (age_ - 18), EduStatus::kGraduated);
        p_.archetype = "uninsured_never_graduated";
      } else if (r < 38 && age_ >= 19 && age_ <= 64) {
        const UnitCode u = unit(district());
        const Day start = hire_date(ymd(y_ - 3, 1, 1));
        employ(u, start, between(start + 100, d_ - 420));
        p_.archetype = "uninsured_never_job_ended";
      } else {
        p_.archetype = "uninsured_never";
      }
    } else {
      if (r < 30 && age_ >= 19) {
        const Region dw = district();
        const UnitCode u = unit(dw);
        const Day start = hire_date(ymd(y_ - 2, 1, 1));
        const Day end = between(d_ - 330, d_ - 30);
        enroll(false, dw, Scheme::kEmployee, Category::kInService, start, end, EnrollStatus::kTerminated, u);
        employ(u, start, end);
        pay_emp(dw, u, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), month_of_day(end));
        p_.archetype = "uninsured_lapsed_ended_local";
      } else if (r < 50 && age_ >= 19) {
        const Region elsewhere = other();
        const Day start = hire_date(ymd(y_ - 2, 1, 1));
        enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, start, between(d_ - 330, d_ - 30),
               EnrollStatus::kTerminated, unit(elsewhere));
        p_.archetype = "uninsured_lapsed_ended_elsewhere";
      } else if (r < 75) {
        enroll(false, home, Scheme::kResident, Category::kAdult,
               ymd(std::max(y_ - 4, ymd_from_day(p_.id.birth).year + 1), 1, 1), kNoDay, EnrollStatus::kSuspended);
        p_.archetype = "uninsured_lapsed_suspended";
      } else {
        const int start_year = std::max(y_ - 4, ymd_from_day(p_.id.birth).year + 1);
        if (start_year >= y_) {
          enroll(false, home, Scheme::kResident, Category::kChild, ymd(start_year, 1, 1), kNoDay,
                 EnrollStatus::kSuspended);
          p_.archetype = "uninsured_lapsed_suspended";
        } else {
          enroll(false, home, Scheme::kResident, Category::kAdult, ymd(start_year, 1, 1));
          pay_res_year(home, y_ - 1, central_paid_on(y_ - 1));
          p_.archetype = "uninsured_lapsed_unpaid";
        }
      }
    }
  }
  if (with_ps) home_ps(ps_home);
  set_intent(lapsed ? State::kLapsed : State::kNever, p_.archetype);
}

// ---------------------------------------------------------------------------------------------
// Duplicate enrollments (R3, R3b) — one archetype per R4 resolution.

bool Builder::duplicate(Region home) {
  enum Kind {
    kEePensionElsewhere, kEeTwoRetired, kEeKeepLocal, kEeKeepOther, kEeKeepUnit, kEeFlexible, kEeNoMatch,
    kRrFreshman, kRrSchoolLocal, kRrSchoolOther, kRrSchoolOtherNotBegun, kRrKeepLocal, kRrKeepOther, kRrUnassigned,
    kCsAssisted, kCsPensionElsewhere, kCsKeepEmployeeLocal, kCsKeepEmployeeOther, kCsTransition,
    kCsTransitionBackPay, kCsNeedsConfirmation, kCsAfterEe, kR3b, kKindCount
  };
  struct Option {
    Kind kind;
    int min_age, max_age, weight;
  };
  const bool september = month_of_year(md_) >= 9;
  const Option options[] = {
      {kEePensionElsewhere, 61, 75, 4}, {kEeTwoRetired, 61, 80, 3},   {kEeKeepLocal, 23, 58, 8},
      {kEeKeepOther, 23, 58, 6},        {kEeKeepUnit, 23, 58, 4},     {kEeFlexible, 25, 58, 4},
      {kEeNoMatch, 25, 58, 3},          {kRrFreshman, 18, 19, 6},     {kRrSchoolLocal, 7, 17, 6},
      {kRrSchoolOther, 19, 22, 4},      {kRrSchoolOtherNotBegun, 18, 21, 3},
      {kRrKeepLocal, 23, 75, 8},        {kRrKeepOther, 23, 75, 5},    {kRrUnassigned, 23, 60, 2},
      {kCsAssisted, 25, 58, 4},         {kCsPensionElsewhere, 61, 80, 4},
      {kCsKeepEmployeeLocal, 23, 58, 8}, {kCsKeepEmployeeOther, 25, 58, 5}, {kCsTransition, 23, 58, 5},
      {kCsTransitionBackPay, 23, 58, 2}, {kCsNeedsConfirmation, 25, 58, 2}, {kCsAfterEe, 25, 58, 2},
      {kR3b, 23, 58, september ? 6 : 0},
  };
  int total = 0;
  for (const auto& op : options)
    if (age_ >= op.min_age && age_ <= op.max_age) total += op.weight;
  if (total == 0) return false;
  int r = static_cast<int>(rng_.below(static_cast<uint32_t>(total)));
  Kind kind = kKindCount;
  for (const auto& op : options) {
    if (!(age_ >= op.min_age && age_ <= op.max_age)) continue;
    if (r < op.weight) {
      kind = op.kind;
      break;
    }
    r -= op.weight;
  }
  set_intent(State::kInsured, "");
  const Region elsewhere = other();
  const Month to = emp_to();
  const Month last_year = month_from_ym(y_ - 1, 1);
  switch (kind) {
    case kEePensionElsewhere: {
      p_.archetype = "dup_ee_pension_elsewhere";
      const Day retired = std::min(retirement_day(), d_ - 400);
      pension(elsewhere, retired, PensionStatus::kReceiving);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kRetired, retired);
      const Region dw = district();
      const UnitCode u = unit(dw);
      const Day start = snap(between(retired + 30, d_ - 200));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      pay_emp(dw, u, std::max(month_of_day(start), last_year), to);
      home_ps(home);
      add_case("employee_employee:pension_elsewhere");
      break;
    }
    case kEeTwoRetired: {
      p_.archetype = "dup_ee_two_retired";
      const Day retired = std::min(retirement_day(), d_ - 400);
      pension(home, retired, PensionStatus::kReceiving);
      enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
      tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
      enroll(true, elsewhere, Scheme::kEmployee, Category::kRetired, between(retired - 300, retired + 300));
      home_ps(home);
      add_case("employee_employee:needs_confirmation");
      break;
    }
    case kEeKeepLocal:
    case kEeKeepOther:
    case kEeNoMatch:
    case kCsAfterEe: {
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const UnitCode uo = unit(elsewhere);
      const Day local_start = hire_date(ymd(y_ - 1, 10, 1));
      const Day other_start = hire_date(ymd(y_ - 1, 10, 1));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, local_start, kNoDay, EnrollStatus::kActive, u);
      pay_emp(dw, u, std::max(month_of_day(local_start), last_year), to);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, other_start, kNoDay, EnrollStatus::kActive, uo);
      if (kind == kEeKeepLocal || kind == kCsAfterEe) {
        employ(u, local_start);
        p_.archetype = kind == kEeKeepLocal ? "dup_ee_keep_local" : "dup_cs_after_ee";
        add_case("employee_employee:keep_employment_region");
      } else if (kind == kEeKeepOther) {
        employ(uo, other_start);
        p_.archetype = "dup_ee_keep_other";
        add_case("employee_employee:keep_employment_region");
      } else {
        const Region third = other(elsewhere);
        employ(unit(third), hire_date(ymd(y_ - 1, 6, 1)));
        p_.archetype = "dup_ee_no_match";
        add_case("employee_employee:needs_confirmation");
      }
      if (kind == kCsAfterEe) {
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 1, 1));
        pay_res_year(home, y_, central_paid_on(y_));
        add_case("cross_scheme:keep_employee");
      }
      home_ps(home);
      break;
    }
    case kEeKeepUnit: {
      p_.archetype = "dup_ee_keep_unit";
      const Region d1 = district();
      const Region d2 = district();
      const UnitCode u1 = unit(d1);
      UnitCode u2 = unit(d2);
      if (u2 == u1) u2.num = u1.num % 400000 + 1;
      const Day s1 = hire_date(ymd(y_ - 1, 10, 1));
      const Day s2 = hire_date(ymd(y_ - 1, 10, 1));
      enroll(false, d1, Scheme::kEmployee, Category::kInService, s1, kNoDay, EnrollStatus::kActive, u1);
      enroll(false, d2, Scheme::kEmployee, Category::kInService, s2, kNoDay, EnrollStatus::kActive, u2);
      employ(u1, s1);
      pay_emp(d1, u1, std::max(month_of_day(std::min(s1, s2)), last_year), to);
      home_ps(home);
      add_case("employee_employee:keep_employment_region");
      break;
    }
    case kEeFlexible:
    case kCsNeedsConfirmation: {
      const Day flex_start = hire_date(ymd(y_ - 1, 10, 1));
      enroll(false, home, Scheme::kEmployee, Category::kFlexible, flex_start);
      pay_emp(home, {}, std::max(month_of_day(flex_start), last_year), to);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, hire_date(ymd(y_ - 1, 10, 1)), kNoDay,
             EnrollStatus::kActive, unit(elsewhere));
      add_case("employee_employee:needs_confirmation");
      if (kind == kCsNeedsConfirmation) {
        p_.archetype = "dup_cs_needs_confirmation";
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 2, 1, 1));
        pay_res_current(home, false);
        add_case("cross_scheme:needs_confirmation");
      } else {
        p_.archetype = "dup_ee_flexible";
      }
      home_ps(home);
      break;
    }
    case kRrFreshman: {
      p_.archetype = "dup_rr_freshman";
      const Region school = kUniversityDistricts[rng_.below(std::size(kUniversityDistricts))];
      study(school, rng_.chance(0.9) ? EduLevel::kUniversity : EduLevel::kGraduate, y_);
      enroll(true, elsewhere, Scheme::kResident, Category::kStudent,
             ymd(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 12), 1, 1));
      enroll(false, school, Scheme::kResident, Category::kStudent, ymd(y_, 9, 1));
      tax_row(Scheme::kResident, school, month_from_ym(y_, 9), month_from_ym(y_, 12),
              between(ymd(y_, 9, 1), ymd(y_, 9, 25)), false, {});
      SPs r;
      r.hukou = s_.is_local(p_.id.id_region) ? elsewhere : (p_.id.id_region >= 900000 ? 0 : p_.id.id_region);
      r.residence = school;
      r.address = make_address(rng_, school);
      p_.ps.push_back(r);
      add_case("resident_resident:exempt_freshman");
      break;
    }
    case kRrSchoolLocal: {
      p_.archetype = "dup_rr_school_local";
      const Region school = rng_.chance(0.8) ? home : district();
      study(school, age_ < 12 ? EduLevel::kPrimary : EduLevel::kSecondary, y_ - std::min(age_ - (age_ < 12 ? 6 : 12), 2));
      enroll(false, school, Scheme::kResident, Category::kStudent, ymd(y_ - 2, 1, 1));
      pay_res_current(school, false);
      enroll(true, elsewhere, Scheme::kResident, Category::kChild,
             ymd(std::max(ymd_from_day(p_.id.birth).year + 1, y_ - 10), 1, 1));
      home_ps(home);
      add_case("resident_resident:keep_school_region");
      break;
    }
    case kRrSchoolOther:
    case kRrSchoolOtherNotBegun: {
      const bool not_begun = kind == kRrSchoolOtherNotBegun;
      p_.archetype = not_begun ? "dup_rr_school_other_refundable" : "dup_rr_school_other";
      const int entry = not_begun ? y_ - 1 : y_ - rng_.range(1, 3);
      study(elsewhere, EduLevel::kUniversity, entry);
      if (not_begun) {
        enroll(true, elsewhere, Scheme::kResident, Category::kStudent, ymd(y_, 1, 1));
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 9, 1));
        tax_row(Scheme::kResident, home, month_from_ym(y_, 9), month_from_ym(y_, 12),
                between(ymd(y_, 9, 1), ymd(y_, 9, 25)), false, {});
      } else {
        enroll(true, elsewhere, Scheme::kResident, Category::kStudent, ymd(entry, 9, 1));
        enroll(false, home, Scheme::kResident, Category::kStudent, ymd(y_ - 5, 1, 1));
        pay_res_current(home, false);
      }
      home_ps(home);
      add_case("resident_resident:keep_school_region");
      break;
    }
    case kRrKeepLocal:
    case kRrKeepOther:
    case kRrUnassigned: {
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - rng_.range(1, 6), 1, 1));
      pay_res_current(home, false);
      enroll(true, elsewhere, Scheme::kResident, Category::kAdult, ymd(y_ - rng_.range(1, 10), 1, 1));
      SPs r;
      r.address = make_address(rng_, home);
      if (kind == kRrKeepLocal) {
        p_.archetype = "dup_rr_keep_local";
        r.hukou = s_.is_local(p_.id.id_region) || p_.id.id_region >= 900000 ? home : p_.id.id_region;
        r.residence = home;
      } else if (kind == kRrKeepOther) {
        p_.archetype = "dup_rr_keep_other";
        r.hukou = home;
        r.residence = elsewhere;
      } else {
        p_.archetype = "dup_rr_unassigned";
        p_.intent_target = false;
        r.hukou = other(elsewhere);
        r.residence = elsewhere;
        r.permit = home;
        r.permit_expiry = between(d_ - 1000, d_ - 60);
        r.address.clear();
      }
      p_.ps.push_back(r);
      add_case(kind == kRrKeepLocal || kind == kRrKeepOther || kind == kRrUnassigned
                   ? "resident_resident:keep_residence"
                   : "");
      break;
    }
    case kCsAssisted: {
      p_.archetype = "dup_cs_assisted";
      civil(home, rng_.chance(0.6) ? AssistCategory::kDibao : AssistCategory::kLowIncome);
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1), kNoDay, EnrollStatus::kActive, {},
             p_.civ.back().category == AssistCategory::kDibao ? Funded::kDibao : Funded::kLowIncome);
      pay_res_current(home, false);
      const Day start = hire_date(ymd(y_ - 1, 6, 1));
      enroll(false, home, Scheme::kEmployee, Category::kFlexible, start);
      pay_emp(home, {}, std::max(month_of_day(start), last_year), to);
      home_ps(home);
      add_case("cross_scheme:exempt_assisted");
      break;
    }
    case kCsPensionElsewhere: {
      p_.archetype = "dup_cs_pension_elsewhere";
      const bool covered = rng_.chance(0.6);
      const Day retired = covered ? std::min(retirement_day(), ymd(y_ - 1, 6, 1)) : ymd(y_ - 1, 6, 1);
      pension(elsewhere, retired, PensionStatus::kReceiving);
      enroll(true, elsewhere, Scheme::kEmployee, Category::kRetired, retired);
      if (covered) {
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 1, 1));
        pay_res_year(home, y_, central_paid_on(y_));
      } else {
        enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1));
        pay_res_current(home, false);
      }
      home_ps(home);
      add_case("cross_scheme:pension_elsewhere");
      break;
    }
    case kCsKeepEmployeeLocal: {
      p_.archetype = "dup_cs_keep_employee_local";
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const Day start = hire_date(ymd(y_ - 2, 6, 1));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      pay_emp(dw, u, std::max(month_of_day(start), last_year), to);
      enroll(false, home, Scheme::kResident, Category::kAdult, rng_.chance(0.7) ? ymd(y_, 1, 1) : ymd(y_ - 3, 1, 1));
      pay_res_current(home, false);
      home_ps(home);
      add_case("cross_scheme:keep_employee");
      break;
    }
    case kCsKeepEmployeeOther: {
      p_.archetype = "dup_cs_keep_employee_other";
      const UnitCode u = unit(elsewhere);
      const Day start = hire_date(ymd(y_ - 2, 6, 1));
      enroll(true, elsewhere, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      enroll(false, home, Scheme::kResident, Category::kAdult, rng_.chance(0.7) ? ymd(y_, 1, 1) : ymd(y_ - 4, 1, 1));
      pay_res_current(home, false);
      home_ps(home);
      add_case("cross_scheme:keep_employee");
      break;
    }
    case kCsTransition:
    case kCsTransitionBackPay: {
      const bool back = kind == kCsTransitionBackPay;
      p_.archetype = back ? "dup_cs_transition_backpay" : "dup_cs_transition";
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const Month first = back ? md_ - 9 : md_ - rng_.range(2, 7);
      const Day start = first_day_of_month(first);
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      if (back) {
        pay_back(dw, u, first, first + 2, pay_day(first + 5));
        pay_emp(dw, u, first + 4, to);
      } else {
        pay_emp(dw, u, first, to);
      }
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_, 1, 1));
      pay_res_year(home, y_, central_paid_on(y_));
      home_ps(home);
      add_case("cross_scheme:exempt_transition");
      break;
    }
    case kR3b: {
      p_.archetype = "dup_r3b_next_year_resident";
      const Region dw = rng_.chance(0.7) ? home : district();
      const UnitCode u = unit(dw);
      const Day start = hire_date(ymd(y_ - 1, 6, 1));
      enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay, EnrollStatus::kActive, u);
      employ(u, start);
      pay_emp(dw, u, std::max(month_of_day(start), last_year), to);
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ + 1, 1, 1));
      pay_res_year(home, y_ + 1, between(ymd(y_, 9, 1), d_ - 1));
      home_ps(home);
      add_case("next_year_resident:suspend_next_year");
      break;
    }
    default:
      return false;
  }
  no_enr_dirt_ = true;  // keep the planted cases exactly as designed
  return true;
}

// ---------------------------------------------------------------------------------------------
// R7 benefit suspension (and a control whose latest pension is receiving).

void Builder::pension_case(Region home) {
  const Day retired = std::min(retirement_day(), d_ - 400);
  enroll(false, home, Scheme::kEmployee, Category::kRetired, retired);
  tax_row(Scheme::kEmployee, home, month_from_ym(y_, 1), month_from_ym(y_, 12), ymd(y_, 1, 20), false, {});
  home_ps(home);
  set_intent(State::kInsured, "");
  if (rng_.chance(0.7)) {
    pension(home, retired, rng_.chance(0.6) ? PensionStatus::kSuspended : PensionStatus::kTerminated);
    p_.intent_r7 = 1;
    p_.archetype = "r7_pension_suspended";
  } else {
    pension(home, retired, PensionStatus::kSuspended);
    pension(home, between(retired + 200, d_ - 30), PensionStatus::kReceiving);
    p_.archetype = "r7_control_receiving";
  }
}

// ---------------------------------------------------------------------------------------------
// R6 benefit start: in-year records with and without continuous prior cover.

bool Builder::benefit_case(Region home) {
  if (age_ < 22 || age_ > 58) return false;
  const Month year_start = month_from_ym(y_, 1);
  if (md_ - year_start < 3) return false;
  const uint32_t kind = rng_.below(8);
  set_intent(State::kInsured, "");
  no_enr_dirt_ = true;
  const Month start_month = year_start + static_cast<Month>(rng_.below(static_cast<uint32_t>(md_ - year_start - 1)));
  // Prior local employee cover ending `gap` months before the start month, `prior` months long.
  auto prior_cover = [&](int prior, int gap, bool back_pay_hole) {
    const Month last = start_month - gap - 1;
    const Month first = last - prior + 1;
    const Region dw = district();
    const UnitCode u = unit(dw);
    enroll(false, dw, Scheme::kEmployee, Category::kInService, first_day_of_month(first), last_day_of_month(last),
           EnrollStatus::kTerminated, u);
    employ(u, first_day_of_month(first), last_day_of_month(last));
    if (back_pay_hole) {
      // Months [last-7, last-4] only back-paid: the run before the start is 3 months.
      pay_emp(dw, u, first, last - 8);
      pay_back(dw, u, last - 7, last - 4, pay_day(last));
      pay_emp(dw, u, last - 3, last);
    } else {
      pay_emp(dw, u, first, last);
    }
  };
  Day start = first_day_of_month(start_month);
  switch (kind) {
    case 0:
    case 1: {  // employee: continuous → from the start month; or not → start + 6 months
      const bool continuous = kind == 0;
      const int gap = continuous ? rng_.range(0, 3) : rng_.range(5, 9);
      const int prior = continuous ? rng_.range(24, 96) : rng_.range(3, 60);
      if (start_month - gap - 1 - prior < month_of_day(years_after_birth(18))) return set_intent(State::kNone, ""), no_enr_dirt_ = false, false;
      prior_cover(prior, gap, false);
      if (!continuous && rng_.chance(0.5)) start += rng_.range(1, 20);
      p_.archetype = continuous ? "b_employee_continuous" : "b_employee_waiting";
      p_.intent_benefit = continuous ? start : add_months(start, 6);
      break;
    }
    case 2: {  // first job
      p_.archetype = "b_employee_first_job";
      start += rng_.range(0, 15);
      p_.intent_benefit = add_months(start, 6);
      break;
    }
    case 3: {  // resident starting 1 January, paid in the central period
      p_.archetype = "b_resident_central";
      start = ymd(y_, 1, 1);
      p_.intent_benefit = start;
      break;
    }
    case 4:
    case 5: {  // resident in-year with continuous prior cover / without
      const bool continuous = kind == 4;
      if (continuous) {
        const int prior = rng_.range(24, 96);
        const int gap = rng_.range(0, 3);
        if (start_month - gap - 1 - prior < month_of_day(years_after_birth(18))) return set_intent(State::kNone, ""), no_enr_dirt_ = false, false;
        prior_cover(prior, gap, false);
      }
      p_.archetype = continuous ? "b_resident_in_year_continuous" : "b_resident_in_year_new";
      break;
    }
    case 6: {  // resident on 1 January paid late, prior resident cover of three years
      p_.archetype = "b_resident_jan1_paid_late";
      start = ymd(y_, 1, 1);
      enroll(false, home, Scheme::kResident, Category::kAdult, ymd(y_ - 3, 1, 1), ymd(y_ - 1, 12, 31),
             EnrollStatus::kTerminated);
      for (int year = y_ - 3; year < y_; ++year) pay_res_year(home, year, central_paid_on(year));
      break;
    }
    default: {  // resident in-year whose prior cover is broken by back pay
      p_.archetype = "b_resident_back_pay_breaks";
      if (start_month - 1 - 40 < month_of_day(years_after_birth(18))) return set_intent(State::kNone, ""), no_enr_dirt_ = false, false;
      prior_cover(40, 1, true);
      break;
    }
  }
  const bool employee = kind <= 2;
  if (employee) {
    const Region dw = rng_.chance(0.7) ? home : district();
    const UnitCode u = unit(dw);
    const size_t idx = enroll(false, dw, Scheme::kEmployee, Category::kInService, start, kNoDay,
                              EnrollStatus::kActive, u);
    p_.intent_benefit_rid = p_.enr[idx].rid;
    employ(u, start);
    pay_emp(dw, u, month_of_day(start), emp_to());
  } else {
    const size_t idx = enroll(false, home, Scheme::kResident, Category::kAdult, start);
    p_.intent_benefit_rid = p_.enr[idx].rid;
    Day paid_on;
    if (kind == 3) paid_on = central_paid_on(y_);
    else if (kind == 6) paid_on = between(ymd(y_, 2, 1), ymd(y_, 3, 31));
    else paid_on = std::min(start + rng_.range(0, 9), d_ - 1);
    tax_row(Scheme::kResident, home, month_of_day(start), month_from_ym(y_, 12), paid_on, false, {});
    if (kind == 4 || kind == 6) p_.intent_benefit = paid_on + 1;
    if (kind == 5 || kind == 7) p_.intent_benefit = add_months(paid_on, 6);
  }
  home_ps(home);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dirty records: extra copies of the person's records whose ID (or a required field) is spoiled.

std::string with_check(std::string prefix17) { return prefix17 + id_check_char(std::stoull(prefix17)); }

void Builder::attach_dirt(Dirt dirt) {
  DirtySpec spec;
  const std::string id = p_.id_text();
  const Day d = d_;
  // Which feed receives the copy.
  std::vector<int> feeds;
  if (!no_enr_dirt_ && p_.intent_state != State::kNone && age_ >= 20 && !p_.enr.empty()) feeds.push_back(kFeedEnrollment);
  if (!p_.tax.empty()) feeds.push_back(kFeedTax);
  bool has_employment = false;
  for (const SHr& h : p_.hr) has_employment |= h.type == HrType::kEmployment;
  if (has_employment) feeds.push_back(kFeedHr);
  if (!p_.ps.empty()) feeds.push_back(kFeedPs);
  if (!p_.edu.empty()) feeds.push_back(kFeedEducation);
  if (!p_.dis.empty()) feeds.push_back(kFeedDisability);
  if (!p_.civ.empty()) feeds.push_back(kFeedCivil);
  if (dirt == Dirt::kBadField) feeds.erase(std::remove(feeds.begin(), feeds.end(), int{kFeedPs}), feeds.end());
  if (feeds.empty()) return;
  const int feed = feeds[rng_.below(static_cast<uint32_t>(feeds.size()))];

  switch (dirt) {
    case Dirt::kMissing:
      spec.reason = "missing";
      spec.id_present = false;
      break;
    case Dirt::kExcelSci: {
      spec.reason = "excel_mangled";
      spec.raw_id = id.substr(0, 1) + "." + id.substr(1, 5) + (rng_.chance(0.7) ? "E+17" : "e+17");
      break;
    }
    case Dirt::kExcelZero:
      spec.reason = "excel_mangled";
      spec.raw_id = id.substr(0, 15) + "000";
      break;
    case Dirt::kBadLength:
      spec.reason = "bad_length";
      spec.raw_id = rng_.chance(0.6) ? id.substr(0, 17) : id + std::to_string(rng_.below(10));
      break;
    case Dirt::kBadChar: {
      spec.reason = "bad_char";
      spec.raw_id = id;
      const size_t pos = 6 + rng_.below(11);
      static constexpr char kLetters[] = "OlIZSB";
      spec.raw_id[pos] = kLetters[rng_.below(6)];
      break;
    }
    case Dirt::kBadRegion: {
      spec.reason = "bad_region";
      static constexpr const char* kBad[] = {"20", "00", "39", "72", "80", "19"};
      spec.raw_id = with_check(kBad[rng_.below(6)] + id.substr(2, 15));
      break;
    }
    case Dirt::kBadBirth: {
      spec.reason = "bad_birthdate";
      std::string prefix = id.substr(0, 17);
      const uint32_t r = rng_.below(3);
      if (r == 0) prefix.replace(10, 4, "0230");                     // 30 February
      else if (r == 1) prefix.replace(6, 4, "1885");                 // before 1900
      else prefix.replace(6, 4, std::to_string(ymd_from_day(d).year + 1 + rng_.below(3)));  // future
      spec.raw_id = with_check(prefix);
      break;
    }
    case Dirt::kBadChecksum: {
      spec.reason = "bad_checksum";
      // A sequence of 900–999 is never issued: the prefix belongs to nobody.
      std::string prefix = id.substr(0, 14) + "9" + id.substr(15, 2);
      const char good = id_check_char(std::stoull(prefix));
      const char wrong = good == '1' ? '2' : '1';
      spec.raw_id = prefix + wrong;
      break;
    }
    case Dirt::kBadField:
      break;
    case Dirt::kLinkChecksum: {
      spec.kind = DirtKind::kLinkChecksum;
      const char good = id.back();
      static constexpr char kChars[] = "0123456789X";
      char wrong = kChars[rng_.below(11)];
      if (wrong == good) wrong = good == '5' ? '6' : '5';
      if (wrong == '0' && id[15] == '0' && id[16] == '0') wrong = good == '7' ? '8' : '7';
      spec.raw_id = id.substr(0, 17) + wrong;
      // A name spelled with extra spaces or another middle dot; same after normalisation.
      std::string name = p_.name;
      const size_t dot = name.find("·");
      if (dot != std::string::npos) name.replace(dot, std::string("·").size(), feed == kFeedPs ? "．" : (rng_.chance(0.5) ? "•" : "."));
      else name = (rng_.chance(0.5) ? " " : "") + name + (rng_.chance(0.5) ? "\xE3\x80\x80" : "  ");
      spec.name = name;
      break;
    }
    case Dirt::kLinkNameBirth:
      spec.kind = DirtKind::kLinkNameBirth;
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = rng_.chance(0.7);
      spec.sex_male = p_.male;
      break;
    case Dirt::kNbSexMismatch:
      spec.reason = "missing";
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = true;
      spec.sex_male = !p_.male;
      break;
    case Dirt::kAmbiguous:
      spec.reason = "ambiguous";
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = false;
      break;
    case Dirt::kNbGhost:
      spec.reason = "missing";
      spec.id_present = false;
      spec.with_birth = true;
      spec.with_sex = true;
      spec.sex_male = p_.male;
      spec.name = distinctive_name(1, p_.id.day_rank);
      break;
    default:
      return;
  }
  if (!spec.id_present && rng_.chance(0.4)) {
    // An empty id value rather than a missing key: same reason.
    spec.id_present = true;
    spec.raw_id.clear();
  }

  if (spec.kind == DirtKind::kQuarantine && !spec.raw_id.empty()) {
    // The spoiled ID must give exactly the planted reason (e.g. a zeroed tail can pass the check).
    const IdResult parsed = parse_citizen_id(spec.raw_id, d);
    if (id_reject_name(parsed.reject) != spec.reason) {
      spec.reason = "missing";
      spec.raw_id.clear();
    }
  }
  const int dirty_idx = static_cast<int>(p_.dirty.size());
  // Bad field: a required field garbled on a record with a valid ID.
  auto bad_field = [&](int field, const char* name) {
    spec.bad_field = field;
    spec.reason = std::string("bad_field:") + name;
    spec.raw_id = id;
  };
  switch (feed) {
    case kFeedEnrollment: {
      const SEnroll& src = p_.enr[rng_.below(static_cast<uint32_t>(p_.enr.size()))];
      // An old, terminated record (harmless when linked).
      const Day lo = std::max(years_after_birth(18), ymd(y_ - 25, 1, 1));
      const Day start = snap(between(lo, std::max(lo, d - 2500)));
      const Day end = std::min(start + rng_.range(200, 1500), d - 700);
      if (end <= start) return;
      if (dirt == Dirt::kBadField) {
        static constexpr int kFields[] = {CANBAO_F_REGION, CANBAO_F_SCHEME, CANBAO_F_RECORD_ID, CANBAO_F_STATUS, CANBAO_F_START};
        static constexpr const char* kNames[] = {"region", "scheme", "record_id", "status", "start"};
        const uint32_t k = rng_.below(5);
        bad_field(kFields[k], kNames[k]);
      }
      const size_t idx = enroll(src.np, src.region, src.scheme, src.category, start, end, EnrollStatus::kTerminated,
                                src.unit, Funded::kNone);
      p_.enr[idx].dirty = dirty_idx;
      break;
    }
    case kFeedTax: {
      STax copy = p_.tax[rng_.below(static_cast<uint32_t>(p_.tax.size()))];
      if (dirt == Dirt::kBadField) {
        static constexpr int kFields[] = {CANBAO_F_PAID_ON, CANBAO_F_FROM, CANBAO_F_SCHEME, CANBAO_F_REGION};
        static constexpr const char* kNames[] = {"paid_on", "from", "scheme", "region"};
        const uint32_t k = rng_.below(4);
        bad_field(kFields[k], kNames[k]);
      }
      copy.dirty = dirty_idx;
      p_.tax.push_back(copy);
      break;
    }
    case kFeedHr: {
      for (const SHr& h : p_.hr)
        if (h.type == HrType::kEmployment) {
          SHr copy = h;
          copy.dirty = dirty_idx;
          if (dirt == Dirt::kBadField) bad_field(CANBAO_F_TYPE, "type");
          p_.hr.push_back(copy);
          break;
        }
      break;
    }
    case kFeedPs: {
      SPs copy = p_.ps[0];
      copy.dirty = dirty_idx;
      p_.ps.push_back(copy);
      break;
    }
    case kFeedEducation: {
      SEdu copy = p_.edu[0];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) bad_field(CANBAO_F_SCHOOL, "school");
      p_.edu.push_back(copy);
      break;
    }
    case kFeedDisability: {
      SDis copy = p_.dis[0];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) bad_field(CANBAO_F_LEVEL, "level");
      p_.dis.push_back(copy);
      break;
    }
    case kFeedCivil: {
      SCiv copy = p_.civ[0];
      copy.dirty = dirty_idx;
      if (dirt == Dirt::kBadField) bad_field(CANBAO_F_CATEGORY, "category");
      p_.civ.push_back(copy);
      break;
    }
    default:
      return;
  }
  p_.dirty.push_back(std::move(spec));
}

}  // namespace

bool CityModel::init(const SynthOptions& options, std::string& error) {
  options_ = options;
  if (options.city != "350200") {
    error = "synth: only city 350200 (Xiamen) is modelled";
    return false;
  }
  const auto as_of = parse_date(options.as_of);
  if (!as_of) {
    error = "synth: bad as_of '" + options.as_of + "'";
    return false;
  }
  settings_.city = 350200;
  settings_.as_of = *as_of;
  if (options.persons == 0) {
    error = "synth: --persons must be at least 1";
    return false;
  }
  return ids_.init(options.persons, settings_.as_of, options.seed, error);
}

void CityModel::make_person(uint64_t index, SPerson& p) const {
  p.clear();
  p.index = index;
  p.id = ids_.map(index);
  p.male = id_is_male(p.id.key);
  Rng rng(options_.seed, index);
  Builder builder(*this, p, rng);
  builder.build();
}

}  // namespace canbao::synth
