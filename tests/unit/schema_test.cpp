// The SPEC §3 schema table (records/schema.h), checked field by field for every agency: a
// missing required field or an unparsable value gives bad_field:<that field>, an absent optional
// field gets its absent value (packed and resolved), field names round-trip, sizes match.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "canbao/index/format.h"
#include "canbao/ingest/decoder.h"
#include "canbao/records/fields.h"
#include "canbao/records/records.h"
#include "canbao/records/person_view.h"

namespace canbao {
namespace {

const Day kAsOf = day_from_ymd(2026, 11, 22);
constexpr std::string_view kValidId = "350203198805208738";
constexpr std::string_view kUnparsable = "??";

// A label of each enum that is not the field's absent value.
std::string_view label(Scheme) { return "居民"; }
std::string_view label(EnrollStatus) { return "suspended"; }
std::string_view label(Category) { return "灵活就业"; }
std::string_view label(Funded) { return "dibao"; }
std::string_view label(HrType) { return "pension"; }
std::string_view label(PensionStatus) { return "暂停"; }
std::string_view label(Sex) { return "女"; }
std::string_view label(PsStatus) { return "dead"; }
std::string_view label(EduLevel) { return "大学"; }
std::string_view label(EduStatus) { return "graduated"; }
std::string_view label(AssistCategory) { return "孤儿"; }
std::string_view label(MarketStatus) { return "吊销"; }
std::string_view label(HealthKind) { return "死亡"; }

// A valid text for field D (a schema descriptor), different from its absent value.
template <typename D>
std::string_view sample_text() {
  using K = typename D::Kind;
  if constexpr (std::is_same_v<K, TextKind>) return "T-1";
  else if constexpr (std::is_same_v<K, RegionKind>) return "350203";
  else if constexpr (std::is_same_v<K, DayKind> || std::is_same_v<K, PaymentDayKind>) return "2020/01/02";
  else if constexpr (std::is_same_v<K, MonthKind>) return "202001";
  else if constexpr (std::is_same_v<K, BoolKind>) return "是";
  else if constexpr (std::is_same_v<K, AmountKind>) return "12.5";
  else if constexpr (std::is_same_v<K, YearKind>) return "2020";
  else if constexpr (std::is_same_v<K, LevelKind>) return "二级";
  else return label(typename K::Value{});
}

// Field texts of one record: every field of the agency (and the head) set to its sample.
struct Texts {
  std::map<int, std::string> text;
  std::vector<int> invalid;

  template <Agency A>
  static Texts full() {
    Texts t;
    t.text[CANBAO_F_ID] = std::string(kValidId);
    HeadSchema::for_each_field([&](auto d) { t.text[decltype(d)::field] = std::string(sample_text<decltype(d)>()); });
    Schema<A>::for_each_field([&](auto d) { t.text[decltype(d)::field] = std::string(sample_text<decltype(d)>()); });
    return t;
  }

  template <Agency A>
  DecodeResult decode(Arena& arena, typename PackedOf<A>::type& out) const {
    std::vector<canbao_kv> kvs;
    for (const auto& [field, value] : text)
      kvs.push_back({static_cast<uint32_t>(field), CANBAO_VALUE_TEXT, value.data(), value.size()});
    for (int field : invalid) kvs.push_back({static_cast<uint32_t>(field), CANBAO_VALUE_INVALID, nullptr, 0});
    FieldTexts texts;
    texts.assign(kvs.data(), kvs.size());
    return decode_record(A, texts, kAsOf, arena, &out);
  }
};

template <Agency A>
typename ResolvedOf<A>::type resolve(const typename PackedOf<A>::type& packed, const Arena& arena) {
  typename ResolvedOf<A>::type out;
  resolve_record(packed, 7, LinkMethod::kDirect, [&](Str str) { return arena.view(str); }, out);
  return out;
}

// Checks field D of a decoded record and its resolved form against the sample or the absent value.
template <typename D, typename P, typename R>
void expect_value(const P& packed, const R& resolved, const Arena& arena, bool present) {
  if constexpr (std::is_same_v<typename D::Kind, TextKind>) {
    const std::string_view expected = present ? sample_text<D>() : std::string_view{};
    EXPECT_EQ(arena.view(D::of(packed)), expected);
    EXPECT_EQ(D::of(resolved), expected);
  } else if (present) {
    EXPECT_NE(D::of(packed), D::absent());  // the sample decodes to a real value
    EXPECT_EQ(D::of(resolved), D::of(packed));
  } else {
    EXPECT_EQ(D::of(packed), D::absent());
    EXPECT_EQ(D::of(resolved), D::absent());
  }
}

// Head field D as decoded (DecodeResult::head). Only the name is stored (RecordHead) and resolved;
// birth and sex reach PendingInfo only (issue #16: index format 14).
template <typename D, typename P, typename R>
void expect_head_value(const DecodedHead& head, const P& packed, const R& resolved, const Arena& arena, bool present) {
  if constexpr (std::is_same_v<typename D::Kind, TextKind>) {
    const std::string_view expected = present ? sample_text<D>() : std::string_view{};
    EXPECT_EQ(arena.view(D::of(head)), expected);
    EXPECT_EQ(arena.view(packed.head.name), expected);
    EXPECT_EQ(resolved.name, expected);
  } else if (present) {
    EXPECT_NE(D::of(head), D::absent());  // the sample decodes to a real value
  } else {
    EXPECT_EQ(D::of(head), D::absent());
  }
}

// Required beyond the table: SPEC §9 a health record of the sample kind (death, 死亡) needs its
// death_date (the birth kind's fields are checked in decoder_test.cpp).
template <Agency A, typename D>
constexpr bool required_field() {
  return D::required || (A == Agency::kHealth && D::field == CANBAO_F_DEATH_DATE);
}

template <Agency A>
void check_agency() {
  using Packed = typename PackedOf<A>::type;
  SCOPED_TRACE(std::string(agency_name(A)));
  {  // every field present
    Arena arena;
    Packed rec;
    const DecodeResult r = Texts::full<A>().template decode<A>(arena, rec);
    ASSERT_EQ(r.status, DecodeStatus::kOk) << field_name(r.bad_field);
    EXPECT_EQ(format_citizen_id(rec.head.key), kValidId);
    const auto resolved = resolve<A>(rec, arena);
    EXPECT_EQ(resolved.origin, (Origin{7, rec.head.line}));  // the feed is the segment's
    HeadSchema::for_each_field([&](auto d) { expect_head_value<decltype(d)>(r.head, rec, resolved, arena, true); });
    Schema<A>::for_each_field([&](auto d) { expect_value<decltype(d)>(rec, resolved, arena, true); });
  }
  const auto check_field = [&](auto d, auto records) {
    using D = decltype(d);
    SCOPED_TRACE(std::string(field_name(D::field)));
    {  // absent
      Texts texts = Texts::full<A>();
      texts.text.erase(D::field);
      Arena arena;
      Packed rec;
      const DecodeResult r = texts.template decode<A>(arena, rec);
      if (required_field<A, D>()) {
        EXPECT_EQ(r.status, DecodeStatus::kBadField);
        EXPECT_EQ("bad_field:" + std::string(field_name(r.bad_field)), "bad_field:" + std::string(field_name(D::field)));
      } else {
        ASSERT_EQ(r.status, DecodeStatus::kOk) << field_name(r.bad_field);
        if constexpr (decltype(records)::value) {
          expect_value<D>(rec, resolve<A>(rec, arena), arena, false);
          // The resolved struct's default is the absent value too.
          const typename ResolvedOf<A>::type fresh{};
          EXPECT_EQ(D::of(fresh), D::absent());
        } else {
          expect_head_value<D>(r.head, rec, resolve<A>(rec, arena), arena, false);
        }
      }
    }
    {  // an empty (blank) value is absent too
      Texts texts = Texts::full<A>();
      texts.text[D::field] = "  ";
      Arena arena;
      Packed rec;
      const DecodeResult r = texts.template decode<A>(arena, rec);
      EXPECT_EQ(r.bad_field, (required_field<A, D>() ? D::field : -1));
    }
    {  // unparsable text (text fields take any text) and a non-text value (JSON object)
      if constexpr (!std::is_same_v<typename D::Kind, TextKind>) {
        Texts texts = Texts::full<A>();
        texts.text[D::field] = std::string(kUnparsable);
        Arena arena;
        Packed rec;
        const DecodeResult r = texts.template decode<A>(arena, rec);
        EXPECT_EQ(r.status, DecodeStatus::kBadField);
        EXPECT_EQ(r.bad_field, D::field);
      }
      Texts texts = Texts::full<A>();
      texts.text.erase(D::field);
      texts.invalid.push_back(D::field);
      Arena arena;
      Packed rec;
      const DecodeResult r = texts.template decode<A>(arena, rec);
      // A non-text value of an optional text field is dropped, as an absent one.
      const bool bad = required_field<A, D>() || !std::is_same_v<typename D::Kind, TextKind>;
      EXPECT_EQ(r.bad_field, bad ? D::field : -1);
    }
  };
  HeadSchema::for_each_field([&](auto d) { check_field(d, std::false_type{}); });
  Schema<A>::for_each_field([&](auto d) { check_field(d, std::true_type{}); });
}

TEST(Schema, EveryFieldOfEveryAgency) {  // SPEC §3 required fields, §1 absent values
  int agencies = 0;
  for_each_agency([&](auto tag) {
    check_agency<decltype(tag)::value>();
    ++agencies;
  });
  EXPECT_EQ(agencies, kAgencyCount);
}

TEST(Schema, SmallestBadFieldWins) {  // bad_field is the smallest canbao_field in error
  Texts texts = Texts::full<Agency::kEnrollment>();
  texts.text.erase(CANBAO_F_START);
  texts.text[CANBAO_F_SCHEME] = "??";
  texts.text[CANBAO_F_FUNDED] = "??";
  Arena arena;
  EnrollmentPacked rec;
  EXPECT_EQ(texts.decode<Agency::kEnrollment>(arena, rec).bad_field, CANBAO_F_SCHEME);
}

TEST(Schema, FieldNamesRoundTrip) {  // the ABI's canbao_field order
  for (int field = 0; field < CANBAO_F_COUNT; ++field) {
    EXPECT_FALSE(field_name(field).empty()) << field;
    EXPECT_EQ(field_from_name(field_name(field)), field) << field_name(field);
  }
  EXPECT_EQ(field_name(-1), "");
  EXPECT_EQ(field_name(CANBAO_F_COUNT), "");
  EXPECT_EQ(field_from_name("no_such_field"), -1);
  EXPECT_EQ(field_name(CANBAO_F_RECORD_ID), "record_id");
  EXPECT_EQ(field_name(CANBAO_F_AMOUNT), "amount");
  EXPECT_EQ(field_name(CANBAO_F_CERTIFIED_ON), "certified_on");
}

TEST(Schema, AgenciesAndSizes) {
  for_each_agency([&](auto tag) {
    constexpr Agency kAgency = decltype(tag)::value;
    using Packed = typename PackedOf<kAgency>::type;
    EXPECT_EQ(packed_size(kAgency), sizeof(Packed));
    EXPECT_EQ(Packed::kAgency, kAgency);
    EXPECT_EQ(ResolvedOf<kAgency>::type::kAgency, kAgency);
    Agency parsed{};
    ASSERT_TRUE(parse_agency(agency_name(kAgency), parsed));
    EXPECT_EQ(parsed, kAgency);
    with_packed_type(kAgency, [&](auto type) { EXPECT_EQ(sizeof(typename decltype(type)::type), sizeof(Packed)); });
    PersonView view;
    view.records<kAgency>().emplace_back();
    EXPECT_FALSE(view.empty());
    view.clear();
    EXPECT_TRUE(view.empty());
  });
  EXPECT_EQ(packed_size(static_cast<Agency>(kAgencyCount)), 0u);
  EXPECT_EQ(agency_name(Agency::kPublicSecurity), "public_security");
  // The layouts stored in segments (kSegmentFormatVersion 14: a 24-byte head, the feed index in
  // the segment's header, birth, sex and the name hash in PendingInfo only; each 8 bytes less
  // than in format 13, 16 less than in format 12).
  EXPECT_EQ(sizeof(RecordHead), 24u);
  EXPECT_EQ(sizeof(PendingInfo), 32u);
  EXPECT_EQ(sizeof(EnrollmentPacked), 56u);
  EXPECT_EQ(sizeof(TaxPacked), 64u);
  EXPECT_EQ(sizeof(HrPacked), 48u);
  EXPECT_EQ(sizeof(PublicSecurityPacked), 56u);
  EXPECT_EQ(sizeof(EducationPacked), 48u);
  EXPECT_EQ(sizeof(DisabilityPacked), 40u);
  EXPECT_EQ(sizeof(CivilAffairsPacked), 40u);
}

TEST(Schema, ForEachStrVisitsTextFieldsInTableOrder) {
  EnrollmentPacked rec{};
  std::vector<const Str*> seen;
  for_each_str(rec, [&](Str& str) { seen.push_back(&str); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], &rec.head.name);
  EXPECT_EQ(seen[1], &rec.record_id);
  EXPECT_EQ(seen[2], &rec.unit);
}

}  // namespace
}  // namespace canbao
