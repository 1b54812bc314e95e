// Internals of the archetypes (tools/synth/src/archetypes_*.cpp, city_model.cpp): the city's
// district and region tables, the kinds of dirty record, and Builder, which fills one SPerson from
// its counter-based stream. Each archetype family defines its Builder members in its own file.
// Not installed.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <iterator>

#include "synth_internal.h"

namespace canbao::synth {

/// A valid ID from its first 17 digits.
inline std::string id_with_check(const std::string& prefix17) {
  return prefix17 + id_check_char(std::stoull(prefix17));
}

constexpr Region kDistricts[6] = {350203, 350205, 350206, 350211, 350212, 350213};
constexpr int kDistrictWeights[6] = {20, 11, 19, 20, 16, 14};
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
  kHealthBad,  // a health copy quarantined for a health field (kind, birth_cert, birth, death_date) or no ID
};

/// Builds one person: build() picks the archetype family from the person's stream and the
/// family's member (defined in archetypes_<family>.cpp) plants its records and intent.
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

  // ---- SPEC §9 agencies (archetypes_agencies.cpp)
  /// An individual business of the person (market).
  void business(Region region, Day registered, MarketStatus status = MarketStatus::kActive, Day closed = kNoDay);
  /// Registered before d and still in business (active or closing after d).
  void open_business(Region region);
  /// Some adults run a business beside whatever they do (its status varies, open or not).
  void side_business(Region home);
  /// Public security: a migrant registered elsewhere, with no local code (hukou only).
  void migrant_ps();
  /// The k-th birth_cert written by this person's block (unique in the city).
  std::string birth_cert(uint32_t k) const;
  SHealth birth_of_self(const MotherInfo* mother, Region hospital);
  /// The health birth record(s) of an infant of the ID mapping, with `mother` as mother_id (none:
  /// no mother_id). `needed`: there is a record; `id_needed`: it carries the ID (nothing else
  /// makes the child known).
  void birth_records(const MotherInfo* mother, bool needed, bool id_needed);
  /// The death certificate of a deceased person; true when it is the only trace of the death
  /// (public security not told yet).
  bool death_record(Day death);
  /// A child born here without ID yet, planted by a woman's block (mostly her own child).
  void newborn_without_id();
  /// The leader of an infant ambiguous pair: its birth record without ID and without sex matches
  /// both (name and birth): a newborn without ID, not `ambiguous` (SPEC §9).
  void ambiguous_birth();
  void self_employed_case(Region home, bool lapsed, bool& with_ps, Region& ps_home);

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
  void background_archetype(Region home);
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
  bool nb_link_ = false;    // an infant whose birth record comes without ID, linked by name_birth
  uint32_t next_cert_ = 0;  // birth_certs written by this block
};

}  // namespace canbao::synth
