// SPEC §9 market regulation (市场监管, 个体工商户): the self-employed fact (§4 addition), the
// self-employed region in the home district, and R2's self_employed group (N 八: 灵活就业 → employee
// scheme, channel business:<unit>), checked through evaluate_person() and the §6 rows.
#include "rules_test_util.h"

namespace canbao::rules_test {
namespace {

std::string outreach(const TestPerson& p, std::string_view district, std::string_view group, std::string_view scheme,
                     std::string_view channel) {
  return p.id + ",张三," + std::string(district) + ",,never," + std::string(group) + "," + std::string(scheme) + "," +
         std::string(channel) + "\n";
}

TEST(RulesSelfEmployed, ActiveBusinessIsSelfEmployedWithBusinessChannel) {  // §9 R2 additions
  TestPerson p("35020519800101123");
  p.business("92350205MA0000001A", 350205, "2021-03-01");
  // No other record: the business's region is the home district (§9: after employment).
  EXPECT_EQ(p.run().outreach, outreach(p, "350205", "self_employed", "employee", "business:92350205MA0000001A"));
}

TEST(RulesSelfEmployed, ClosedBeforeDIsNotSelfEmployed) {  // §9: active, or closed_on > d
  TestPerson p("35020619810202234");
  p.ps(350206);
  p.business("U1", 350206, "2019-05-10", MarketStatus::kCancelled, "2025-06-30");
  EXPECT_EQ(p.run().outreach, outreach(p, "350206", "other", "resident", "community:350206"));
  TestPerson q("35020619810202234");
  q.ps(350206);
  q.business("U1", 350206, "2019-05-10", MarketStatus::kCancelled, "2026-11-22");  // closed on d itself
  EXPECT_EQ(q.run().outreach, outreach(q, "350206", "other", "resident", "community:350206"));
}

TEST(RulesSelfEmployed, RevokedButClosingAfterDIsStillSelfEmployed) {  // §9: closed_on > d
  TestPerson p("35020319820303135");
  p.ps(350203);
  p.business("U3", 350203, "2020-01-15", MarketStatus::kRevoked, "2026-11-23");
  EXPECT_EQ(p.run().outreach, outreach(p, "350203", "self_employed", "employee", "business:U3"));
}

TEST(RulesSelfEmployed, RegisteredAfterDIsNotYetSelfEmployed) {  // §9: registered_on ≤ d (absent = open)
  TestPerson p("35021119830404246");
  p.ps(350211);
  p.business("U4", 350211, "2026-11-23");
  EXPECT_EQ(p.run().outreach, outreach(p, "350211", "other", "resident", "community:350211"));
  TestPerson q("35021119830404246");
  q.ps(350211);
  q.business("U4", 350211, "");  // no registration date: open
  EXPECT_EQ(q.run().outreach, outreach(q, "350211", "self_employed", "employee", "business:U4"));
}

TEST(RulesSelfEmployed, GroupOrderEmployedThenSelfEmployedThenPensioner) {  // §9: R2 group order
  TestPerson employed("35021219840505157");
  employed.employment("UNIT1", 350212, "2023-01-01");
  employed.business("B1", 350203, "2022-08-08");
  // Home district: the employment region comes before the self-employed region.
  EXPECT_EQ(employed.run().outreach, outreach(employed, "350212", "employed", "employee", "unit:UNIT1"));
  TestPerson retired("35020319600606268");
  retired.pension(350203, "2020-07-01", PensionStatus::kReceiving);
  retired.business("B2", 350203, "2018-04-04");
  EXPECT_EQ(retired.run().outreach, outreach(retired, "350203", "self_employed", "employee", "business:B2"));
}

TEST(RulesSelfEmployed, ChannelAndDistrictFromTheFirstBusinessInBusiness) {  // §9: first self-employed record
  TestPerson p("35020519850707179");
  p.business("OLD", 350205, "2015-01-01", MarketStatus::kCancelled, "2024-02-29");
  p.business("NEW", 350203, "2024-03-01");
  p.business("LATER", 350206, "2025-03-01");
  EXPECT_EQ(p.run().outreach, outreach(p, "350203", "self_employed", "employee", "business:NEW"));
}

TEST(RulesSelfEmployed, ResidenceComesBeforeTheBusinessRegion) {  // §4 home district order
  TestPerson p("35020519800101123");
  p.ps(350211);
  p.business("B", 350205, "2021-03-01");
  EXPECT_EQ(p.run().outreach, outreach(p, "350211", "self_employed", "employee", "business:B"));
}

TEST(RulesSelfEmployed, BusinessElsewhereGivesNoHomeDistrict) {  // §4: only local codes name a district
  TestPerson p("35020519800101123");
  p.business("B", 350102, "2021-03-01");  // Fuzhou
  const auto out = p.run();
  EXPECT_FALSE(out.typed.target);
  EXPECT_EQ(out.outreach, "");
}

}  // namespace
}  // namespace canbao::rules_test
