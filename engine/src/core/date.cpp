#include "canbao/core/date.h"

#include "canbao/core/text.h"

namespace canbao {

int days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

bool is_valid_ymd(int year, int month, int day) {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month);
}

// Howard Hinnant's days_from_civil / civil_from_days.
Day day_from_ymd(int year, int month, int day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

Ymd ymd_from_day(Day z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Ymd{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

Month month_of_day(Day day) {
  const Ymd ymd = ymd_from_day(day);
  return month_from_ym(ymd.year, ymd.month);
}

Day first_day_of_month(Month m) { return day_from_ymd(month_year(m), month_of_year(m), 1); }

Day last_day_of_month(Month m) {
  return day_from_ymd(month_year(m), month_of_year(m), days_in_month(month_year(m), month_of_year(m)));
}

Day add_months(Day day, int months) {
  const Ymd ymd = ymd_from_day(day);
  const Month target = month_from_ym(ymd.year, ymd.month) + months;
  const int year = month_year(target);
  const int month = month_of_year(target);
  const int dom = ymd.day < days_in_month(year, month) ? ymd.day : days_in_month(year, month);
  return day_from_ymd(year, month, dom);
}

namespace {

bool parse_digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t idx = pos; idx < pos + count; ++idx) {
    const char c = text[idx];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

std::optional<Day> parse_date(std::string_view text) {
  text = trim_ascii(text);
  int year = 0, month = 0, day = 0;
  if (text.size() == 8) {
    if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 4, 2, month) ||
        !parse_digits(text, 6, 2, day))
      return std::nullopt;
  } else if (text.size() == 10 && (text[4] == '-' || text[4] == '/') && text[7] == text[4]) {
    if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) ||
        !parse_digits(text, 8, 2, day))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (!is_valid_ymd(year, month, day)) return std::nullopt;
  return day_from_ymd(year, month, day);
}

std::optional<Month> parse_month(std::string_view text) {
  text = trim_ascii(text);
  int year = 0, month = 0;
  if (text.size() == 6) {
    if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 4, 2, month)) return std::nullopt;
  } else if (text.size() == 7 && text[4] == '-') {
    if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12) return std::nullopt;
  return month_from_ym(year, month);
}

void append_date(std::string& out, Day day) {
  if (day == kNoDay) return;
  const Ymd ymd = ymd_from_day(day);
  char buf[10];
  buf[0] = static_cast<char>('0' + ymd.year / 1000 % 10);
  buf[1] = static_cast<char>('0' + ymd.year / 100 % 10);
  buf[2] = static_cast<char>('0' + ymd.year / 10 % 10);
  buf[3] = static_cast<char>('0' + ymd.year % 10);
  buf[4] = '-';
  buf[5] = static_cast<char>('0' + ymd.month / 10);
  buf[6] = static_cast<char>('0' + ymd.month % 10);
  buf[7] = '-';
  buf[8] = static_cast<char>('0' + ymd.day / 10);
  buf[9] = static_cast<char>('0' + ymd.day % 10);
  out.append(buf, 10);
}

std::string format_date(Day day) {
  std::string out;
  append_date(out, day);
  return out;
}

}  // namespace canbao
