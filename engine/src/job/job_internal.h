// Internal to engine/src/job/: pieces of a run shared by its files. Never installed.
#pragma once

#include <string>

#include "canbao/job/run_job.h"

namespace canbao {

/// summary.json of a finished run (summary.cpp).
std::string build_summary_json(const RunReport& report);

}  // namespace canbao
