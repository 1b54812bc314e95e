// placeholder; replaced by the fixed-width legacy adapter
#include "canbao/adapter_abi.h"
