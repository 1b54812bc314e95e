// SPEC §8 pre-check at the source (X 六(二) 从源头防范新增重复参保; N 五(一)–(三); N 四): before a
// person is enrolled in scheme S in region R on date t, may they, and what must happen to the
// records they already hold? precheck() applies P1–P8 in order to one person's records (the
// PersonView of the latest run's index) with the §4 facts taken at d = t; the first step that
// applies decides. The rule code is engine/src/rules/precheck.cpp, one function per P step, built
// on the rules' own §4 facts, R5 refund and R6 benefit start (rules_internal.h). Like the rest of
// rules/ it writes no text: query/person_index.h formats an answer as the §8 JSON object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canbao/core/status.h"
#include "canbao/rules/outcome.h"
#include "canbao/rules/rules.h"

namespace canbao {

/// A §8 request: may `id` enrol in `scheme` in `region` on `date`, from `start`?
struct PrecheckRequest {
  std::string id;                  // as asked (raw: P1 validates it)
  Scheme scheme = Scheme::kNone;   // employee / resident
  Region region = kNoRegion;       // 6 digits
  Day date = kNoDay;               // t; kNoDay: the latest run's as_of (filled by the caller)
  Day start = kNoDay;              // kNoDay: t
};

/// A request as text (CLI options, an HTTP query string); an empty `date`/`start` is absent.
struct PrecheckRequestText {
  std::string_view id, scheme, region, date, start;
};

/// §8 "a malformed request (unknown scheme, region not 6 digits, unparsable date) is an error —
/// not an answer": the parsed request, or one line naming the bad field. `scheme` is `employee` or
/// `resident`; `region` exactly 6 ASCII digits; dates in a SPEC §1 spelling (YYYY-MM-DD, YYYYMMDD,
/// YYYY/MM/DD); surrounding spaces are trimmed. The ID is not checked here (P1 answers for it).
Result<PrecheckRequest> parse_precheck_request(const PrecheckRequestText& text);

/// §8 `decision`.
enum class PrecheckDecision : uint8_t { kAllow, kAllowWithActions, kDeny, kInvalid };
std::string_view precheck_decision_name(PrecheckDecision decision);  // allow / allow_with_actions / deny / invalid

/// One §8 action: a record to change.
struct PrecheckAction {
  std::string record_id;
  ActionKind action = ActionKind::kTerminate;  // kTerminate or kSuspend
  Region handler_region = kNoRegion;           // kNoRegion: `local`; else `region:<code>` (as R5)
  Refund refund = Refund::kNone;
  Day deadline = kNoDay;
};

/// The §8 answer. Empty reason/rule and kNoDay dates are JSON null.
struct PrecheckAnswer {
  PrecheckDecision decision = PrecheckDecision::kAllow;
  std::string_view reason;             // token (static); empty for a plain allow
  std::string_view rule;               // clause (static); empty for invalid and a plain allow
  std::vector<std::string> conflicts;  // record_ids that decide, ascending
  std::vector<PrecheckAction> actions; // by record_id ascending
  Day benefit_start = kNoDay;          // every allow / allow_with_actions (R6 at t)
  Day resident_benefits_until = kNoDay;  // P8 step 4 only
};

/// SPEC §8 P1–P8 for one person. `person` holds the person's records gathered from the index
/// (empty when the index does not know the ID: no records, alive); `settings` are the index's run
/// settings (city, notice_days; as_of is replaced by t); REQUIRES: request.date is set (t) and
/// request.scheme is employee or resident. `context.mothers` is the §9 mother step of the §4 home
/// district (no P step reads the home district; it is passed for completeness of the facts).
/// Thread-safe (per-thread scratch, like evaluate_person).
PrecheckAnswer precheck(const PersonView& person, const RunSettings& settings, const PrecheckRequest& request,
                        const EvalContext& context = {});

}  // namespace canbao
