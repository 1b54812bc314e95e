// SPEC §2 identity: normalisation, validation, reject reasons and the 64-bit key.
#include <gtest/gtest.h>

#include <random>

#include "canbao/identity/citizen_id.h"

namespace canbao {
namespace {

const Day kAsOf = day_from_ymd(2026, 11, 22);

IdReject reject_of(std::string_view raw) { return parse_citizen_id(raw, kAsOf).reject; }

TEST(CitizenId, PublishedExampleIsValid) {  // GB 11643-1999 example
  const IdResult r = parse_citizen_id("11010519491231002X", kAsOf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(format_citizen_id(r.key), "11010519491231002X");
  EXPECT_EQ(format_date(id_birth(r.key)), "1949-12-31");
  EXPECT_FALSE(id_is_male(r.key));  // digit 17 = 2, even: female
}

TEST(CitizenId, NormalisesFullWidthLowercaseAndSpaces) {  // SPEC §2 normalisation
  EXPECT_TRUE(parse_citizen_id(" 11010519491231002x ", kAsOf).ok());
  EXPECT_TRUE(parse_citizen_id("\xEF\xBC\x91\xEF\xBC\x91" "010519491231002\xEF\xBC\xB8", kAsOf).ok());
  EXPECT_TRUE(parse_citizen_id("11010519491231002\xEF\xBD\x98", kAsOf).ok());
  EXPECT_TRUE(parse_citizen_id("\xE3\x80\x80" "11010519491231002X", kAsOf).ok());
}

TEST(CitizenId, FifteenDigitsBecomeEighteen) {  // SPEC §2: insert 19, append check
  const IdResult r = parse_citizen_id("350203650412543", kAsOf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(format_citizen_id(r.key), "350203196504125438");
  EXPECT_TRUE(id_is_male(r.key));
}

TEST(CitizenId, ForeignerPermanentResidenceNumber) {  // SPEC §2: first digit 9 (2023 format)
  EXPECT_TRUE(parse_citizen_id("933840198405193093", kAsOf).ok());
}

TEST(CitizenId, EveryRejectReason) {  // SPEC §2 rejects
  EXPECT_EQ(reject_of(""), IdReject::kMissing);
  EXPECT_EQ(reject_of("   "), IdReject::kMissing);
  EXPECT_EQ(reject_of("3.50203E+17"), IdReject::kExcelMangled);
  EXPECT_EQ(reject_of("3.50211e17"), IdReject::kExcelMangled);
  EXPECT_EQ(reject_of("350203198805208000"), IdReject::kExcelMangled);  // Excel kept 15 digits
  EXPECT_EQ(reject_of("35021219890415629"), IdReject::kBadLength);
  EXPECT_EQ(reject_of("3502031988052087381"), IdReject::kBadLength);
  EXPECT_EQ(reject_of("3502111997A8207A37"), IdReject::kBadChar);
  EXPECT_EQ(reject_of("35020319880520873Y"), IdReject::kBadChar);
  EXPECT_EQ(reject_of("20020619900101744X"), IdReject::kBadRegion);
  EXPECT_EQ(reject_of("10020619900101744X"), IdReject::kBadRegion);
  EXPECT_EQ(reject_of("350203199002309118"), IdReject::kBadBirthdate);  // Feb 30
  EXPECT_EQ(reject_of("350203188506120011"), IdReject::kBadBirthdate);  // before 1900
  EXPECT_EQ(reject_of("350203202712010011"), IdReject::kBadBirthdate);  // after as_of
  const IdResult bad = parse_citizen_id("350205197407148455", kAsOf);
  EXPECT_EQ(bad.reject, IdReject::kBadChecksum);
  EXPECT_EQ(format_citizen_id(bad.repair_key), "350205197407148459");
}

TEST(CitizenId, RejectNames) {
  EXPECT_EQ(id_reject_name(IdReject::kExcelMangled), "excel_mangled");
  EXPECT_EQ(id_reject_name(IdReject::kBadChecksum), "bad_checksum");
}

// Property: every generated valid ID round-trips through the 64-bit key.
TEST(CitizenId, GeneratedIdsRoundTripThroughKey) {
  std::mt19937_64 rng(20261122);
  const int provinces[] = {11, 35, 44, 65, 71, 81, 91};
  for (int iter = 0; iter < 100000; ++iter) {
    const int province = provinces[rng() % 7];
    const int year = 1900 + static_cast<int>(rng() % 126);
    const int month = 1 + static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % days_in_month(year, month));
    const PersonKey key = static_cast<PersonKey>(province) * 1000000000000000ULL +
                          (rng() % 10000) * 100000000000ULL +
                          static_cast<PersonKey>(year * 10000 + month * 100 + day) * 1000 + rng() % 1000;
    const std::string id = format_citizen_id(key);
    const IdResult r = parse_citizen_id(id, kAsOf);
    ASSERT_TRUE(r.ok()) << id;
    ASSERT_EQ(r.key, key);
    ASSERT_EQ(id_birth(r.key), day_from_ymd(year, month, day));
    ASSERT_EQ(id_is_male(r.key), (key % 10) % 2 == 1);
  }
}

}  // namespace
}  // namespace canbao
