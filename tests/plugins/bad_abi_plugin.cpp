// A plugin built against a future ABI: the loader must refuse it with a clear error.
#include "canbao/adapter_abi.h"

namespace {
canbao_adapter table = {99u, sizeof(canbao_adapter), "future", nullptr, nullptr, nullptr, nullptr, nullptr};
}

CANBAO_ADAPTER_EXPORT const canbao_adapter* canbao_adapter_entry(void) { return &table; }
