// report.html (issue #5): one self-contained page (inline SVG and CSS, no network) in Chinese with
// English labels, for the bureau's staff: the annual plan per district against the target (R9),
// the uninsured by state and group (R1/R2), duplicate cases (R3/R4), actions (R5), subsidy
// deductions (R5), benefit waiting periods (R6), data quality and timings.
#pragma once

#include <string>
#include <string_view>

#include "canbao/job/run_job.h"

namespace canbao {

/// The page for a finished run (its plan table shows the cells of plan.csv).
std::string build_report_html(const RunReport& report);

}  // namespace canbao
