// Names of the SPEC §3 fields of the adapter ABI (canbao_field).
#pragma once

#include <string_view>

#include "canbao/adapter_abi.h"

namespace canbao {

/// `record_id`, `id`, ... for a canbao_field value; "" when out of range.
std::string_view field_name(int field);
/// The canbao_field for a SPEC field name, or -1.
int field_from_name(std::string_view name);

}  // namespace canbao
