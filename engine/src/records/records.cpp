#include "canbao/records/fields.h"
#include "canbao/records/records.h"

#include <iterator>

namespace canbao {

namespace {
constexpr std::string_view kAgencyNames[kAgencyCount] = {
#define CANBAO_AGENCY_NAME(Enum, token, Type, FIELDS) #token,
    CANBAO_AGENCIES(CANBAO_AGENCY_NAME)
#undef CANBAO_AGENCY_NAME
};

// The schema's field names must follow enum canbao_field exactly (the adapter ABI).
constexpr int kFieldOrder[] = {
#define CANBAO_FIELD_VALUE(constant, name) constant,
    CANBAO_FIELD_NAMES(CANBAO_FIELD_VALUE)
#undef CANBAO_FIELD_VALUE
};
static_assert(std::size(kFieldOrder) == CANBAO_F_COUNT, "CANBAO_FIELD_NAMES must list every canbao_field");
constexpr bool field_order_matches_abi() {
  for (int idx = 0; idx < CANBAO_F_COUNT; ++idx)
    if (kFieldOrder[idx] != idx) return false;
  return true;
}
static_assert(field_order_matches_abi(), "CANBAO_FIELD_NAMES must follow the order of enum canbao_field");

constexpr std::string_view kFieldNames[CANBAO_F_COUNT] = {
#define CANBAO_FIELD_TEXT(constant, name) #name,
    CANBAO_FIELD_NAMES(CANBAO_FIELD_TEXT)
#undef CANBAO_FIELD_TEXT
};
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

std::string_view feed_mode_name(FeedMode mode) { return mode == FeedMode::kUpdate ? "update" : "append"; }

std::string_view link_method_name(LinkMethod method) {
  switch (method) {
    case LinkMethod::kDirect: return "direct";
    case LinkMethod::kChecksumRepair: return "checksum_repair";
    case LinkMethod::kNameBirth: return "name_birth";
  }
  return "";
}

size_t packed_size(Agency agency) {
  if (static_cast<int>(agency) >= kAgencyCount) return 0;  // e.g. a damaged segment header
  return with_packed_type(agency, [](auto type) { return sizeof(typename decltype(type)::type); });
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
