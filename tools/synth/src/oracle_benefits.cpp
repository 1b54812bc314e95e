// R6 benefit start (SPEC §5, N 四) for the oracle: every local active record starting in the year of d.
#include <algorithm>

#include "oracle_internal.h"

namespace canbao::synth::oracle {

namespace {

/// Coverage history (§4) before the record's start month: C (`prior`) and G (`gap`, -1 = none).
void prior_cover(Ctx& c, const SEnroll& e, OBenefit& b) {
  const Month sm = month_of_day(e.start);
  Month lo = sm;
  for (const SEnroll* o : c.enr)
    if (o != &e && o->start != kNoDay) lo = std::min(lo, month_of_day(o->start));
  std::vector<char> covered(static_cast<size_t>(sm - lo), 0);
  for (const SEnroll* o : c.enr) {
    if (o == &e || o->start == kNoDay) continue;
    const Month a = month_of_day(o->start);
    const Month z = o->end == kNoDay ? sm - 1 : std::min(sm - 1, month_of_day(o->end));
    for (Month m = a; m <= z; ++m) {
      bool counts = true;
      if (c.s.is_local(o->region)) {
        counts = false;
        for (const STax* t : c.tax)
          if (t->scheme == o->scheme && c.s.is_local(t->region) && !t->back_pay && tax_covers(*t, m)) counts = true;
      }
      if (counts) covered[static_cast<size_t>(m - lo)] = 1;
    }
  }
  Month last = kNoMonth;
  for (Month m = sm - 1; m >= lo; --m)
    if (covered[static_cast<size_t>(m - lo)]) { last = m; break; }
  if (last != kNoMonth) {
    int run = 0;
    for (Month m = last; m >= lo && covered[static_cast<size_t>(m - lo)]; --m) ++run;
    b.prior = run;
    b.gap = sm - last - 1;
  }
}

/// R6 benefit start of one record.
void benefit_of(Ctx& c, const SEnroll& e, OBenefit& b) {
  b = OBenefit{};
  b.record_id = c.rid(&e);
  b.scheme = e.scheme;
  b.start = e.start;
  const Month sm = month_of_day(e.start);
  prior_cover(c, e, b);
  const bool continuous = b.gap >= 0 && b.prior >= 24 && b.gap <= 3;
  if (e.scheme == Scheme::kEmployee) {
    b.benefit = continuous ? first_day_of_month(sm) : add_months(e.start, 6);
  } else {
    Day paid_on = kNoDay;
    for (const STax* t : c.tax)
      if (t->scheme == Scheme::kResident && c.s.is_local(t->region) && tax_covers(*t, sm) &&
          (paid_on == kNoDay || t->paid_on < paid_on))
        paid_on = t->paid_on;
    if (paid_on == kNoDay) {
      c.flag("resident R6 record without payment");
      paid_on = e.start;
    }
    b.paid_on = paid_on;
    const Ymd st = ymd_from_day(e.start);
    if (st.month == 1 && st.day == 1 && paid_on >= day_from_ymd(st.year - 1, 9, 1) &&
        paid_on <= day_from_ymd(st.year - 1, 12, 31))
      b.benefit = e.start;
    else
      b.benefit = continuous ? paid_on + 1 : add_months(paid_on, 6);
  }
}

}  // namespace

void r6_benefits(Ctx& c) {
  for (const SEnroll* e : c.enr) {
    if (!c.s.is_local(e->region) || e->status != EnrollStatus::kActive || e->start == kNoDay) continue;
    if (ymd_from_day(e->start).year != c.year) continue;
    OBenefit b;
    benefit_of(c, *e, b);
    c.benefit_start[e] = b.benefit;
    c.out.benefits.push_back(std::move(b));
  }
}

}  // namespace canbao::synth::oracle
