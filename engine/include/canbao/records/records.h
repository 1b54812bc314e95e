// SPEC §3 records: the enumerations, the packed form stored in index segments, and the resolved
// form (string_views) the rules read. Packed records are trivially copyable PODs so a segment is
// a flat array in a mapped file; strings live in the segment's arena and are referenced by Str.
// Everything per agency and per field is generated here from the table in records/schema.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "canbao/adapter_abi.h"
#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/records/schema.h"

namespace canbao {

/// A 6-digit administrative code; 0 means absent.
using Region = int32_t;
inline constexpr Region kNoRegion = 0;

#define CANBAO_AGENCY_ENUMERATOR(Enum, token, Type, FIELDS) Enum,
#define CANBAO_AGENCY_COUNT(Enum, token, Type, FIELDS) +1
/// The agencies of CANBAO_AGENCIES (schema.h), in its order (kEnrollment = 0, kTax, ...).
enum class Agency : uint8_t { CANBAO_AGENCIES(CANBAO_AGENCY_ENUMERATOR) };
inline constexpr int kAgencyCount = 0 CANBAO_AGENCIES(CANBAO_AGENCY_COUNT);
#undef CANBAO_AGENCY_ENUMERATOR
#undef CANBAO_AGENCY_COUNT
std::string_view agency_name(Agency agency);
/// Parses `enrollment`, `tax`, ...; false for an unknown name.
bool parse_agency(std::string_view name, Agency& out);

/// A compile-time agency, as passed by for_each_agency and with_agency.
template <Agency A>
using AgencyTag = std::integral_constant<Agency, A>;

/// Calls f(AgencyTag<A>{}) for every agency, in Agency order.
template <typename F>
constexpr void for_each_agency(F&& f) {
#define CANBAO_AGENCY_VISIT(Enum, token, Type, FIELDS) f(AgencyTag<Agency::Enum>{});
  CANBAO_AGENCIES(CANBAO_AGENCY_VISIT)
#undef CANBAO_AGENCY_VISIT
}

/// Calls f(AgencyTag<agency>{}) (a switch; an out-of-range value is taken as the first agency).
template <typename F>
decltype(auto) with_agency(Agency agency, F&& f) {
  switch (agency) {
#define CANBAO_AGENCY_CASE(Enum, token, Type, FIELDS) \
  case Agency::Enum: return f(AgencyTag<Agency::Enum>{});
    CANBAO_AGENCIES(CANBAO_AGENCY_CASE)
#undef CANBAO_AGENCY_CASE
  }
  return f(AgencyTag<Agency{}>{});
}

// Enumerations. Value 0 is "absent" for every optional field.
enum class Scheme : uint8_t { kNone = 0, kEmployee, kResident };
enum class EnrollStatus : uint8_t { kNone = 0, kActive, kSuspended, kTerminated };
enum class Category : uint8_t { kNone = 0, kInService, kFlexible, kRetired, kStudent, kChild, kAdult };
enum class Funded : uint8_t { kNone = 0, kTekun, kDibao, kLowIncome, kDisability, kOther };
enum class HrType : uint8_t { kNone = 0, kEmployment, kPension };
enum class PensionStatus : uint8_t { kNone = 0, kReceiving, kSuspended, kTerminated };
enum class Sex : uint8_t { kNone = 0, kMale, kFemale };
enum class PsStatus : uint8_t { kNone = 0, kNormal, kDead, kCancelled };
enum class EduLevel : uint8_t { kNone = 0, kPreschool, kPrimary, kSecondary, kVocational, kUniversity, kGraduate };
enum class EduStatus : uint8_t { kNone = 0, kEnrolled, kGraduated, kLeft };
enum class AssistCategory : uint8_t { kNone = 0, kTekun, kDibao, kLowIncome, kOrphan };
enum class MarketStatus : uint8_t { kNone = 0, kActive, kCancelled, kRevoked };  // SPEC §9
enum class HealthKind : uint8_t { kNone = 0, kBirth, kDeath };                    // SPEC §9

std::string_view scheme_name(Scheme scheme);  // employee / resident

/// SPEC §7 `op` of a record: the record stands (absent, empty, `upsert`), or a delete row (`delete` /
/// `删除`, update feeds only). A delete row is no record: only its key is read.
enum class RecordOp : uint8_t { kUpsert = 0, kDelete };

/// SPEC §7 feed mode: `append` (default) adds records; `update` changes what earlier feeds delivered.
enum class FeedMode : uint8_t { kAppend = 0, kUpdate };
std::string_view feed_mode_name(FeedMode mode);

/// How a record reached its person (SPEC §2).
enum class LinkMethod : uint8_t { kDirect = 0, kChecksumRepair, kNameBirth };
std::string_view link_method_name(LinkMethod method);

/// A string in a segment's arena: byte offset and length.
struct Str {
  uint64_t off : 40;
  uint64_t len : 24;
};
static_assert(sizeof(Str) == 8);
inline constexpr uint64_t kMaxStrLen = (uint64_t{1} << 24) - 1;

/// Where a record came from: the feed's index in the manifest and its 1-based physical line.
/// Records of one person are ordered by (feed, line).
struct Origin {
  uint32_t feed = 0;
  uint32_t line = 0;
  friend bool operator<(Origin a, Origin b) { return a.feed != b.feed ? a.feed < b.feed : a.line < b.line; }
  friend bool operator==(Origin a, Origin b) = default;
};

// Fields every packed record starts with. The record's feed is not stored: it is its segment's
// (SegmentHeader::feed_index). Nor are the SPEC §3 head fields `birth` and `sex`: they serve only
// fallback linking (SPEC §2) and the newborns without ID (SPEC §9), which read them from the
// pending record's PendingInfo (index/format.h). Nor a hash of the name: the writer hashes the
// stored name for the segment's (birth, name) table. 24 bytes instead of 40 (issue #16).
struct RecordHead {
  PersonKey key;
  Str name;
  uint32_t line;  // physical line in its feed (Origin::line)
  LinkMethod link;
  RecordOp op;  // SPEC §7: kDelete for a delete row of an update feed
  uint8_t pad_[2];
};
static_assert(sizeof(RecordHead) == 24);

// ---------------------------------------------------------------------------------------------
// Value kinds of the schema's fields: the packed (stored) type, the resolved type, and the parser
// of a present value. The parsers are defined in ingest/decoder.cpp (enum labels in English and
// Chinese); each returns false for text it cannot read and then leaves `out` unchanged.

bool parse_region(std::string_view text, Region& out);
bool parse_bool(std::string_view text, bool& out);
bool parse_amount_fen(std::string_view text, int64_t& out);  // decimal yuan, ≥ 0
bool parse_day(std::string_view text, Day& out);              // SPEC §1 date spellings
/// A payment date (tax `paid_on`): parse_day, and no later than the last as_of canbao accepts
/// (kLastAsOf, 2200-12-31): no payment is made after every date canbao evaluates, and R6 adds up
/// to 6 months to it, which past 9999-06-30 would leave the 4-digit year (issue #14).
bool parse_payment_day(std::string_view text, Day& out);
bool parse_month_value(std::string_view text, Month& out);    // SPEC §1 month spellings
bool parse_year(std::string_view text, int32_t& out);         // 1900..9999
bool parse_scheme(std::string_view text, Scheme& out);
bool parse_enroll_status(std::string_view text, EnrollStatus& out);
bool parse_category(std::string_view text, Category& out);
bool parse_funded(std::string_view text, Funded& out);
bool parse_hr_type(std::string_view text, HrType& out);
bool parse_pension_status(std::string_view text, PensionStatus& out);
bool parse_sex(std::string_view text, Sex& out);
bool parse_ps_status(std::string_view text, PsStatus& out);
bool parse_edu_level(std::string_view text, EduLevel& out);
bool parse_edu_status(std::string_view text, EduStatus& out);
bool parse_assist_category(std::string_view text, AssistCategory& out);
bool parse_disability_level(std::string_view text, uint8_t& out);
bool parse_market_status(std::string_view text, MarketStatus& out);
bool parse_health_kind(std::string_view text, HealthKind& out);

/// Text: a string in the arena. Required = present (a non-text value counts as absent).
struct TextKind {
  using Packed = Str;
  using Value = std::string_view;
};
/// A value read by Parse; stored and resolved as T.
template <typename T, bool (*Parse)(std::string_view, T&)>
struct ParsedKind {
  using Packed = T;
  using Value = T;
  static bool parse(std::string_view text, T& out) { return Parse(text, out); }
};
using RegionKind = ParsedKind<Region, parse_region>;
using DayKind = ParsedKind<Day, parse_day>;
using PaymentDayKind = ParsedKind<Day, parse_payment_day>;
using MonthKind = ParsedKind<Month, parse_month_value>;
using BoolKind = ParsedKind<bool, parse_bool>;
using AmountKind = ParsedKind<int64_t, parse_amount_fen>;  // fen; absent INT64_MIN
using YearKind = ParsedKind<int32_t, parse_year>;
using LevelKind = ParsedKind<uint8_t, parse_disability_level>;
template <typename E, bool (*Parse)(std::string_view, E&)>
using EnumKind = ParsedKind<E, Parse>;

inline constexpr bool kRequired = true;
inline constexpr bool kOptional = false;

// Packed records (generated from schema.h): the head, then the agency's fields in table order.
// Padding is implicit and zeroed: decode_record memsets the record before filling it.
#define CANBAO_PACKED_MEMBER(member, field, required, absent, ...) __VA_ARGS__::Packed member;
#define CANBAO_PACKED_STRUCT(Enum, token, Type, FIELDS)                 \
  struct Type##Packed {                                                  \
    static constexpr Agency kAgency = Agency::Enum;                      \
    RecordHead head;                                                     \
    FIELDS(CANBAO_PACKED_MEMBER)                                         \
  };                                                                     \
  static_assert(std::is_trivially_copyable_v<Type##Packed>);            \
  static_assert(offsetof(Type##Packed, head) == 0);
CANBAO_AGENCIES(CANBAO_PACKED_STRUCT)
#undef CANBAO_PACKED_STRUCT
#undef CANBAO_PACKED_MEMBER

/// The SPEC §3 head fields as decoded (every record's are checked, decode_record reports them in
/// DecodeResult::head): the name goes into the RecordHead, birth and sex into a pending record's
/// PendingInfo (index/format.h).
struct DecodedHead {
#define CANBAO_DECODED_MEMBER(member, field, required, absent, ...) __VA_ARGS__::Packed member = absent;
  CANBAO_HEAD_FIELDS(CANBAO_DECODED_MEMBER)  // sex, birth, name
#undef CANBAO_DECODED_MEMBER
};

/// Packed record type of an agency.
template <Agency A> struct PackedOf;
#define CANBAO_PACKED_OF(Enum, token, Type, FIELDS) \
  template <> struct PackedOf<Agency::Enum> { using type = Type##Packed; };
CANBAO_AGENCIES(CANBAO_PACKED_OF)
#undef CANBAO_PACKED_OF

/// Calls f(std::type_identity<Packed>{}) with the packed type of `agency`.
template <typename F>
decltype(auto) with_packed_type(Agency agency, F&& f) {
  return with_agency(agency, [&](auto tag) -> decltype(auto) {
    return f(std::type_identity<typename PackedOf<decltype(tag)::value>::type>{});
  });
}

// ---------------------------------------------------------------------------------------------
// Field descriptors (generated from schema.h): Schema<A>::for_each_field(f) calls f(D{}) for
// every field of agency A in table order, and HeadSchema::for_each_field for the head fields.
// D is an empty type: D::Kind, D::field (canbao_field), D::required, D::absent(), and D::of(r),
// the member in a packed or a resolved record (both use the same member names; for the head,
// a RecordHead or a RecordBase). Everything is known at compile time: no per-field dispatch.

#define CANBAO_FIELD_DESCRIPTOR(member, field_, required_, absent_, ...)         \
  struct member {                                                                \
    using Kind = __VA_ARGS__;                                                    \
    static constexpr int field = field_;                                         \
    static constexpr bool required = required_;                                  \
    static constexpr Kind::Value absent() { return absent_; }                    \
    template <typename R>                                                        \
    static constexpr auto& of(R& record) { return record.member; }               \
  };
#define CANBAO_FIELD_VISIT(member, field, required, absent, ...) f(member{});

struct HeadSchema {
  CANBAO_HEAD_FIELDS(CANBAO_FIELD_DESCRIPTOR)
  template <typename F>
  static constexpr void for_each_field(F&& f) { CANBAO_HEAD_FIELDS(CANBAO_FIELD_VISIT) }
};

template <Agency A> struct Schema;
#define CANBAO_SCHEMA(Enum, token, Type, FIELDS)                                \
  template <> struct Schema<Agency::Enum> {                                     \
    FIELDS(CANBAO_FIELD_DESCRIPTOR)                                             \
    template <typename F>                                                       \
    static constexpr void for_each_field(F&& f) { FIELDS(CANBAO_FIELD_VISIT) }  \
  };
CANBAO_AGENCIES(CANBAO_SCHEMA)
#undef CANBAO_SCHEMA
#undef CANBAO_FIELD_VISIT
#undef CANBAO_FIELD_DESCRIPTOR

/// Calls f(Str&) for every string field of a packed record (the head's name included), in
/// table order (the order strings are added to the arena).
template <typename P, typename F>
  requires requires { P::kAgency; }
void for_each_str(P& record, F&& f) {
  f(record.head.name);
  Schema<P::kAgency>::for_each_field([&](auto d) {
    using D = decltype(d);
    if constexpr (std::is_same_v<typename D::Kind, TextKind>) f(D::of(record));
  });
}

/// Size in bytes of an agency's packed record.
size_t packed_size(Agency agency);

// ---------------------------------------------------------------------------------------------
// Resolved records: what the rules see for one person. String views point into mapped segments
// and stay valid while the index is open.

struct RecordBase {
  Origin origin;
  LinkMethod link = LinkMethod::kDirect;
  RecordOp op = RecordOp::kUpsert;  // a delete row reaches no rule (match/ drops it)
  std::string_view name;  // SPEC §3 head field (birth and sex serve fallback linking only: not resolved)
};
#define CANBAO_RESOLVED_MEMBER(member, field, required, absent, ...) __VA_ARGS__::Value member = absent;

// Resolved records (generated from schema.h): a member per field, absent values as defaults.
#define CANBAO_RESOLVED_STRUCT(Enum, token, Type, FIELDS) \
  struct Type : RecordBase {                               \
    static constexpr Agency kAgency = Agency::Enum;        \
    FIELDS(CANBAO_RESOLVED_MEMBER)                         \
  };
CANBAO_AGENCIES(CANBAO_RESOLVED_STRUCT)
#undef CANBAO_RESOLVED_STRUCT
#undef CANBAO_RESOLVED_MEMBER

/// Resolved record type of an agency.
template <Agency A> struct ResolvedOf;
#define CANBAO_RESOLVED_OF(Enum, token, Type, FIELDS) \
  template <> struct ResolvedOf<Agency::Enum> { using type = Type; };
CANBAO_AGENCIES(CANBAO_RESOLVED_OF)
#undef CANBAO_RESOLVED_OF

/// Packed → resolved: copies every field of the table, turning Str into views through
/// str(Str) → std::string_view (a segment's arena); `feed` is the record's segment's feed index.
template <typename P, typename StrFn>
void resolve_record(const P& packed, uint32_t feed, LinkMethod link, const StrFn& str,
                    typename ResolvedOf<P::kAgency>::type& out) {
  const auto copy = [&](auto d, const auto& from, auto& to) {
    using D = decltype(d);
    if constexpr (std::is_same_v<typename D::Kind, TextKind>) {
      D::of(to) = str(D::of(from));
    } else {
      D::of(to) = D::of(from);
    }
  };
  out.origin = Origin{feed, packed.head.line};
  out.link = link;
  out.op = packed.head.op;
  out.name = str(packed.head.name);
  Schema<P::kAgency>::for_each_field([&](auto d) { copy(d, packed, out); });
}

}  // namespace canbao
