// SPEC §9 health commission (卫生健康): a death record in §4 alive, and the last step of the §4
// home district for a person under 1 year — the mother's home district (the mother_id of the
// person's first birth record that carries one; her district from her own records) — checked
// through evaluate_person(), home_district_of() and mother_key().
#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

constexpr std::string_view kMother = "35020319900101020";  // 17 digits; registered in 350205 below

TestPerson mother() {
  TestPerson m(kMother);
  m.ps(350205);
  return m;
}

MotherDistricts districts_of(const TestPerson& m) {
  MotherDistricts mothers;
  mothers.add(m.view.key, home_district_of(m.view, xiamen()));
  mothers.finish();
  return mothers;
}

TEST(RulesHealth, DeathRecordOnOrBeforeDMakesNotAlive) {  // §9 §4 additions: alive
  TestPerson p("35020619600303031");
  insured_employee(p);
  p.death_record("2026-11-22");  // d itself
  const TestOutcome out = p.run();
  EXPECT_FALSE(out.typed.alive);
  EXPECT_FALSE(out.typed.target);
  EXPECT_NE(out.actions.find("terminate_deceased"), std::string::npos) << out.actions;  // R8
  TestPerson q("35020619600303031");
  insured_employee(q);
  q.death_record("2026-11-23");  // after d
  EXPECT_TRUE(q.run().typed.alive);
  TestPerson r("35020619600303031");
  insured_employee(r);
  r.birth_record("C1");  // a birth record never makes anyone dead
  EXPECT_TRUE(r.run().typed.alive);
}

TEST(RulesHealth, UnderOneTakesTheMothersHomeDistrict) {  // §9 home district, last step
  const TestPerson m = mother();
  EXPECT_EQ(home_district_of(m.view, xiamen()), 350205);
  const MotherDistricts mothers = districts_of(m);
  TestPerson child("35020620260610066");
  child.birth_record("Q1", m.id);
  EXPECT_EQ(mother_key(child.view, xiamen()), m.view.key);
  const TestOutcome out = child.run(xiamen(), &mothers);
  EXPECT_EQ(out.typed.home_district, 350205);
  EXPECT_TRUE(out.typed.target);
  EXPECT_EQ(out.outreach, child.id + ",张三,350205,,never,newborn,resident,community:350205\n");
  // Without the mothers' districts the step finds nothing: not a target.
  EXPECT_FALSE(child.run().typed.target);
}

TEST(RulesHealth, MotherStepOnlyUnderOneAndOnlyLast) {  // §9: under 1 year; after the school region
  const TestPerson m = mother();
  const MotherDistricts mothers = districts_of(m);
  TestPerson one_year("35020620251122034");  // born exactly one year before d
  one_year.birth_record("Q2", m.id);
  EXPECT_EQ(mother_key(one_year.view, xiamen()), kNoPerson);
  EXPECT_EQ(one_year.run(xiamen(), &mothers).typed.home_district, kNoRegion);
  TestPerson own("35020620260606071");
  own.ps(350203);  // the child's own residence comes first
  own.birth_record("Q3", m.id);
  EXPECT_EQ(own.run(xiamen(), &mothers).typed.home_district, 350203);
}

TEST(RulesHealth, FirstBirthRecordCarryingAMotherIdCounts) {  // §9: the first that carries one
  const TestPerson m = mother();
  TestPerson other(std::string_view("35020319910202031"));
  other.ps(350211);
  MotherDistricts mothers;
  mothers.add(m.view.key, 350205);
  mothers.add(other.view.key, home_district_of(other.view, xiamen()));
  mothers.finish();
  TestPerson child("35020620260707072");
  child.birth_record("Q4a");            // no mother_id: skipped
  child.birth_record("Q4b", other.id);  // the first carrying one
  child.birth_record("Q4c", m.id);
  EXPECT_EQ(child.run(xiamen(), &mothers).typed.home_district, 350211);
  // An invalid mother_id is still the first one carried: no district (the later valid one is not
  // looked at).
  TestPerson invalid("35020620260808075");
  std::string bad = m.id;
  bad.back() = bad.back() == '0' ? '1' : '0';
  invalid.birth_record("Q5a", bad);
  invalid.birth_record("Q5b", m.id);
  EXPECT_EQ(mother_key(invalid.view, xiamen()), kNoPerson);
  EXPECT_EQ(invalid.run(xiamen(), &mothers).typed.home_district, kNoRegion);
}

TEST(RulesHealth, MotherDistrictsLookup) {
  MotherDistricts mothers;
  mothers.add(30, 350203);
  mothers.add(10, 350205);
  mothers.add(10, 350211);  // a second entry for a key: the first one stays
  mothers.finish();
  EXPECT_EQ(mothers.size(), 2u);
  EXPECT_EQ(mothers.find(10), 350205);
  EXPECT_EQ(mothers.find(30), 350203);
  EXPECT_EQ(mothers.find(20), kNoRegion);
  EXPECT_EQ(mothers.find(kNoPerson), kNoRegion);
}

}  // namespace
}  // namespace canbao::rules_test
