// SPEC §4 derived facts and the registry.csv row (SPEC §6), checked through evaluate_person().
#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

// registry.csv: id,name,sex,birth,home_district,alive,state,records,assisted,student,employed,pensioner

TEST(RulesFacts, PlainlyInsuredRegistryRow) {  // §6 registry row, §4 normal, R1 insured
  TestPerson p("35020319800101123");
  p.ps(350203, "思明区1号");
  insured_employee(p);
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1980-01-01,350203,true,insured,XM1,false,false,false,false\n");
}

TEST(RulesFacts, SexFromDigit17AndBirthFromId) {  // §2: digit 17 even = female
  TestPerson p("35020319921231004");
  p.ps(350203);
  EXPECT_EQ(p.run().registry, p.id + ",张三,F,1992-12-31,350203,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, RegistryRecordsListsEveryRecordAscending) {  // §6 records: any status, any region
  TestPerson p("35020319800101123");
  p.ps(350203);
  insured_employee(p, "XM9");
  p.resident("NP440106001", 440106, "2015-01-01", "2016-12-31");
  p.enroll("XM2", Scheme::kResident, 350203, "2010-01-01", "2012-12-31", EnrollStatus::kTerminated);
  EXPECT_EQ(p.run().registry,
            p.id + ",张三,M,1980-01-01,350203,true,insured,NP440106001;XM2;XM9,false,false,false,false\n");
}

TEST(RulesFacts, NonTargetHolderOfLocalRecordHasEmptyHomeDistrict) {  // §6 registry: holders too
  TestPerson p("11010519810921042");
  p.ps(110105);  // lives in Beijing: no local home district, not target
  p.enroll("XM1", Scheme::kResident, 350203, "2020-01-01", "", EnrollStatus::kSuspended);
  const auto out = p.run();
  EXPECT_EQ(out.registry, p.id + ",张三,F,1981-09-21,,true,lapsed,XM1,false,false,false,false\n");
  EXPECT_EQ(out.outreach, "");  // R2 lists target persons only
  EXPECT_FALSE(out.in_plan);
}

TEST(RulesFacts, NonTargetWithoutLocalRecordHasNoRegistryRow) {  // §6 registry scope
  TestPerson p("11010519810921042");
  p.ps(110105);
  p.employee("NP1", 110105, "2010-01-01");
  const auto out = p.run();
  EXPECT_EQ(out.registry, "");
  EXPECT_FALSE(out.in_plan);
}

TEST(RulesFacts, DeadByStatusIsNotAlive) {  // §4 alive: status dead/cancelled
  for (PsStatus status : {PsStatus::kDead, PsStatus::kCancelled}) {
    TestPerson p("35020319400101123");
    p.ps(350203).status = status;
    p.enroll("XM1", Scheme::kEmployee, 350203, "2000-01-01", "2020-12-31", EnrollStatus::kTerminated);
    const auto out = p.run();
    EXPECT_EQ(out.registry, p.id + ",张三,M,1940-01-01,350203,false,never,XM1,false,false,false,false\n");
    EXPECT_FALSE(out.in_plan);  // not target
  }
}

TEST(RulesFacts, DeadByDeathDateOnly) {  // §4 alive: death_date ≤ d with an empty status
  TestPerson p("35020619490809427");
  p.ps(350206).death_date = D("2026-08-01");
  p.enroll("XM1", Scheme::kEmployee, 350206, "2000-01-01", "2020-12-31", EnrollStatus::kTerminated);
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1949-08-09,350206,false,never,XM1,false,false,false,false\n");
}

TEST(RulesFacts, DeathDateAfterAsOfIsStillAlive) {  // §4 alive: only death_date ≤ d
  TestPerson p("35020619490809427");
  p.ps(350206).death_date = D("2026-11-23");
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1949-08-09,350206,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, HomeDistrictResidenceFirst) {  // §4 home district order: residence_region first
  TestPerson p("35021219970907238");
  PublicSecurity& ps = p.ps(350211);
  ps.hukou_region = 350212;
  p.employment("U1", 350206, "2020-01-01");
  EXPECT_EQ(p.run().registry, p.id + ",张三,F,1997-09-07,350211,true,never,,false,false,true,false\n");
}

TEST(RulesFacts, HomeDistrictHukouWhenResidenceNotLocal) {  // §4: non-local residence skipped → hukou
  TestPerson p("35021219970907238");
  PublicSecurity& ps = p.ps(440106);
  ps.hukou_region = 350212;
  EXPECT_EQ(p.run().registry, p.id + ",张三,F,1997-09-07,350212,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, HomeDistrictValidPermitBeforeHukou) {  // §4: permit_region when permit_expiry ≥ d
  TestPerson p("35021319830604307");
  PublicSecurity& ps = p.ps(kNoRegion);
  ps.permit_region = 350205;
  ps.permit_expiry = D("2026-11-22");  // expires on d: still valid
  ps.hukou_region = 350213;
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1983-06-04,350205,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, HomeDistrictExpiredPermitSkipped) {  // §4: expired permit skipped → hukou
  TestPerson p("35021319830604307");
  PublicSecurity& ps = p.ps(kNoRegion);
  ps.permit_region = 350205;
  ps.permit_expiry = D("2025-06-30");
  ps.hukou_region = 350213;
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1983-06-04,350213,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, HomeDistrictCityCodeSkipped) {  // §4: 350200 names no district and is skipped
  TestPerson p("35021319830604307");
  PublicSecurity& ps = p.ps(350200);
  ps.hukou_region = 350200;
  p.employment("U1", 350211, "2020-01-01");
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1983-06-04,350211,true,never,,false,false,true,false\n");
}

TEST(RulesFacts, HomeDistrictEmploymentWhenNoPublicSecurity) {  // §4: active employment region
  TestPerson p("35021119720820423");
  p.employment("U1", 350211, "2010-01-01");
  p.employment("U0", 350206, "2000-01-01", "2009-12-31");  // ended: not active, not counted
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1972-08-20,350211,true,never,,false,false,true,false\n");
}

TEST(RulesFacts, HomeDistrictSchoolRegionLast) {  // §4: enrolled student's school region
  TestPerson p("35010220060404637");
  p.ps(350102);  // Fuzhou
  p.school("S1", 350212, EduLevel::kUniversity, 2024);
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,2006-04-04,350212,true,never,,false,true,false,false\n");
}

TEST(RulesFacts, GraduatedIsNotStudentAndSchoolNotHome) {  // §4 enrolled student: status enrolled
  TestPerson p("35010220060404637");
  p.ps(350102);
  p.school("S1", 350212, EduLevel::kUniversity, 2020, EduStatus::kGraduated);
  p.resident("XM1", 350212, "2026-01-01", "2026-12-31").status = EnrollStatus::kSuspended;
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,2006-04-04,,true,lapsed,XM1,false,false,false,false\n");
}

TEST(RulesFacts, EmploymentWindowIsInclusive) {  // §4 active employment: start ≤ d ≤ end
  TestPerson p("35020319800101123");
  p.ps(350203);
  p.employment("U1", 350203, "2026-11-22", "2026-11-22");
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1980-01-01,350203,true,never,,false,false,true,false\n");
  TestPerson q("35020319800101123");
  q.ps(350203);
  q.employment("U1", 350203, "2026-11-23");
  EXPECT_EQ(q.run().registry, q.id + ",张三,M,1980-01-01,350203,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, PensionerByLatestPensionRecord) {  // §4 pensioner: the latest (by start) is receiving
  TestPerson p("35021119581108324");
  p.ps(350211);
  p.pension(350211, "2020-01-01", PensionStatus::kReceiving);
  p.pension(350211, "2015-01-01", PensionStatus::kSuspended);
  EXPECT_EQ(p.run().registry, p.id + ",张三,F,1958-11-08,350211,true,never,,false,false,false,true\n");
  TestPerson q("35021119581108324");
  q.ps(350211);
  q.pension(350211, "2015-01-01", PensionStatus::kReceiving);
  q.pension(350211, "2020-01-01", PensionStatus::kTerminated);
  EXPECT_EQ(q.run().registry, q.id + ",张三,F,1958-11-08,350211,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, AssistedByCivilAffairsInForce) {  // §4 assisted: civil_affairs from ≤ d ≤ to
  TestPerson p("35021319840622828");
  p.ps(350213);
  p.assistance("2023-01-01", "2027-12-31");
  EXPECT_EQ(p.run().registry, p.id + ",张三,F,1984-06-22,350213,true,never,,true,false,false,false\n");
  TestPerson q("35021319840622828");
  q.ps(350213);
  q.assistance("2020-01-01", "2025-12-31");  // ended
  EXPECT_EQ(q.run().registry, q.id + ",张三,F,1984-06-22,350213,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, AssistedBySevereDisabilityOnly) {  // §4 assisted: disability level 1–2
  for (uint8_t level : {1, 2, 3, 4}) {
    TestPerson p("35021319720501035");
    p.ps(350213);
    p.disability(level);
    const std::string assisted = level <= 2 ? "true" : "false";
    EXPECT_EQ(p.run().registry, p.id + ",张三,M,1972-05-01,350213,true,never,," + assisted + ",false,false,false\n");
  }
}

TEST(RulesFacts, NamePrefersPublicSecurity) {  // §6 name: the public-security name, trimmed
  TestPerson p("35020319800101123");
  p.named("  别名 ");
  insured_employee(p);
  p.named("\xE3\x80\x80王五 ");  // U+3000 ideographic space trimmed
  p.ps(350203);
  EXPECT_EQ(p.run().registry, p.id + ",王五,M,1980-01-01,350203,true,insured,XM1,false,false,false,false\n");
}

TEST(RulesFacts, NameFromFirstDirectRecordInFeedOrder) {  // §6 name: first record by its own valid ID
  TestPerson p("35021119920815492");
  p.named("李四");
  p.employment("U1", 350211, "2018-07-01");  // hr, feed 3
  p.named("链接名");
  Enrollment& linked = p.employee("XM1", 350211, "2018-07-01");  // feed 0 but linked by name_birth
  linked.link = LinkMethod::kNameBirth;
  p.named("税务名");
  p.employee_tax(350211, "2018-07", "2026-11");  // tax, feed 2: the first direct record
  EXPECT_EQ(p.run().registry, p.id + ",税务名,F,1992-08-15,350211,true,insured,XM1,false,false,true,false\n");
}

TEST(RulesFacts, NameIsQuotedWhenItHoldsAComma) {  // §6 RFC 4180 quoting
  TestPerson p("35020319800101123");
  p.named("O\"Neil, J");
  p.ps(350203);
  EXPECT_EQ(p.run().registry, p.id + ",\"O\"\"Neil, J\",M,1980-01-01,350203,true,never,,false,false,false,false\n");
}

TEST(RulesFacts, ForeignerPermanentResidenceNumber) {  // §2: a 9… ID is a person like any other
  TestPerson p("93384019840519309");
  p.ps(350203);
  insured_employee(p);
  EXPECT_EQ(p.run().registry, p.id + ",张三,M,1984-05-19,350203,true,insured,XM1,false,false,false,false\n");
}

}  // namespace
}  // namespace canbao::rules_test
