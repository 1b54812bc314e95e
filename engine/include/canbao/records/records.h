// SPEC §3 records: the enumerations, the packed form stored in index segments, and the resolved
// form (string_views) the rules read. Packed records are trivially copyable PODs so a segment is
// a flat array in a mapped file; strings live in the segment's arena and are referenced by Str.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "canbao/core/date.h"
#include "canbao/identity/citizen_id.h"

namespace canbao {

/// A 6-digit administrative code; 0 means absent.
using Region = int32_t;
inline constexpr Region kNoRegion = 0;

enum class Agency : uint8_t {
  kEnrollment = 0,
  kTax,
  kHr,
  kPublicSecurity,
  kEducation,
  kDisability,
  kCivilAffairs,
};
inline constexpr int kAgencyCount = 7;
std::string_view agency_name(Agency agency);
/// Parses `enrollment`, `tax`, ...; false for an unknown name.
bool parse_agency(std::string_view name, Agency& out);

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

std::string_view scheme_name(Scheme scheme);  // employee / resident

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

// Fields every packed record starts with.
struct RecordHead {
  PersonKey key;
  Origin origin;
  Str name;
  Day birth;           // optional, used only for fallback linking
  uint32_t name_hash;  // name_hash() of the normalised name (0: no name), for fallback linking
  Sex sex;
  LinkMethod link;
  uint8_t pad_[6];
};

struct EnrollmentPacked {
  RecordHead head;
  Str record_id, unit;
  Region region;
  Day start, end;  // end kNoDay = open
  Scheme scheme;
  EnrollStatus status;
  Category category;
  Funded funded;
};

struct TaxPacked {
  RecordHead head;
  Str payer;
  Region region;
  Month from, to;
  Day paid_on;
  int64_t amount_fen;  // INT64_MIN = absent
  Scheme scheme;
  bool back_pay;
  uint8_t pad_[6];
};

struct HrPacked {
  RecordHead head;
  Str unit;
  Region region;
  Day start, end;  // kNoDay = open
  HrType type;
  PensionStatus pension_status;
  uint8_t pad_[2];
};

struct PublicSecurityPacked {
  RecordHead head;
  Str address;
  Region hukou_region, residence_region, permit_region;
  Day permit_expiry, death_date;
  PsStatus status;
  uint8_t pad_[3];
};

struct EducationPacked {
  RecordHead head;
  Str school;
  Region region;
  int32_t entry_year;  // 0 = absent
  EduLevel level;
  EduStatus status;
  uint8_t pad_[6];
};

struct DisabilityPacked {
  RecordHead head;
  Region region;
  Day certified_on;
  uint8_t level;  // 1..4
  uint8_t pad_[7];
};

struct CivilAffairsPacked {
  RecordHead head;
  Region region;
  Day from, to;  // kNoDay = open
  AssistCategory category;
  uint8_t pad_[3];
};

static_assert(std::is_trivially_copyable_v<EnrollmentPacked>);
static_assert(std::is_trivially_copyable_v<TaxPacked>);
static_assert(std::is_trivially_copyable_v<PublicSecurityPacked>);

/// Packed record type of an agency.
template <Agency A> struct PackedOf;
template <> struct PackedOf<Agency::kEnrollment> { using type = EnrollmentPacked; };
template <> struct PackedOf<Agency::kTax> { using type = TaxPacked; };
template <> struct PackedOf<Agency::kHr> { using type = HrPacked; };
template <> struct PackedOf<Agency::kPublicSecurity> { using type = PublicSecurityPacked; };
template <> struct PackedOf<Agency::kEducation> { using type = EducationPacked; };
template <> struct PackedOf<Agency::kDisability> { using type = DisabilityPacked; };
template <> struct PackedOf<Agency::kCivilAffairs> { using type = CivilAffairsPacked; };

/// Calls f(std::type_identity<Packed>{}) with the packed type of `agency`.
template <typename F>
decltype(auto) with_packed_type(Agency agency, F&& f) {
  switch (agency) {
    case Agency::kTax: return f(std::type_identity<TaxPacked>{});
    case Agency::kHr: return f(std::type_identity<HrPacked>{});
    case Agency::kPublicSecurity: return f(std::type_identity<PublicSecurityPacked>{});
    case Agency::kEducation: return f(std::type_identity<EducationPacked>{});
    case Agency::kDisability: return f(std::type_identity<DisabilityPacked>{});
    case Agency::kCivilAffairs: return f(std::type_identity<CivilAffairsPacked>{});
    case Agency::kEnrollment: break;
  }
  return f(std::type_identity<EnrollmentPacked>{});
}

/// Calls f(Str&) for every string field of a packed record (the head's name included).
template <typename F> void for_each_str(EnrollmentPacked& r, F&& f) { f(r.head.name); f(r.record_id); f(r.unit); }
template <typename F> void for_each_str(TaxPacked& r, F&& f) { f(r.head.name); f(r.payer); }
template <typename F> void for_each_str(HrPacked& r, F&& f) { f(r.head.name); f(r.unit); }
template <typename F> void for_each_str(PublicSecurityPacked& r, F&& f) { f(r.head.name); f(r.address); }
template <typename F> void for_each_str(EducationPacked& r, F&& f) { f(r.head.name); f(r.school); }
template <typename F> void for_each_str(DisabilityPacked& r, F&& f) { f(r.head.name); }
template <typename F> void for_each_str(CivilAffairsPacked& r, F&& f) { f(r.head.name); }

/// Size in bytes of an agency's packed record.
size_t packed_size(Agency agency);

// ---------------------------------------------------------------------------------------------
// Resolved records: what the rules see for one person. String views point into mapped segments
// and stay valid while the index is open.

struct RecordBase {
  Origin origin;
  LinkMethod link = LinkMethod::kDirect;
  std::string_view name;
};

struct Enrollment : RecordBase {
  std::string_view record_id, unit;
  Region region = kNoRegion;
  Day start = kNoDay, end = kNoDay;
  Scheme scheme = Scheme::kNone;
  EnrollStatus status = EnrollStatus::kNone;
  Category category = Category::kNone;
  Funded funded = Funded::kNone;
};

struct Tax : RecordBase {
  std::string_view payer;
  Region region = kNoRegion;
  Month from = kNoMonth, to = kNoMonth;
  Day paid_on = kNoDay;
  int64_t amount_fen = INT64_MIN;
  Scheme scheme = Scheme::kNone;
  bool back_pay = false;
};

struct Hr : RecordBase {
  std::string_view unit;
  Region region = kNoRegion;
  Day start = kNoDay, end = kNoDay;
  HrType type = HrType::kNone;
  PensionStatus pension_status = PensionStatus::kNone;
};

struct PublicSecurity : RecordBase {
  std::string_view address;
  Sex sex = Sex::kNone;
  Day birth = kNoDay;
  Region hukou_region = kNoRegion, residence_region = kNoRegion, permit_region = kNoRegion;
  Day permit_expiry = kNoDay, death_date = kNoDay;
  PsStatus status = PsStatus::kNormal;
};

struct Education : RecordBase {
  std::string_view school;
  Region region = kNoRegion;
  int32_t entry_year = 0;
  EduLevel level = EduLevel::kNone;
  EduStatus status = EduStatus::kEnrolled;
};

struct Disability : RecordBase {
  Region region = kNoRegion;
  Day certified_on = kNoDay;
  uint8_t level = 0;
};

struct CivilAffairs : RecordBase {
  Region region = kNoRegion;
  Day from = kNoDay, to = kNoDay;
  AssistCategory category = AssistCategory::kNone;
};

}  // namespace canbao
