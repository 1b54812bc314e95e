// Civil dates and months as small integers (SPEC §1 date formats).
//
// A Day is the number of days since 1970-01-01 (proleptic Gregorian); a Month is
// year*12 + (month-1). Both have a sentinel meaning "absent". All functions are pure
// and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace canbao {

using Day = int32_t;
using Month = int32_t;

inline constexpr Day kNoDay = INT32_MIN;
inline constexpr Month kNoMonth = INT32_MIN;

/// The dates canbao accepts as `as_of` (a manifest's, synth's `--as-of`, index.json's) and as a
/// pre-check's `date` and `start` (issue #14): 1900-01-01 (SPEC §2: no valid ID is born earlier)
/// through 2200-12-31. Every date a run derives from one of them (deadlines, benefit starts,
/// waiting periods) then keeps a 4-digit year.
inline constexpr Day kFirstAsOf = -25567;  // 1900-01-01
inline constexpr Day kLastAsOf = 84370;    // 2200-12-31
inline constexpr std::string_view kAsOfRangeText = "1900-01-01..2200-12-31";
inline constexpr bool as_of_in_range(Day day) { return day >= kFirstAsOf && day <= kLastAsOf; }
/// The last date the YYYY-MM-DD form can hold.
inline constexpr Day kLastWritableDay = 2932896;  // 9999-12-31

struct Ymd {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
};

/// True when (y, m, d) is a real calendar date.
bool is_valid_ymd(int year, int month, int day);
int days_in_month(int year, int month);

/// Days since 1970-01-01 for a valid date (REQUIRES: is_valid_ymd).
Day day_from_ymd(int year, int month, int day);
Ymd ymd_from_day(Day day);

inline Month month_from_ym(int year, int month) { return year * 12 + (month - 1); }
inline int month_year(Month m) { return m / 12; }
inline int month_of_year(Month m) { return m % 12 + 1; }
Month month_of_day(Day day);
Day first_day_of_month(Month m);
Day last_day_of_month(Month m);

/// Adds calendar months to a date, clamping the day to the end of the target month
/// (2026-08-31 + 6 months = 2027-02-28).
Day add_months(Day day, int months);

/// Parses `YYYY-MM-DD`, `YYYYMMDD` or `YYYY/MM/DD` (surrounding spaces trimmed).
/// Returns nullopt for anything else, including impossible dates such as 2026-02-30.
std::optional<Day> parse_date(std::string_view text);
/// Parses `YYYY-MM` or `YYYYMM`.
std::optional<Month> parse_month(std::string_view text);

/// `YYYY-MM-DD`; empty string for kNoDay.
std::string format_date(Day day);
/// Appends `YYYY-MM-DD` (nothing for kNoDay) to out.
void append_date(std::string& out, Day day);

}  // namespace canbao
