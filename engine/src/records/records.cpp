#include "canbao/records/fields.h"
#include "canbao/records/records.h"

namespace canbao {

namespace {
constexpr std::string_view kAgencyNames[kAgencyCount] = {
    "enrollment", "tax", "hr", "public_security", "education", "disability", "civil_affairs"};

constexpr std::string_view kFieldNames[CANBAO_F_COUNT] = {
    "record_id", "id", "name", "scheme", "region", "status", "start", "end",
    "category", "unit", "funded", "from", "to", "paid_on", "back_pay", "amount",
    "payer", "type", "pension_status", "sex", "birth", "hukou_region", "residence_region",
    "permit_region", "permit_expiry", "death_date", "address", "school", "level", "entry_year",
    "certified_on"};
}  // namespace

std::string_view agency_name(Agency agency) { return kAgencyNames[static_cast<int>(agency)]; }

bool parse_agency(std::string_view name, Agency& out) {
  for (int idx = 0; idx < kAgencyCount; ++idx) {
    if (kAgencyNames[idx] == name) {
      out = static_cast<Agency>(idx);
      return true;
    }
  }
  return false;
}

std::string_view scheme_name(Scheme scheme) {
  switch (scheme) {
    case Scheme::kEmployee: return "employee";
    case Scheme::kResident: return "resident";
    case Scheme::kNone: break;
  }
  return "";
}

std::string_view link_method_name(LinkMethod method) {
  switch (method) {
    case LinkMethod::kDirect: return "direct";
    case LinkMethod::kChecksumRepair: return "checksum_repair";
    case LinkMethod::kNameBirth: return "name_birth";
  }
  return "";
}

size_t packed_size(Agency agency) {
  switch (agency) {
    case Agency::kEnrollment: return sizeof(EnrollmentPacked);
    case Agency::kTax: return sizeof(TaxPacked);
    case Agency::kHr: return sizeof(HrPacked);
    case Agency::kPublicSecurity: return sizeof(PublicSecurityPacked);
    case Agency::kEducation: return sizeof(EducationPacked);
    case Agency::kDisability: return sizeof(DisabilityPacked);
    case Agency::kCivilAffairs: return sizeof(CivilAffairsPacked);
  }
  return 0;
}

std::string_view field_name(int field) {
  return field >= 0 && field < CANBAO_F_COUNT ? kFieldNames[field] : std::string_view{};
}

int field_from_name(std::string_view name) {
  for (int idx = 0; idx < CANBAO_F_COUNT; ++idx)
    if (kFieldNames[idx] == name) return idx;
  return -1;
}

}  // namespace canbao
