// Feed writers of the synthetic city: one line per record, with the variety of spellings a bureau
// really receives (three date spellings, Chinese enum labels, numbers as strings, absent values as
// missing keys, empty strings or null, 15-digit and full-width IDs) at modest rates.
#include <cstdio>

#include "canbao/adapter_abi.h"
#include "canbao/core/text.h"
#include "synth_internal.h"

namespace canbao::synth {

const char* const kFeedPaths[kFeedCount] = {"enrollment.ndjson", "national_platform.jsonl", "tax.ndjson",
                                            "hr.ndjson",         "public_security.csv",     "education.ndjson",
                                            "disability.ndjson", "civil_affairs.ndjson",    "health.ndjson",
                                            "market.ndjson"};
const char* const kFeedAgencies[kFeedCount] = {"enrollment", "enrollment", "tax",           "hr",
                                               "public_security", "education", "disability", "civil_affairs",
                                               "health",     "market"};
const char kPsHeader[] = "姓名,公民身份号码,性别,民族,出生日期,户籍地,常住地,住址,居住证签发地,居住证有效期至,人员状态,死亡日期\n";

namespace {

/// 统一社会信用代码-like: the 2-character kind (91 enterprise, 92 individual business) + region + 8
/// characters.
std::string credit_code(const char* kind, const UnitCode& unit) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string out = kind + std::to_string(unit.region);
  uint64_t x = mix64(unit.num * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(unit.region));
  // The last 6 characters encode the number (unique per region); the first 2 decorate.
  out.push_back(kAlphabet[x % 31]);
  out.push_back(kAlphabet[(x / 31) % 31]);
  uint32_t n = unit.num;
  char tail[6];
  for (int k = 5; k >= 0; --k) {
    tail[k] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out.append(tail, 6);
  return out;
}

}  // namespace

std::string unit_text(const UnitCode& unit) { return credit_code("91", unit); }
std::string business_text(const UnitCode& unit) { return credit_code("92", unit); }

std::string school_text(Region region, uint32_t num) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "S%06d%04u", region, num % 10000);
  return buf;
}

namespace {

void append_int(std::string& out, int64_t v) { out += std::to_string(v); }

void append_2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

/// style 0: YYYY-MM-DD, 1: YYYYMMDD, 2: YYYY/MM/DD.
void append_date_style(std::string& out, Day day, int style) {
  const Ymd y = ymd_from_day(day);
  append_int(out, y.year);
  if (style == 0) out.push_back('-');
  if (style == 2) out.push_back('/');
  append_2(out, y.month);
  if (style == 0) out.push_back('-');
  if (style == 2) out.push_back('/');
  append_2(out, y.day);
}

int date_style(Rng& v, int preferred = 0) {
  const uint32_t r = v.below(100);
  if (r < 86) return preferred;
  if (r < 95) return preferred == 1 ? 0 : 1;
  return 2;
}

void append_month(std::string& out, Month m, bool compact) {
  append_int(out, month_year(m));
  if (!compact) out.push_back('-');
  append_2(out, month_of_year(m));
}

void append_money(std::string& out, int64_t fen) {
  append_int(out, fen / 100);
  out.push_back('.');
  append_2(out, static_cast<int>(fen % 100));
}

std::string fullwidth(const std::string& id) {
  std::string out;
  for (char ch : id) {
    if (ch >= '0' && ch <= '9') {
      out += "\xEF\xBC";
      out.push_back(static_cast<char>(0x90 + (ch - '0')));
    } else if (ch == 'X') {
      out += "\xEF\xBC\xB8";
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

/// ID text of a clean record: canonical, sometimes legacy 15 digits, full-width, lowercase x or
/// padded — all valid after SPEC §2 normalisation.
std::string clean_id(const SPerson& p, Rng& v, int feed) {
  std::string id = p.id_text();
  const Ymd b = ymd_from_day(p.id.birth);
  const uint32_t r = v.below(1000);
  if ((feed == kFeedPs && r < 10) || (feed == kFeedHr && r < 5)) {
    if (b.year >= 1900 && b.year <= 1999 && id[0] != '9') return id.substr(0, 6) + id.substr(8, 9);
  }
  if (feed == kFeedEnrollment && r >= 998) return fullwidth(id);
  if (feed == kFeedPs && r >= 997) return fullwidth(id);
  if (id.back() == 'X' && r >= 700 && r < 900) id.back() = 'x';
  if (feed == kFeedCivil && r >= 980) return " " + id + " ";
  return id;
}

class JsonLine {
 public:
  JsonLine(std::string& out, Rng& v) : out_(out), v_(v) {}
  void key(const char* k) {
    out_ += first_ ? "{\"" : ", \"";
    first_ = false;
    out_ += k;
    out_ += "\": ";
  }
  void str(const char* k, std::string_view value) {
    key(k);
    out_.push_back('"');
    for (char ch : value) {
      if (ch == '"' || ch == '\\') out_.push_back('\\');
      out_.push_back(ch);
    }
    out_.push_back('"');
  }
  void raw(const char* k, std::string_view value) {
    key(k);
    out_ += value;
  }
  /// An absent optional value: the key left out, an empty string or null.
  void absent(const char* k) {
    const uint32_t r = v_.below(100);
    if (r < 60) return;
    if (r < 85) str(k, "");
    else raw(k, "null");
  }
  void date(const char* k, Day day, int preferred = 0) {
    if (day == kNoDay) return absent(k);
    std::string text;
    append_date_style(text, day, date_style(v_, preferred));
    str(k, text);
  }
  void month(const char* k, Month m, bool compact_pref = false) {
    std::string text;
    append_month(text, m, v_.chance(0.2) ? !compact_pref : compact_pref);
    str(k, text);
  }
  void end() { out_ += "}\n"; }

 private:
  std::string& out_;
  Rng& v_;
  bool first_ = true;
};

std::string_view scheme_text(Scheme s, Rng& v) {
  const bool zh = v.chance(0.15);
  if (s == Scheme::kEmployee) return zh ? "职工" : "employee";
  return zh ? "居民" : "resident";
}

std::string_view status_text(EnrollStatus s, Rng& v) {
  const bool zh = v.chance(0.12);
  switch (s) {
    case EnrollStatus::kActive: return zh ? "正常" : "active";
    case EnrollStatus::kSuspended: return zh ? "暂停" : "suspended";
    default: return zh ? "终止" : "terminated";
  }
}

std::string_view category_text(Category c, Rng& v) {
  const bool zh = v.chance(0.1);
  switch (c) {
    case Category::kInService: return zh ? "在职" : "in_service";
    case Category::kFlexible: return zh ? "灵活就业" : "flexible";
    case Category::kRetired: return zh ? "退休" : "retired";
    case Category::kStudent: return zh ? "学生" : "student";
    case Category::kChild: return zh ? "少儿" : "child";
    case Category::kAdult: return zh ? "成年居民" : "adult";
    default: return "";
  }
}

std::string_view funded_text(Funded f, Rng& v) {
  const bool zh = v.chance(0.3);
  switch (f) {
    case Funded::kTekun: return zh ? "特困" : "tekun";
    case Funded::kDibao: return zh ? "低保" : "dibao";
    case Funded::kLowIncome: return zh ? "低收入" : "low_income";
    case Funded::kDisability: return zh ? "重度残疾" : "disability";
    case Funded::kOther: return zh ? "其他" : "other";
    default: return "";
  }
}

std::string_view edu_level_text(EduLevel l, Rng& v) {
  const bool zh = v.chance(0.15);
  switch (l) {
    case EduLevel::kPreschool: return zh ? "幼儿园" : "preschool";
    case EduLevel::kPrimary: return zh ? "小学" : "primary";
    case EduLevel::kSecondary: return zh ? "中学" : "secondary";
    case EduLevel::kVocational: return zh ? "中职" : "vocational";
    case EduLevel::kUniversity: return zh ? "本科" : "university";
    case EduLevel::kGraduate: return zh ? "研究生" : "graduate";
    default: return "";
  }
}

std::string_view assist_text(AssistCategory c, Rng& v) {
  const bool zh = v.chance(0.5);
  switch (c) {
    case AssistCategory::kTekun: return zh ? "特困人员" : "tekun";
    case AssistCategory::kDibao: return zh ? "低保" : "dibao";
    case AssistCategory::kLowIncome: return zh ? "低收入" : "low_income";
    case AssistCategory::kOrphan: return zh ? "孤儿" : "orphan";
    default: return "";
  }
}

/// Writes the id key of a record (clean or dirty).
void put_id(JsonLine& j, const char* key, const SPerson& p, const DirtySpec* dirt, Rng& v, int feed) {
  if (!dirt) return j.str(key, clean_id(p, v, feed));
  if (!dirt->id_present) return j.absent(key);
  j.str(key, dirt->raw_id);
}

void put_name(JsonLine& j, const char* key, const SPerson& p, const DirtySpec* dirt) {
  j.str(key, dirt && !dirt->name.empty() ? dirt->name : p.name);
}

std::string_view sex_text(bool male, Rng& v) {
  if (v.chance(0.5)) return male ? "男" : "女";
  return male ? "M" : "F";
}

void put_birth_sex(JsonLine& j, const char* birth_key, const char* sex_key, const SPerson& p, const DirtySpec* dirt,
                   Rng& v) {
  if (!dirt || !dirt->with_birth) return;
  j.date(birth_key, p.id.birth);
  if (dirt->with_sex) j.str(sex_key, sex_text(dirt->sex_male, v));
}

bool garbled(const DirtySpec* dirt, int field) { return dirt && dirt->bad_field == field; }

void finish(SPerson& p, int dirty, int feed, FeedBuffers& out, const std::string& record_id = {}) {
  ++out.lines[feed];
  if (dirty >= 0) {
    DirtySpec& spec = p.dirty[static_cast<size_t>(dirty)];
    spec.feed = feed;
    spec.line = out.lines[feed];
    spec.record_id = record_id;
  }
}

void emit_enrollment(SPerson& p, const SEnroll& e, Rng& v, FeedBuffers& out) {
  const int feed = e.np ? kFeedNational : kFeedEnrollment;
  const DirtySpec* dirt = e.dirty >= 0 ? &p.dirty[static_cast<size_t>(e.dirty)] : nullptr;
  std::string& o = out.bytes[feed];
  JsonLine j(o, v);
  const std::string record_id = p.record_id(e);
  const int pref = e.np ? 1 : 0;
  if (!garbled(dirt, CANBAO_F_RECORD_ID)) j.str("record_id", record_id);
  put_id(j, "id", p, dirt, v, feed);
  put_name(j, "name", p, dirt);
  if (garbled(dirt, CANBAO_F_SCHEME)) j.str("scheme", "商业保险");
  else j.str("scheme", e.np ? (e.scheme == Scheme::kEmployee ? "employee" : "resident") : scheme_text(e.scheme, v));
  if (garbled(dirt, CANBAO_F_REGION)) j.absent("region");
  else j.str("region", std::to_string(e.region));
  if (garbled(dirt, CANBAO_F_STATUS)) j.str("status", "未知");
  else j.str("status", status_text(e.status, v));
  if (garbled(dirt, CANBAO_F_START)) {
    const Ymd y = ymd_from_day(e.start);
    j.str("start", std::to_string(y.year) + "-13-01");
  } else {
    j.date("start", e.start, pref);
  }
  j.date("end", e.end, pref);
  if (e.category != Category::kNone) j.str("category", category_text(e.category, v));
  else j.absent("category");
  if (!e.unit.empty()) j.str("unit", unit_text(e.unit));
  else if (e.scheme == Scheme::kEmployee) j.absent("unit");
  if (e.funded != Funded::kNone) j.str("funded", funded_text(e.funded, v));
  else if (v.chance(0.05)) j.absent("funded");
  put_birth_sex(j, "birth", "sex", p, dirt, v);
  j.end();
  finish(p, e.dirty, feed, out, record_id);
}

void emit_tax(SPerson& p, const STax& t, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = t.dirty >= 0 ? &p.dirty[static_cast<size_t>(t.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedTax], v);
  put_id(j, "id", p, dirt, v, kFeedTax);
  put_name(j, "name", p, dirt);
  if (garbled(dirt, CANBAO_F_SCHEME)) j.str("scheme", "补充医疗");
  else j.str("scheme", scheme_text(t.scheme, v));
  if (garbled(dirt, CANBAO_F_REGION)) j.str("region", "厦门");
  else j.str("region", std::to_string(t.region));
  if (garbled(dirt, CANBAO_F_FROM)) j.str("from", std::to_string(month_year(t.from)) + "-13");
  else j.month("from", t.from);
  j.month("to", t.to);
  if (garbled(dirt, CANBAO_F_PAID_ON)) j.str("paid_on", "");
  else j.date("paid_on", t.paid_on, v.chance(0.4) ? 1 : 0);
  const uint32_t r = v.below(100);
  if (r < 80) j.raw("back_pay", t.back_pay ? "true" : "false");
  else if (r < 90) j.str("back_pay", t.back_pay ? "1" : "0");
  else j.str("back_pay", t.back_pay ? "是" : "否");
  std::string amount;
  append_money(amount, t.amount_fen);
  if (v.chance(0.7)) j.raw("amount", amount);
  else j.str("amount", amount);
  if (!t.payer.empty()) j.str("payer", unit_text(t.payer));
  else if (v.chance(0.3)) j.absent("payer");
  put_birth_sex(j, "birth", "sex", p, dirt, v);
  j.end();
  finish(p, t.dirty, kFeedTax, out);
}

void emit_hr(SPerson& p, const SHr& h, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = h.dirty >= 0 ? &p.dirty[static_cast<size_t>(h.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedHr], v);
  put_id(j, "id", p, dirt, v, kFeedHr);
  put_name(j, "name", p, dirt);
  if (garbled(dirt, CANBAO_F_TYPE)) j.str("type", "兼职");
  else if (h.type == HrType::kEmployment) j.str("type", v.chance(0.1) ? "就业" : "employment");
  else j.str("type", v.chance(0.1) ? "养老" : "pension");
  if (!h.unit.empty()) j.str("unit", unit_text(h.unit));
  j.str("region", std::to_string(h.region));
  j.date("start", h.start);
  j.date("end", h.end);
  if (h.type == HrType::kPension) {
    const bool zh = v.chance(0.2);
    switch (h.pension) {
      case PensionStatus::kReceiving: j.str("pension_status", zh ? "正常领取" : "receiving"); break;
      case PensionStatus::kSuspended: j.str("pension_status", zh ? "暂停" : "suspended"); break;
      default: j.str("pension_status", zh ? "终止" : "terminated"); break;
    }
  }
  put_birth_sex(j, "birth", "sex", p, dirt, v);
  j.end();
  finish(p, h.dirty, kFeedHr, out);
}

void emit_ps(SPerson& p, const SPs& r, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = r.dirty >= 0 ? &p.dirty[static_cast<size_t>(r.dirty)] : nullptr;
  std::string line;
  line += dirt && !dirt->name.empty() ? dirt->name : p.name;
  line.push_back(',');
  if (!dirt) line += clean_id(p, v, kFeedPs);
  else if (dirt->id_present) append_csv_cell(line, dirt->raw_id);
  line.push_back(',');
  const bool male = dirt && dirt->with_birth ? dirt->sex_male : p.male;
  if (!dirt || !dirt->with_birth || dirt->with_sex) line += male ? "男" : "女";
  line.push_back(',');
  line += ethnic_label(v);
  line.push_back(',');
  if (!dirt || dirt->with_birth) append_date_style(line, p.id.birth, v.chance(0.9) ? 1 : 0);
  line.push_back(',');
  if (r.hukou) line += std::to_string(r.hukou);
  line.push_back(',');
  if (r.residence) line += std::to_string(r.residence);
  line.push_back(',');
  append_csv_cell(line, r.address);
  line.push_back(',');
  if (r.permit) line += std::to_string(r.permit);
  line.push_back(',');
  if (r.permit_expiry != kNoDay) append_date_style(line, r.permit_expiry, v.chance(0.8) ? 1 : 0);
  line.push_back(',');
  switch (r.status) {
    case PsStatus::kDead: line += v.chance(0.7) ? "死亡" : "dead"; break;
    case PsStatus::kCancelled: line += "注销"; break;
    default:
      if (r.status_written) line += v.chance(0.8) ? "正常" : "normal";
      break;
  }
  line.push_back(',');
  if (r.death != kNoDay) append_date_style(line, r.death, v.chance(0.8) ? 1 : 0);
  line.push_back('\n');
  append_gbk(out.bytes[kFeedPs], line);
  finish(p, r.dirty, kFeedPs, out);
}

void emit_edu(SPerson& p, const SEdu& e, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = e.dirty >= 0 ? &p.dirty[static_cast<size_t>(e.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedEducation], v);
  put_id(j, "id", p, dirt, v, kFeedEducation);
  put_name(j, "name", p, dirt);
  if (garbled(dirt, CANBAO_F_SCHOOL)) j.str("school", "");
  else j.str("school", school_text(e.region, e.school));
  j.str("region", std::to_string(e.region));
  j.str("level", edu_level_text(e.level, v));
  if (v.chance(0.7)) j.raw("entry_year", std::to_string(e.entry_year));
  else j.str("entry_year", std::to_string(e.entry_year));
  switch (e.status) {
    case EduStatus::kEnrolled:
      if (v.chance(0.15)) j.absent("status");
      else j.str("status", v.chance(0.2) ? "在读" : "enrolled");
      break;
    case EduStatus::kGraduated: j.str("status", v.chance(0.2) ? "毕业" : "graduated"); break;
    default: j.str("status", "left"); break;
  }
  put_birth_sex(j, "birth", "sex", p, dirt, v);
  j.end();
  finish(p, e.dirty, kFeedEducation, out);
}

void emit_dis(SPerson& p, const SDis& r, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = r.dirty >= 0 ? &p.dirty[static_cast<size_t>(r.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedDisability], v);
  put_id(j, "证件号码", p, dirt, v, kFeedDisability);
  put_name(j, "姓名", p, dirt);
  if (garbled(dirt, CANBAO_F_LEVEL)) j.absent("残疾等级");
  else {
    const uint32_t style = v.below(10);
    static constexpr const char* kZh[] = {"", "一级", "二级", "三级", "四级"};
    if (style < 6) j.raw("残疾等级", std::to_string(r.level));
    else if (style < 8) j.str("残疾等级", std::to_string(r.level));
    else j.str("残疾等级", kZh[r.level]);
  }
  j.str("所属地区", std::to_string(r.region));
  j.date("发证日期", r.certified, 2);
  put_birth_sex(j, "出生日期", "性别", p, dirt, v);
  j.end();
  finish(p, r.dirty, kFeedDisability, out);
}

void emit_civ(SPerson& p, const SCiv& r, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = r.dirty >= 0 ? &p.dirty[static_cast<size_t>(r.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedCivil], v);
  put_id(j, "身份证号", p, dirt, v, kFeedCivil);
  put_name(j, "姓名", p, dirt);
  if (garbled(dirt, CANBAO_F_CATEGORY)) j.str("救助类别", "临时救助");
  else j.str("救助类别", assist_text(r.category, v));
  j.str("所属区县", std::to_string(r.region));
  j.date("救助开始日期", r.from, 1);
  j.date("救助截止日期", r.to, 1);
  put_birth_sex(j, "出生日期", "性别", p, dirt, v);
  j.end();
  finish(p, r.dirty, kFeedCivil, out);
}

void emit_market(SPerson& p, const SMarket& m, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = m.dirty >= 0 ? &p.dirty[static_cast<size_t>(m.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedMarket], v);
  put_id(j, "经营者身份证号", p, dirt, v, kFeedMarket);
  put_name(j, "经营者姓名", p, dirt);
  if (garbled(dirt, CANBAO_F_UNIT)) j.absent("统一社会信用代码");
  else j.str("统一社会信用代码", business_text(m.unit));
  if (garbled(dirt, CANBAO_F_REGION)) j.str("登记机关区划", "厦门市市场监督管理局");
  else j.str("登记机关区划", std::to_string(m.region));
  j.date("成立日期", m.registered, 1);
  if (m.status_written) {
    const bool zh = v.chance(0.6);
    switch (m.status) {
      case MarketStatus::kCancelled: j.str("登记状态", zh ? "注销" : "cancelled"); break;
      case MarketStatus::kRevoked: j.str("登记状态", zh ? "吊销" : "revoked"); break;
      default: j.str("登记状态", zh ? "存续" : "active"); break;
    }
  } else {
    j.absent("登记状态");
  }
  j.date("注销吊销日期", m.closed, 1);
  put_birth_sex(j, "出生日期", "性别", p, dirt, v);
  j.end();
  finish(p, m.dirty, kFeedMarket, out);
}

void emit_health(SPerson& p, const SHealth& h, Rng& v, FeedBuffers& out) {
  const DirtySpec* dirt = h.dirty >= 0 ? &p.dirty[static_cast<size_t>(h.dirty)] : nullptr;
  JsonLine j(out.bytes[kFeedHealth], v);
  if (garbled(dirt, kFieldKind)) {
    static constexpr const char* kOther[] = {"收养", "迁入", "adoption", ""};
    j.str("kind", kOther[v.below(4)]);
  } else if (h.death) {
    j.str("kind", v.chance(0.4) ? "死亡" : "death");
  } else {
    j.str("kind", v.chance(0.4) ? "出生" : "birth");
  }
  if (h.foreign) j.absent("id");
  else put_id(j, "id", p, dirt, v, kFeedHealth);
  if (!h.death) {
    if (garbled(dirt, kFieldBirthCert)) j.absent("birth_cert");
    else j.str("birth_cert", h.cert);
  }
  if (!h.foreign) put_name(j, "name", p, dirt);
  else if (!h.name.empty()) j.str("name", h.name);
  else j.absent("name");
  if (!h.death) {
    // The child's sex: a foreign record's own; the person's, or for a copy as its DirtySpec says.
    if (h.foreign) {
      if (h.sex >= 0) j.str("sex", sex_text(h.sex == 1, v));
      else j.absent("sex");
    } else if (dirt ? dirt->with_sex : v.chance(0.8)) {
      j.str("sex", sex_text(dirt && dirt->with_birth ? dirt->sex_male : p.male, v));
    }
    if (garbled(dirt, CANBAO_F_BIRTH)) {
      if (v.chance(0.5)) j.str("birth", "不详");
      else j.absent("birth");
    } else {
      j.date("birth", h.birth);
    }
    if (!h.mother.empty()) j.str("mother_id", h.mother);
    else j.absent("mother_id");
  } else {
    put_birth_sex(j, "birth", "sex", p, dirt, v);
  }
  if (h.region) j.str("region", std::to_string(h.region));
  else j.absent("region");
  if (h.death) {
    if (garbled(dirt, CANBAO_F_DEATH_DATE)) {
      if (v.chance(0.5)) j.str("death_date", "待查");
      else j.absent("death_date");
    } else {
      j.date("death_date", h.death_date);
    }
  }
  j.end();
  finish(p, h.dirty, kFeedHealth, out);
}

}  // namespace

void emit_person(SPerson& p, const Settings& s, Rng& v, FeedBuffers& out) {
  (void)s;
  for (const SEnroll& e : p.enr) emit_enrollment(p, e, v, out);
  for (const STax& t : p.tax) emit_tax(p, t, v, out);
  for (const SHr& h : p.hr) emit_hr(p, h, v, out);
  for (const SPs& r : p.ps) emit_ps(p, r, v, out);
  for (const SEdu& e : p.edu) emit_edu(p, e, v, out);
  for (const SDis& r : p.dis) emit_dis(p, r, v, out);
  for (const SCiv& r : p.civ) emit_civ(p, r, v, out);
  for (const SHealth& h : p.health) emit_health(p, h, v, out);
  for (const SMarket& m : p.market) emit_market(p, m, v, out);
}

}  // namespace canbao::synth
