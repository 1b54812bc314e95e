// The synthetic city's oracle on hand-made persons, for the SPEC §9 additions: alive by a health
// death certificate, self-employed (market statuses and dates), the home district order (employment,
// self-employed region, school, then for infants the mother's), the R2 group order with
// self_employed, and the newborns.csv rows of births without ID (latest record per birth_cert,
// the 365-day window, the child's own record with the same birth_cert, mother known or not).
#include <gtest/gtest.h>

#include "canbao/core/text.h"
#include "canbao/identity/citizen_id.h"
#include "synth_internal.h"

namespace canbao {
namespace {

using synth::Outcome;
using synth::SPerson;

const Day kAsOf = *parse_date("2026-11-22");

Day day(const char* text) { return *parse_date(text); }

synth::Settings settings() {
  synth::Settings s;
  s.as_of = kAsOf;
  return s;
}

/// A person with the given 17-digit ID prefix (check character computed), no records.
SPerson person(const std::string& prefix17) {
  SPerson p;
  p.id.key = parse_citizen_id(prefix17 + id_check_char(std::stoull(prefix17)), kAsOf).key;
  EXPECT_NE(p.id.key, kNoPerson) << prefix17;
  p.id.birth = id_birth(p.id.key);
  p.male = id_is_male(p.id.key);
  p.name = "林晓";
  return p;
}

synth::SPs residence(Region home) {
  synth::SPs r;
  r.hukou = home;
  r.residence = home;
  return r;
}

synth::SPs hukou_elsewhere() {
  synth::SPs r;
  r.hukou = 440106;
  return r;
}

synth::SMarket business(Region region, const char* registered, MarketStatus status = MarketStatus::kActive,
                        const char* closed = nullptr, uint32_t num = 7) {
  synth::SMarket m;
  m.unit = synth::UnitCode{region, num};
  m.region = region;
  m.registered = registered ? day(registered) : kNoDay;
  m.status = status;
  m.closed = closed ? day(closed) : kNoDay;
  return m;
}

synth::SHealth birth_record(const SPerson& child, const std::string& cert, const std::string& mother = {},
                            Region mother_home = 0) {
  synth::SHealth h;
  h.cert = cert;
  h.birth = child.id.birth;
  h.mother = mother;
  h.mother_known = !mother.empty() && mother_home != 0;
  h.mother_home = mother_home;
  h.region = 350206;
  return h;
}

synth::SHealth newborn(const std::string& cert, const char* birth, const std::string& mother = {}) {
  synth::SHealth h;
  h.foreign = true;
  h.cert = cert;
  h.name = "陈睿诺";
  h.sex = 1;
  h.birth = day(birth);
  h.mother = mother;
  h.region = 350203;
  return h;
}

Outcome run(const SPerson& p) {
  Outcome o;
  synth::evaluate(p, settings(), o);
  return o;
}

// ---- alive

TEST(SynthOracle, ADeathCertificateDatedByDMakesThePersonNotAlive) {
  SPerson p = person("35020319600101123");
  p.ps.push_back(residence(350203));
  synth::SHealth death;
  death.death = true;
  death.death_date = day("2026-10-01");
  p.health.push_back(death);
  Outcome o = run(p);
  EXPECT_FALSE(o.alive);
  EXPECT_FALSE(o.target);
  EXPECT_EQ(o.home, 350203);  // still has a home district, but is not in the target population

  p.health[0].death_date = day("2026-11-22");  // on d: not alive
  EXPECT_FALSE(run(p).alive);
  p.health[0].death_date = day("2026-11-23");  // after d: alive
  EXPECT_TRUE(run(p).alive);
  p.health[0].death = false;  // a birth record of the person says nothing about death
  p.health[0].death_date = kNoDay;
  EXPECT_TRUE(run(p).alive);
}

// ---- self-employed

TEST(SynthOracle, SelfEmployedByStatusAndDates) {
  struct Case {
    const char* registered;
    MarketStatus status;
    const char* closed;
    bool self_employed;
  } cases[] = {
      {"2020-05-01", MarketStatus::kActive, nullptr, true},
      {nullptr, MarketStatus::kActive, nullptr, true},                  // registered_on absent = open
      {"2026-11-22", MarketStatus::kActive, nullptr, true},             // registered on d
      {"2026-11-23", MarketStatus::kActive, nullptr, false},            // not yet
      {"2020-05-01", MarketStatus::kCancelled, "2026-03-01", false},    // 注销 before d
      {"2020-05-01", MarketStatus::kRevoked, "2026-11-22", false},      // 吊销 on d
      {"2020-05-01", MarketStatus::kRevoked, "2026-12-31", true},       // closing after d
      {"2020-05-01", MarketStatus::kCancelled, nullptr, false},         // cancelled, no date
      {"2026-12-01", MarketStatus::kCancelled, "2027-03-01", false},    // registered after d
  };
  for (const Case& c : cases) {
    SPerson p = person("35020319800101123");
    p.ps.push_back(residence(350203));
    p.market.push_back(business(350203, c.registered, c.status, c.closed));
    const Outcome o = run(p);
    EXPECT_EQ(o.self_employed, c.self_employed) << (c.registered ? c.registered : "-") << " " << int(c.status);
    EXPECT_TRUE(o.ambiguity.empty()) << o.ambiguity;
    // Never insured: the R2 group follows.
    EXPECT_EQ(o.group, c.self_employed ? "self_employed" : "other");
  }
}

TEST(SynthOracle, SelfEmployedOutreachUsesTheFirstSelfEmployedRecord) {
  SPerson p = person("35020319800101123");
  p.ps.push_back(residence(350203));
  p.market.push_back(business(350205, "2015-01-01", MarketStatus::kCancelled, "2020-01-01", 1));  // closed
  p.market.push_back(business(350206, "2021-01-01", MarketStatus::kActive, nullptr, 2));
  p.market.push_back(business(350211, "2022-01-01", MarketStatus::kActive, nullptr, 3));
  const Outcome o = run(p);
  EXPECT_EQ(o.state, synth::State::kNever);
  EXPECT_EQ(o.group, "self_employed");
  EXPECT_EQ(o.suggested_scheme, "employee");
  EXPECT_EQ(o.channel, "business:" + synth::business_text(synth::UnitCode{350206, 2}));
}

// ---- home district order

TEST(SynthOracle, HomeDistrictFromTheBusinessAfterEmploymentBeforeSchool) {
  SPerson p = person("44010619990101123");
  p.ps.push_back(hukou_elsewhere());
  synth::SEdu school;
  school.school = 12;
  school.region = 350211;
  school.level = EduLevel::kUniversity;
  school.entry_year = 2024;
  p.edu.push_back(school);
  EXPECT_EQ(run(p).home, 350211);  // the school's
  p.market.push_back(business(440106, "2024-01-01"));  // a business in another city: no district
  EXPECT_EQ(run(p).home, 350211);
  EXPECT_TRUE(run(p).ambiguity.empty());
  p.market[0] = business(350213, "2024-01-01");  // a local one: before the school
  Outcome o = run(p);
  EXPECT_EQ(o.home, 350213);
  EXPECT_EQ(o.group, "student");  // but student comes before self_employed in R2
  // Several self-employed records of different regions: the SPEC names one "self-employed
  // region"; flagged, never planted.
  p.market.push_back(business(350212, "2025-01-01"));
  EXPECT_FALSE(run(p).ambiguity.empty());
  p.market.pop_back();
  synth::SHr job;
  job.type = HrType::kEmployment;
  job.unit = synth::UnitCode{350205, 9};
  job.region = 350205;
  job.start = day("2025-07-01");
  p.hr.push_back(job);
  o = run(p);
  EXPECT_EQ(o.home, 350205);  // the employment's comes first
  EXPECT_EQ(o.group, "student");
  p.edu.clear();
  EXPECT_EQ(run(p).group, "employed");  // employed before self_employed
  p.ps[0] = residence(350203);
  EXPECT_EQ(run(p).home, 350203);  // public security before all
}

TEST(SynthOracle, GroupOrderPutsSelfEmployedBetweenEmployedAndPensioner) {
  SPerson p = person("35020319580101123");
  p.ps.push_back(residence(350203));
  synth::SHr pension;
  pension.type = HrType::kPension;
  pension.region = 350203;
  pension.start = day("2018-02-01");
  pension.pension = PensionStatus::kReceiving;
  p.hr.push_back(pension);
  EXPECT_EQ(run(p).group, "pensioner");
  p.market.push_back(business(350203, "2019-01-01"));
  EXPECT_EQ(run(p).group, "self_employed");
  synth::SDis dis;
  dis.level = 2;
  dis.region = 350203;
  p.dis.push_back(dis);
  EXPECT_EQ(run(p).group, "assisted");
}

TEST(SynthOracle, InfantTakesTheMothersHomeDistrictWhenNothingElseGivesOne) {
  SPerson baby = person("35021120260610290");
  const std::string mother = "350211199405064805";
  baby.health.push_back(birth_record(baby, "Q1", mother, 350211));
  Outcome o = run(baby);
  EXPECT_EQ(o.home, 350211);
  EXPECT_TRUE(o.target);
  EXPECT_EQ(o.state, synth::State::kNever);
  EXPECT_EQ(o.group, "newborn");
  EXPECT_EQ(o.channel, "community:350211");
  EXPECT_TRUE(o.newborns.empty());

  // Public security with only a hukou elsewhere: still the mother's.
  baby.ps.push_back(hukou_elsewhere());
  EXPECT_EQ(run(baby).home, 350211);
  // A local residence comes first.
  baby.ps[0] = residence(350206);
  EXPECT_EQ(run(baby).home, 350206);
  baby.ps.clear();
  // The first birth record carrying a mother_id decides.
  baby.health.insert(baby.health.begin(), birth_record(baby, "Q0"));  // no mother_id
  baby.health.push_back(birth_record(baby, "Q2", "350212199108198782", 350212));
  EXPECT_EQ(run(baby).home, 350211);
  // An unknown mother gives none: not in the target population.
  baby.health = {birth_record(baby, "Q1", mother, 0)};
  baby.health[0].mother_known = false;
  baby.ps.push_back(hukou_elsewhere());
  o = run(baby);
  EXPECT_EQ(o.home, 0);
  EXPECT_FALSE(o.target);

  // Over a year old: no mother step.
  SPerson child = person("35021120240610290");
  child.health.push_back(birth_record(child, "Q3", mother, 350211));
  child.ps.push_back(hukou_elsewhere());
  EXPECT_EQ(run(child).home, 0);
}

// ---- newborns.csv

TEST(SynthOracle, NewbornsWithoutIdGiveOneRowPerBirthCertInTheWindow) {
  SPerson mum = person("35021219910819878");
  mum.ps.push_back(residence(350212));
  const std::string mum_id = mum.id_text();
  mum.health.push_back(newborn("Q100", "2026-10-01", mum_id));
  mum.health.back().mother_self = true;
  mum.health.push_back(newborn("Q101", "2026-10-02"));  // no mother_id: the hospital
  mum.health.push_back(newborn("Q102", "2026-10-03"));
  mum.health.back().region = 0;                          // nor a region: `hospital:`
  mum.health.push_back(newborn("Q103", "2025-11-23"));  // d - 364: in the window
  mum.health.push_back(newborn("Q104", "2025-11-22"));  // d - 365: out
  mum.health.push_back(newborn("Q105", "2026-11-23"));  // after d: out
  const std::string stranger = "35021219910819899" + std::string(1, id_check_char(35021219910819899ULL));
  mum.health.push_back(newborn("Q106", "2026-09-01", stranger));  // a valid ID nobody holds
  mum.health.push_back(newborn("Q107", "2026-09-02", mum_id));  // delivered twice: the later counts
  mum.health.back().mother_self = true;
  mum.health.push_back(newborn("Q107", "2026-09-02"));
  mum.health.back().name = "陈睿瑾";
  const Outcome o = run(mum);
  ASSERT_EQ(o.newborns.size(), 6u);
  const std::string masked = mask_id(mum_id);
  EXPECT_EQ(o.newborns[0].cert, "Q100");
  EXPECT_EQ(o.newborns[0].home, "350212");
  EXPECT_EQ(o.newborns[0].channel, "community:350212");
  EXPECT_EQ(o.newborns[0].mother_masked, masked);
  EXPECT_EQ(o.newborns[0].sex, "M");
  EXPECT_EQ(o.newborns[0].birth, "2026-10-01");
  EXPECT_EQ(o.newborns[1].channel, "hospital:350203");
  EXPECT_EQ(o.newborns[1].home, "");
  EXPECT_EQ(o.newborns[1].mother_masked, "");
  EXPECT_EQ(o.newborns[2].channel, "hospital:");
  EXPECT_EQ(o.newborns[3].cert, "Q103");
  EXPECT_EQ(o.newborns[4].cert, "Q106");
  EXPECT_EQ(o.newborns[4].channel, "hospital:350203");
  EXPECT_EQ(o.newborns[4].mother_masked, mask_id(stranger));
  EXPECT_EQ(o.newborns[5].cert, "Q107");
  EXPECT_EQ(o.newborns[5].name, "陈睿瑾");
  EXPECT_EQ(o.newborns[5].channel, "hospital:350203");  // the later record has no mother_id
  // The newborns are no records of their mother: she stays as she was.
  EXPECT_EQ(o.home, 350212);
  EXPECT_TRUE(o.alive);
}

TEST(SynthOracle, AMotherWithoutHomeDistrictSendsTheNewbornToTheHospital) {
  SPerson mum = person("35021219910819878");
  mum.ps.push_back(hukou_elsewhere());  // known, no local code
  mum.health.push_back(newborn("Q200", "2026-10-01", mum.id_text()));
  mum.health.back().mother_self = true;
  const Outcome o = run(mum);
  ASSERT_EQ(o.newborns.size(), 1u);
  EXPECT_EQ(o.newborns[0].home, "");
  EXPECT_EQ(o.newborns[0].channel, "hospital:350203");
  EXPECT_EQ(o.newborns[0].mother_masked, mask_id(mum.id_text()));
}

TEST(SynthOracle, TheChildsOwnBirthRecordWithTheSameBirthCertEndsTheNewbornRow) {
  SPerson baby = person("35020520260814753");
  baby.ps.push_back(residence(350205));
  baby.health.push_back(newborn("Q300", "2026-08-14"));   // delivered first without ID
  baby.health.push_back(birth_record(baby, "Q300"));      // then with the ID
  EXPECT_TRUE(run(baby).newborns.empty());
  // A quarantined copy does not count.
  baby.health[1].dirty = 0;
  synth::DirtySpec quarantined;
  quarantined.reason = "bad_field:kind";
  baby.dirty.push_back(quarantined);
  EXPECT_EQ(run(baby).newborns.size(), 1u);
  // A birth record without ID linked by name_birth does.
  baby.dirty[0].kind = synth::DirtKind::kLinkNameBirth;
  EXPECT_TRUE(run(baby).newborns.empty());
}

}  // namespace
}  // namespace canbao
