// SPEC §1/§3 field decoding: enum labels (English and Chinese), date and month spellings,
// booleans, amounts, regions, required fields → bad_field:<name>, and ID rejects (SPEC §2).
#include <gtest/gtest.h>

#include <vector>

#include "canbao/ingest/decoder.h"

namespace canbao {
namespace {

const Day kAsOf = day_from_ymd(2026, 11, 22);

struct Fields {
  std::vector<canbao_kv> kvs;
  Fields& set(canbao_field field, std::string_view value) {
    kvs.push_back({static_cast<uint32_t>(field), CANBAO_VALUE_TEXT, value.data(), value.size()});
    return *this;
  }
  Fields& invalid(canbao_field field) {
    kvs.push_back({static_cast<uint32_t>(field), CANBAO_VALUE_INVALID, nullptr, 0});
    return *this;
  }
  Fields& erase(canbao_field field) {
    std::erase_if(kvs, [&](const canbao_kv& kv) { return kv.field == static_cast<uint32_t>(field); });
    return *this;
  }
};

FieldTexts texts_of(const Fields& fields) {
  FieldTexts texts;
  texts.assign(fields.kvs.data(), fields.kvs.size());
  return texts;
}

template <typename T>
DecodeResult decode(Agency agency, const Fields& fields, T& out, Arena& arena) {
  FieldTexts texts;
  texts.assign(fields.kvs.data(), fields.kvs.size());
  return decode_record(agency, texts, kAsOf, arena, &out);
}

Fields enrollment() {
  Fields f;
  f.set(CANBAO_F_RECORD_ID, "XM1").set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_NAME, " 郭桐娟 ")
      .set(CANBAO_F_SCHEME, "职工").set(CANBAO_F_REGION, "350203").set(CANBAO_F_STATUS, "正常")
      .set(CANBAO_F_START, "2014/04/01").set(CANBAO_F_END, "").set(CANBAO_F_CATEGORY, "in_service");
  return f;
}

TEST(Decoder, EnrollmentWithChineseLabelsAndDateSpellings) {  // SPEC §1 enums and dates
  Arena arena;
  EnrollmentPacked rec{};
  const DecodeResult r = decode(Agency::kEnrollment, enrollment(), rec, arena);
  ASSERT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(format_citizen_id(rec.head.key), "350203198805208738");
  EXPECT_EQ(arena.view(rec.head.name), "郭桐娟");  // trimmed
  EXPECT_EQ(arena.view(rec.record_id), "XM1");
  EXPECT_EQ(rec.scheme, Scheme::kEmployee);
  EXPECT_EQ(rec.status, EnrollStatus::kActive);
  EXPECT_EQ(format_date(rec.start), "2014-04-01");
  EXPECT_EQ(rec.end, kNoDay);  // empty string means absent (open)
  EXPECT_EQ(rec.category, Category::kInService);
}

TEST(Decoder, RequiredFieldMissingOrUnparsableIsBadField) {  // SPEC §3 bad_field:<name>
  Arena arena;
  EnrollmentPacked rec{};
  Fields missing_region = enrollment();
  missing_region.set(CANBAO_F_REGION, "  ");
  DecodeResult r = decode(Agency::kEnrollment, missing_region, rec, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadField);
  EXPECT_EQ(r.bad_field, CANBAO_F_REGION);

  Fields bad_scheme = enrollment();
  bad_scheme.set(CANBAO_F_SCHEME, "商业保险");
  r = decode(Agency::kEnrollment, bad_scheme, rec, arena);
  EXPECT_EQ(r.bad_field, CANBAO_F_SCHEME);

  Fields no_record_id = enrollment();
  no_record_id.set(CANBAO_F_RECORD_ID, "");
  r = decode(Agency::kEnrollment, no_record_id, rec, arena);
  EXPECT_EQ(r.bad_field, CANBAO_F_RECORD_ID);

  Fields impossible_date = enrollment();
  impossible_date.set(CANBAO_F_START, "2026-02-30");
  r = decode(Agency::kEnrollment, impossible_date, rec, arena);
  EXPECT_EQ(r.bad_field, CANBAO_F_START);

  Fields json_array = enrollment();
  json_array.invalid(CANBAO_F_STATUS);
  r = decode(Agency::kEnrollment, json_array, rec, arena);
  EXPECT_EQ(r.bad_field, CANBAO_F_STATUS);
}

TEST(Decoder, FirstBadFieldInFieldOrderWins) {
  Arena arena;
  EnrollmentPacked rec{};
  Fields two_bad = enrollment();
  two_bad.set(CANBAO_F_START, "yesterday").set(CANBAO_F_SCHEME, "x");
  EXPECT_EQ(decode(Agency::kEnrollment, two_bad, rec, arena).bad_field, CANBAO_F_SCHEME);
}

TEST(Decoder, BadIdReasonWinsAndRecordIsKeptForLinking) {  // SPEC §2 rejects, fallback linking
  Arena arena;
  EnrollmentPacked rec{};
  Fields bad_checksum = enrollment();
  bad_checksum.set(CANBAO_F_ID, "350203198805208739");
  DecodeResult r = decode(Agency::kEnrollment, bad_checksum, rec, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadId);
  EXPECT_EQ(r.id.reject, IdReject::kBadChecksum);
  EXPECT_TRUE(r.fields_ok());
  EXPECT_EQ(rec.head.key, kNoPerson);

  bad_checksum.set(CANBAO_F_REGION, "");
  r = decode(Agency::kEnrollment, bad_checksum, rec, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadId);  // the ID reason is reported...
  EXPECT_FALSE(r.fields_ok());                // ...and the record can never be linked
}

TEST(Decoder, TaxMonthsBooleansAmounts) {  // SPEC §1 months, booleans, amounts
  Arena arena;
  TaxPacked rec{};
  Fields f;
  f.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_SCHEME, "resident").set(CANBAO_F_REGION, "350203")
      .set(CANBAO_F_FROM, "202501").set(CANBAO_F_TO, "2025-12").set(CANBAO_F_PAID_ON, "20241014")
      .set(CANBAO_F_BACK_PAY, "是").set(CANBAO_F_AMOUNT, "380.5");
  ASSERT_EQ(decode(Agency::kTax, f, rec, arena).status, DecodeStatus::kOk);
  EXPECT_EQ(rec.from, month_from_ym(2025, 1));
  EXPECT_EQ(rec.to, month_from_ym(2025, 12));
  EXPECT_TRUE(rec.back_pay);
  EXPECT_EQ(rec.amount_fen, 38050);

  f.set(CANBAO_F_FROM, "2025-13");
  EXPECT_EQ(decode(Agency::kTax, f, rec, arena).bad_field, CANBAO_F_FROM);  // month out of range
  f.set(CANBAO_F_FROM, "2025-01").set(CANBAO_F_AMOUNT, "-5");
  EXPECT_EQ(decode(Agency::kTax, f, rec, arena).bad_field, CANBAO_F_AMOUNT);  // negative amount
}

TEST(Decoder, AbsentStatusDefaults) {  // SPEC §1: PS status absent = normal, education = enrolled
  Arena arena;
  PublicSecurityPacked ps{};
  Fields f;
  f.set(CANBAO_F_ID, "350203198805208738");
  ASSERT_EQ(decode(Agency::kPublicSecurity, f, ps, arena).status, DecodeStatus::kOk);
  EXPECT_EQ(ps.status, PsStatus::kNormal);
  EducationPacked edu{};
  Fields e;
  e.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_SCHOOL, "S1").set(CANBAO_F_REGION, "350203")
      .set(CANBAO_F_ENTRY_YEAR, "2026");
  ASSERT_EQ(decode(Agency::kEducation, e, edu, arena).status, DecodeStatus::kOk);
  EXPECT_EQ(edu.status, EduStatus::kEnrolled);
  EXPECT_EQ(edu.entry_year, 2026);
}

TEST(Decoder, MarketStatusLabelsAndRequiredFields) {  // SPEC §9 market: 存续/注销/吊销, unit* region*
  MarketStatus status = MarketStatus::kNone;
  for (const auto& [text, want] : {std::pair{"存续", MarketStatus::kActive}, std::pair{"active", MarketStatus::kActive},
                                   std::pair{"注销", MarketStatus::kCancelled}, std::pair{"Cancelled", MarketStatus::kCancelled},
                                   std::pair{"吊销", MarketStatus::kRevoked}, std::pair{"revoked", MarketStatus::kRevoked}}) {
    EXPECT_TRUE(parse_market_status(text, status)) << text;
    EXPECT_EQ(status, want) << text;
  }
  EXPECT_FALSE(parse_market_status("歇业", status));
  Arena arena;
  MarketPacked market{};
  Fields f;
  f.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_UNIT, "92350203MA0000001A").set(CANBAO_F_REGION, "350203");
  ASSERT_EQ(decode(Agency::kMarket, f, market, arena).status, DecodeStatus::kOk);
  EXPECT_EQ(market.status, MarketStatus::kActive);  // §9: absent status = active
  EXPECT_EQ(market.registered_on, kNoDay);
  Fields no_unit;
  no_unit.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_REGION, "350203");
  EXPECT_EQ(decode(Agency::kMarket, no_unit, market, arena).bad_field, CANBAO_F_UNIT);
  Fields bad_close = f;
  bad_close.set(CANBAO_F_CLOSED_ON, "2026-02-30");
  EXPECT_EQ(decode(Agency::kMarket, bad_close, market, arena).bad_field, CANBAO_F_CLOSED_ON);
}

TEST(Decoder, HealthKindsAndTheFieldsEachKindRequires) {  // SPEC §9 health: kind first, then its fields
  HealthKind kind = HealthKind::kNone;
  for (const auto& [text, want] : {std::pair{"出生", HealthKind::kBirth}, std::pair{"birth", HealthKind::kBirth},
                                   std::pair{"死亡", HealthKind::kDeath}, std::pair{"Death", HealthKind::kDeath}}) {
    EXPECT_TRUE(parse_health_kind(text, kind)) << text;
    EXPECT_EQ(kind, want) << text;
  }
  EXPECT_FALSE(parse_health_kind("adoption", kind));
  Arena arena;
  HealthPacked health{};
  Fields birth;
  birth.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_KIND, "出生").set(CANBAO_F_BIRTH_CERT, "Q1")
      .set(CANBAO_F_BIRTH, "2026-06-10").set(CANBAO_F_MOTHER_ID, " 350203199001010202 ");
  DecodeResult r = decode(Agency::kHealth, birth, health, arena);
  ASSERT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(health.kind, HealthKind::kBirth);
  EXPECT_EQ(arena.view(health.mother_id), "350203199001010202");
  EXPECT_FALSE(r.newborn_without_id);
  Fields no_cert = birth;
  no_cert.erase(CANBAO_F_BIRTH_CERT).erase(CANBAO_F_BIRTH);
  EXPECT_EQ(decode(Agency::kHealth, no_cert, health, arena).bad_field, CANBAO_F_BIRTH_CERT);
  Fields no_birth = birth;
  no_birth.erase(CANBAO_F_BIRTH).set(CANBAO_F_REGION, "35");
  EXPECT_EQ(decode(Agency::kHealth, no_birth, health, arena).bad_field, CANBAO_F_BIRTH);  // before region
  Fields bad_kind = no_cert;
  bad_kind.set(CANBAO_F_KIND, "领养");
  EXPECT_EQ(decode(Agency::kHealth, bad_kind, health, arena).bad_field, CANBAO_F_KIND);  // kind first
  Fields death;
  death.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_KIND, "死亡");
  EXPECT_EQ(decode(Agency::kHealth, death, health, arena).bad_field, CANBAO_F_DEATH_DATE);
  death.set(CANBAO_F_DEATH_DATE, "2026-10-20");
  ASSERT_EQ(decode(Agency::kHealth, death, health, arena).status, DecodeStatus::kOk);  // no birth_cert needed
  // A birth without an ID: not missing. Fields fine → held for name_birth, flagged; a bad field →
  // bad_field (not `missing`). A death without an ID is `missing` as for every agency.
  Fields newborn = birth;
  newborn.erase(CANBAO_F_ID);
  r = decode(Agency::kHealth, newborn, health, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadId);
  EXPECT_TRUE(r.newborn_without_id);
  newborn.erase(CANBAO_F_BIRTH_CERT);
  r = decode(Agency::kHealth, newborn, health, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadField);
  EXPECT_EQ(r.bad_field, CANBAO_F_BIRTH_CERT);
  Fields mangled = birth;
  mangled.set(CANBAO_F_ID, "3.50203E+17");  // present but rejected: SPEC §2
  r = decode(Agency::kHealth, mangled, health, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadId);
  EXPECT_FALSE(r.newborn_without_id);
  death.erase(CANBAO_F_ID);
  r = decode(Agency::kHealth, death, health, arena);
  EXPECT_EQ(r.status, DecodeStatus::kBadId);
  EXPECT_EQ(r.id.reject, IdReject::kMissing);
  EXPECT_FALSE(r.newborn_without_id);
}

// SPEC §7 `op`: checked before every other field and the ID; delete rows read only their key.
TEST(Decoder, OpAndDeleteRows) {
  Arena arena;
  EnrollmentPacked rec{};
  HrPacked hr{};
  Fields bad_everything;  // op, ID and fields all bad: the op is the reason
  bad_everything.set(CANBAO_F_ID, "3.50203E+17").set(CANBAO_F_OP, "modify");
  DecodeResult r = decode_record(Agency::kEnrollment, texts_of(bad_everything), kAsOf, arena, &rec, FeedMode::kUpdate);
  EXPECT_EQ(r.status, DecodeStatus::kBadField);
  EXPECT_EQ(r.bad_field, CANBAO_F_OP);
  for (const char* spelling : {"Delete", "DELETE", "del", "remove", "删"}) {
    Fields f;
    f.set(CANBAO_F_RECORD_ID, "XM1").set(CANBAO_F_OP, spelling);
    EXPECT_EQ(decode_record(Agency::kEnrollment, texts_of(f), kAsOf, arena, &rec, FeedMode::kUpdate).bad_field,
              CANBAO_F_OP) << spelling;
  }
  Fields del;
  del.set(CANBAO_F_RECORD_ID, " XM1 ").set(CANBAO_F_OP, " 删除 ");
  r = decode_record(Agency::kEnrollment, texts_of(del), kAsOf, arena, &rec, FeedMode::kAppend);
  EXPECT_EQ(r.bad_field, CANBAO_F_OP);  // a delete row in an append feed
  r = decode_record(Agency::kEnrollment, texts_of(del), kAsOf, arena, &rec, FeedMode::kUpdate);
  EXPECT_EQ(r.status, DecodeStatus::kDeleteRow);  // no ID needed, no other field read
  EXPECT_EQ(rec.head.op, RecordOp::kDelete);
  EXPECT_EQ(arena.view(rec.record_id), "XM1");
  Fields no_record_id;
  no_record_id.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_OP, "delete");
  EXPECT_EQ(decode_record(Agency::kEnrollment, texts_of(no_record_id), kAsOf, arena, &rec, FeedMode::kUpdate).bad_field,
            CANBAO_F_RECORD_ID);
  Fields hr_delete;  // other agencies: the ID is the key, and must be valid (no fallback)
  hr_delete.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_OP, "delete");
  r = decode_record(Agency::kHr, texts_of(hr_delete), kAsOf, arena, &hr, FeedMode::kUpdate);
  EXPECT_EQ(r.status, DecodeStatus::kOk);  // type* and region* are not read
  EXPECT_EQ(hr.head.op, RecordOp::kDelete);
  EXPECT_EQ(format_citizen_id(hr.head.key), "350203198805208738");
  hr_delete.set(CANBAO_F_ID, "350203198805208739");
  r = decode_record(Agency::kHr, texts_of(hr_delete), kAsOf, arena, &hr, FeedMode::kUpdate);
  EXPECT_EQ(r.status, DecodeStatus::kIdRejected);
  EXPECT_EQ(r.id.reject, IdReject::kBadChecksum);
  Fields upsert;
  upsert.set(CANBAO_F_ID, "350203198805208738").set(CANBAO_F_TYPE, "就业").set(CANBAO_F_REGION, "350203").set(CANBAO_F_OP, "upsert");
  r = decode_record(Agency::kHr, texts_of(upsert), kAsOf, arena, &hr, FeedMode::kAppend);
  EXPECT_EQ(r.status, DecodeStatus::kOk);  // upsert is fine in an append feed too
  EXPECT_EQ(hr.head.op, RecordOp::kUpsert);
}

TEST(Decoder, ValueParsers) {
  bool flag = false;
  EXPECT_TRUE(parse_bool("0", flag));
  EXPECT_FALSE(flag);
  EXPECT_TRUE(parse_bool("TRUE", flag));
  EXPECT_TRUE(flag);
  EXPECT_FALSE(parse_bool("maybe", flag));
  uint8_t level = 0;
  EXPECT_TRUE(parse_disability_level("二级", level));
  EXPECT_EQ(level, 2);
  EXPECT_FALSE(parse_disability_level("5", level));
  Region region = 0;
  EXPECT_FALSE(parse_region("35020", region));
  EXPECT_FALSE(parse_region("35020a", region));
  EXPECT_TRUE(parse_region("440106", region));
  int64_t fen = 0;
  EXPECT_TRUE(parse_amount_fen("612.50", fen));
  EXPECT_EQ(fen, 61250);
  EXPECT_FALSE(parse_amount_fen("1.005", fen));
  EXPECT_FALSE(parse_amount_fen("abc", fen));
}

}  // namespace
}  // namespace canbao
