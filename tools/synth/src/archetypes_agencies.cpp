// SPEC §9 agencies: market regulation (individual businesses: self-employed, home district after the
// employment region, R2 group self_employed) and health (birth and death certificates, the mother's
// home district for infants, newborns without ID for newborns.csv).
#include "archetypes_internal.h"

namespace canbao::synth {

// ---- market

void Builder::business(Region region, Day registered, MarketStatus status, Day closed) {
  SMarket m;
  m.unit = unit(region);
  m.region = region;
  m.registered = registered;
  m.status = status;
  m.closed = closed;
  m.status_written = status != MarketStatus::kActive || rng_.chance(0.75);
  p_.market.push_back(m);
}

void Builder::open_business(Region region) {
  const Day lo = std::max(years_after_birth(18), ymd(y_ - 15, 1, 1));
  const Day registered = between(lo, std::max(lo, d_ - 30));
  if (rng_.chance(0.1)) {
    // Cancelled or revoked with effect after d: still in business today.
    business(region, registered, rng_.chance(0.5) ? MarketStatus::kRevoked : MarketStatus::kCancelled,
             between(d_ + 5, d_ + 200));
  } else {
    business(region, rng_.chance(0.05) ? kNoDay : registered);
  }
}

void Builder::side_business(Region home) {
  const Region region = rng_.chance(0.8) ? home : district();
  const Day lo = std::max(years_after_birth(18), ymd(y_ - 15, 1, 1));
  const uint32_t r = rng_.below(100);
  if (r < 75 || lo > d_ - 400) return open_business(region);
  if (r < 90) {  // closed before d
    const Day registered = between(lo, d_ - 400);
    business(region, registered, rng_.chance(0.7) ? MarketStatus::kCancelled : MarketStatus::kRevoked,
             between(registered + 60, d_ - 10));
  } else if (r < 95) {  // registered after d: not yet in business
    business(region, between(d_ + 3, d_ + 60));
  } else {  // cancelled, no closing date written
    business(region, between(lo, d_ - 400), MarketStatus::kCancelled);
  }
}

void Builder::migrant_ps() {
  SPs r;
  const Region idr = p_.id.id_region;
  r.hukou = idr < 900000 && !s_.is_local(idr) ? idr : other();
  r.address = make_address(rng_, district());
  r.status_written = rng_.chance(0.3);
  p_.ps.push_back(r);
}

void Builder::self_employed_case(Region home, bool lapsed, bool& with_ps, Region& ps_home) {
  static constexpr const char* kNames[][2] = {
      {"uninsured_self_employed", "uninsured_self_employed_lapsed"},
      {"uninsured_self_employed_market_only", "uninsured_self_employed_market_only_lapsed"},
      {"uninsured_self_employed_migrant", "uninsured_self_employed_migrant_lapsed"},
      {"uninsured_self_employed_two_businesses", "uninsured_self_employed_two_businesses_lapsed"},
      {"uninsured_self_employed_closing", "uninsured_self_employed_closing_lapsed"},
      {"uninsured_self_employed_elsewhere", "uninsured_self_employed_elsewhere_lapsed"},
      {"uninsured_self_employed_pensioner", "uninsured_self_employed_pensioner_lapsed"},
  };
  const uint32_t r = rng_.below(100);
  const Region region = rng_.chance(0.75) ? home : district();
  int kind = 0;
  if (r < 40) {
    open_business(region);
  } else if (r < 52) {  // known only to market regulation: the business gives the home district
    kind = 1;
    with_ps = false;
    open_business(home);
  } else if (r < 62) {  // registered elsewhere, no local code at public security
    kind = 2;
    with_ps = false;
    migrant_ps();
    open_business(home);
  } else if (r < 70) {
    // Two businesses: the channel is the first self-employed one (feed order, then line) — the
    // second when the first was cancelled before d, else the first.
    kind = 3;
    const Day lo = std::max(years_after_birth(18), ymd(y_ - 15, 1, 1));
    const Day registered = between(lo, std::max(lo, d_ - 800));
    if (rng_.chance(0.6))
      business(district(), registered, rng_.chance(0.6) ? MarketStatus::kCancelled : MarketStatus::kRevoked,
               between(registered + 100, d_ - 400));
    else
      business(district(), registered);
    open_business(region);
  } else if (r < 78) {  // cancelled or revoked with effect after d
    kind = 4;
    const Day lo = std::max(years_after_birth(18), ymd(y_ - 15, 1, 1));
    business(region, between(lo, std::max(lo, d_ - 30)),
             rng_.chance(0.5) ? MarketStatus::kRevoked : MarketStatus::kCancelled, between(d_ + 5, d_ + 200));
  } else if (r < 88) {  // a business in another city: self-employed, no home district from it
    kind = 5;
    open_business(other());
  } else if (age_ >= (p_.male ? 61 : 56) && age_ <= 85) {  // self_employed comes before pensioner
    kind = 6;
    pension(home, retirement_day(), PensionStatus::kReceiving);
    open_business(region);
  } else {
    open_business(region);
  }
  ps_home = home;
  if (lapsed) {
    // Flexible employment enrollment (灵活就业) ended within the last year.
    const Day start = hire_date(ymd(y_ - 2, 1, 1));
    const Day end = between(d_ - 330, d_ - 30);
    enroll(false, home, Scheme::kEmployee, Category::kFlexible, start, end, EnrollStatus::kTerminated);
    pay_emp(home, {}, std::max(month_of_day(start), month_from_ym(y_ - 1, 1)), month_of_day(end));
  }
  p_.archetype = kNames[kind][lapsed ? 1 : 0];
}

// ---- health

std::string Builder::birth_cert(uint32_t k) const {
  // 出生医学证明编号-like: a letter and 10 digits, a bijection of (person index, k < 8).
  const uint64_t serial = p_.index * 8 + (k & 7);
  const uint64_t code = (serial * 6364136223ULL + 1442695ULL) % 10000000000ULL;
  std::string digits = std::to_string(code);
  return "Q" + std::string(10 - digits.size(), '0') + digits;
}

SHealth Builder::birth_of_self(const MotherInfo* mother, Region hospital) {
  SHealth h;
  h.cert = birth_cert(next_cert_++);
  h.birth = p_.id.birth;
  if (mother) {
    h.mother = format_citizen_id(mother->key);
    if (h.mother.back() == 'X' && rng_.chance(0.2)) h.mother.back() = 'x';
    h.mother_known = true;
    h.mother_home = mother->home;
  }
  h.region = hospital;
  return h;
}

void Builder::birth_records(const MotherInfo* mother, bool needed, bool id_needed) {
  const uint32_t r = rng_.below(100);
  if (!needed && r < 5) return;  // born elsewhere: no local certificate
  SHealth h = birth_of_self(mother, district());
  if (r >= 5 && r < 12) {
    // Delivered first without ID under a name nobody bears (the child was not named yet), then
    // with the ID and the same birth_cert: the child is a person, not a newborn without ID.
    SHealth first = h;
    first.foreign = true;
    first.name = mother ? mother->name + (p_.male ? "之子" : "之女") : std::string("婴儿");
    first.sex = rng_.chance(0.9) ? static_cast<int8_t>(p_.male) : int8_t{-1};
    p_.health.push_back(std::move(first));
  } else if (nb_link_ && !id_needed) {
    // Without ID: the distinctive name and the birth date link it to the child (name_birth).
    DirtySpec spec;
    spec.kind = DirtKind::kLinkNameBirth;
    spec.id_present = false;
    spec.with_birth = true;
    spec.with_sex = rng_.chance(0.7);
    spec.sex_male = p_.male;
    h.dirty = static_cast<int>(p_.dirty.size());
    p_.dirty.push_back(std::move(spec));
  }
  p_.health.push_back(std::move(h));
}

bool Builder::death_record(Day death) {
  const bool recent = death >= d_ - 1095;
  if (!rng_.chance(recent ? 0.85 : 0.3)) return false;
  SHealth h;
  h.death = true;
  h.death_date = death;
  h.region = district();
  p_.health.push_back(std::move(h));
  if (!recent || !rng_.chance(0.25)) return false;
  // Public security has not heard of it yet: the death certificate is the only trace.
  SPs& r = p_.ps.back();
  r.status = PsStatus::kNormal;
  r.death = kNoDay;
  r.status_written = rng_.chance(0.3);
  return true;
}

void Builder::newborn_without_id() {
  const std::string cert = birth_cert(next_cert_++);
  const bool male = rng_.chance(0.51);
  const Day birth = between(d_ - 75, d_);
  auto record = [&](bool with_mother) {
    SHealth h;
    h.foreign = true;
    h.cert = cert;
    h.sex = rng_.chance(0.92) ? static_cast<int8_t>(male) : int8_t{-1};
    const uint32_t n = rng_.below(100);
    h.name = n < 85 ? newborn_name(rng_) : n < 95 ? p_.name + (male ? "之子" : "之女") : std::string();
    h.birth = birth;
    if (with_mother) {
      h.mother = p_.id_text();
      if (h.mother.back() == 'X' && rng_.chance(0.2)) h.mother.back() = 'x';
      h.mother_self = true;
    }
    h.region = district();
    return h;
  };
  const uint32_t r = rng_.below(100);
  if (r < 60) {  // her own child: her home district, her community
    p_.health.push_back(record(true));
    ++p_.intent_newborns;
  } else if (r < 72) {  // no mother on record: the hospital
    SHealth h = record(false);
    if (rng_.chance(0.25)) h.region = 0;  // nor a hospital region: `hospital:`
    p_.health.push_back(std::move(h));
    ++p_.intent_newborns;
  } else if (r < 80) {  // a mother nobody knows (a sequence 900–999 is never issued)
    SHealth h = record(false);
    const std::string id = p_.id_text();
    h.mother = id_with_check(id.substr(0, 14) + std::to_string(900 + rng_.below(100)));
    p_.health.push_back(std::move(h));
    ++p_.intent_newborns;
  } else if (r < 90) {  // born more than 365 days ago: no row
    SHealth h = record(rng_.chance(0.7));
    h.birth = between(d_ - 730, d_ - 367);
    p_.health.push_back(std::move(h));
  } else {  // delivered twice without ID: the later record is the one that counts
    p_.health.push_back(record(rng_.chance(0.5)));
    p_.health.push_back(record(rng_.chance(0.7)));
    ++p_.intent_newborns;
  }
}

void Builder::ambiguous_birth() {
  MotherInfo mother;
  const bool with_mother = m_.pick_mother(p_.index, mother);
  SHealth h = birth_of_self(with_mother ? &mother : nullptr, district());
  h.foreign = true;
  h.name = p_.name;
  h.sex = -1;
  p_.health.push_back(std::move(h));
  ++p_.intent_newborns;
  p_.archetype = "bg_newborn_ambiguous_birth";
}

}  // namespace canbao::synth
