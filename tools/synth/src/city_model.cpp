// The city model and the archetype dispatch (all of SPEC §5 R1–R8 plants start here): CityModel::init,
// CityModel::make_person and Builder::build, which picks a person's archetype family and dirt.
// Every person is built from its own counter-based stream, so the city can be generated in any order.
// An archetype records what it means to plant (SPerson::intent_*); the generator checks that the
// oracle, applying the SPEC to the records, reaches exactly that.
#include "archetypes_internal.h"

namespace canbao::synth {

namespace {

// Uninsured share by district relative to the city's (the island districts do better than the
// outer ones, so the annual plan has gaps to close); weighted mean 1.
constexpr double kUninsuredFactor[6] = {0.6 / 1.1275, 0.9 / 1.1275, 0.75 / 1.1275,
                                        1.0 / 1.1275, 1.7 / 1.1275, 2.1 / 1.1275};
double uninsured_factor(Region district) {
  for (int k = 0; k < 6; ++k)
    if (kDistricts[k] == district) return kUninsuredFactor[k];
  return 1.0;
}

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

// Women aged 20–45 among all persons (the age pyramid of id_map.cpp): newborn_no_id_rate is a
// share of all persons, planted by these women's blocks.
constexpr double kWomen20to45 = 0.23;

// Infants whose birth record comes without ID and links by name_birth.
constexpr double kBirthLinkShare = 0.06;

// Infants at an even permutation position that lead an ambiguous pair (when the next position is
// born the same day).
constexpr double kInfantPairRate = 0.1;

}  // namespace

void Builder::build() {
  const SynthOptions& o = m_.options();
  // Ambiguous pairs: two persons born the same day at consecutive permutation positions share a
  // distinctive name; the first carries a record without ID with name and birth but no sex, which
  // matches both (quarantine `ambiguous`). Either member can tell its role from (seed, index).
  {
    const IdMapper& ids = m_.ids();
    const uint64_t n = ids.persons();
    // Infants pair more often: their pair's birth record without ID (SPEC §9) is a newborn
    // without ID, never `ambiguous`.
    auto leader_at = [&](uint64_t position) {
      if (position % 2 != 0 || position + 1 >= n) return false;
      // Same-day neighbours are rare in small cities: try more often there.
      double rate = std::min(0.05, o.dirty_rate * 0.2 * (1.0 + 36500.0 / static_cast<double>(n)));
      if (position >= m_.first_infant_position()) rate = kInfantPairRate;
      if (!Rng(o.seed, ids.index_at(position), 2).chance(rate)) return false;
      return ids.day_of_position(position) == ids.day_of_position(position + 1);
    };
    const uint64_t pos = p_.id.perm;
    const bool leader = leader_at(pos);
    const bool follower = !leader && pos % 2 == 1 && leader_at(pos - 1);
    if (leader || follower) {
      p_.name = distinctive_name(0, leader ? p_.id.day_rank : p_.id.day_rank - 1);
      background(district());
      if (leader && age_ < 1 && p_.id.birth >= d_ - 360 && rng_.chance(0.7)) ambiguous_birth();
      else if (leader) attach_dirt(Dirt::kAmbiguous);
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
  nb_link_ = age_ < 1 && rng_.chance(kBirthLinkShare);
  if (dirt_ == Dirt::kLinkNameBirth || dirt_ == Dirt::kNbSexMismatch || nb_link_)
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
  // SPEC §9: a woman's block plants the births without ID (mostly her own children).
  bool dead = false;
  for (const SPs& r : p_.ps) dead |= r.status != PsStatus::kNormal || r.death != kNoDay;
  for (const SHealth& h : p_.health) dead |= h.death;
  if (!p_.male && age_ >= 20 && age_ <= 45 && !dead && rng_.chance(o.newborn_no_id_rate / kWomen20to45))
    newborn_without_id();
  if (dirt_ == Dirt::kNone && rng_.chance(o.health_dirty_rate)) {
    bool own_health = false;
    for (const SHealth& h : p_.health) own_health |= !h.foreign && h.dirty < 0;
    if (own_health) dirt_ = Dirt::kHealthBad;
  }
  if (dirt_ != Dirt::kNone) attach_dirt(dirt_);
}

bool CityModel::pick_mother(uint64_t index, MotherInfo& mother) const {
  uint64_t lo = 0, hi = 0;
  const Day d = settings_.as_of;
  ids_.positions_born(add_months(d, -12 * 45) + 1, add_months(d, -12 * 20), lo, hi);
  if (hi <= lo) return false;
  Rng rng(options_.seed, index, 4);
  // Per thread, reused (a mother is an adult: building her never picks a mother in turn).
  thread_local SPerson candidate;
  thread_local Outcome outcome;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const uint64_t pos = lo + static_cast<uint64_t>(rng.unit() * static_cast<double>(hi - lo));
    const uint64_t at = ids_.index_at(std::min(pos, hi - 1));
    if (id_is_male(ids_.map(at).key)) continue;
    make_person(at, candidate);
    evaluate(candidate, settings_, outcome);
    if (!outcome.alive || outcome.home == 0) continue;
    mother.key = candidate.id.key;
    mother.home = outcome.home;
    mother.name = candidate.name;
    return true;
  }
  return false;
}

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
  if (!as_of_in_range(*as_of)) {
    error = "synth: as_of '" + options.as_of + "' is outside " + std::string(kAsOfRangeText);
    return false;
  }
  settings_.city = 350200;
  settings_.as_of = *as_of;
  if (options.persons == 0) {
    error = "synth: --persons must be at least 1";
    return false;
  }
  if (!ids_.init(options.persons, settings_.as_of, options.seed, error)) return false;
  uint64_t last = 0;  // positions are in birth order: the infants (under 1 at d) come last
  ids_.positions_born(add_months(settings_.as_of, -12) + 1, settings_.as_of, first_infant_, last);
  return true;
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
