#include "canbao/ingest/decoder.h"

#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "canbao/core/text.h"

namespace canbao {

void FieldTexts::assign(const canbao_kv* fields, size_t count) {
  std::memset(state, kAbsent, sizeof(state));
  for (size_t idx = 0; idx < count; ++idx) {
    const canbao_kv& kv = fields[idx];
    if (kv.field >= CANBAO_F_COUNT) continue;
    if (kv.kind != CANBAO_VALUE_TEXT) {  // CANBAO_VALUE_INVALID, or a kind this ABI does not define
      state[kv.field] = kInvalid;
      value[kv.field] = {};
      continue;
    }
    const std::string_view text = trim_space(std::string_view(kv.data ? kv.data : "", kv.data ? kv.size : 0));
    state[kv.field] = text.empty() ? kAbsent : kText;
    value[kv.field] = text;
  }
}

Str Arena::add(std::string_view text) {
  if (text.empty()) return Str{0, 0};  // position-independent, like every absent string
  if (text.size() > kMaxStrLen) text = text.substr(0, kMaxStrLen);
  Str str{bytes.size(), text.size()};
  bytes.append(text);
  return str;
}

namespace {

template <typename E>
using Labels = std::initializer_list<std::pair<std::string_view, E>>;

// Case-insensitive for ASCII labels; exact for Chinese ones.
bool equals_label(std::string_view text, std::string_view label) {
  if (text.size() != label.size()) return false;
  for (size_t idx = 0; idx < text.size(); ++idx) {
    char a = text[idx], b = label[idx];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

template <typename E>
bool parse_label(std::string_view text, Labels<E> labels, E& out) {
  for (const auto& [label, value] : labels) {
    if (equals_label(text, label)) {
      out = value;
      return true;
    }
  }
  return false;
}

bool parse_uint(std::string_view text, int64_t max, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

}  // namespace

bool parse_region(std::string_view text, Region& out) {
  int64_t value = 0;
  if (text.size() != 6 || !parse_uint(text, 999999, value) || value < 100000) return false;
  out = static_cast<Region>(value);
  return true;
}

bool parse_day(std::string_view text, Day& out) {
  const auto parsed = parse_date(text);
  if (parsed) out = *parsed;
  return parsed.has_value();
}

bool parse_payment_day(std::string_view text, Day& out) {
  const auto parsed = parse_date(text);
  if (!parsed || *parsed > kLastAsOf) return false;
  out = *parsed;
  return true;
}

bool parse_month_value(std::string_view text, Month& out) {
  const auto parsed = parse_month(text);
  if (parsed) out = *parsed;
  return parsed.has_value();
}

bool parse_year(std::string_view text, int32_t& out) {
  int64_t year = 0;
  if (!parse_uint(text, 9999, year) || year < 1900) return false;
  out = static_cast<int32_t>(year);
  return true;
}

bool parse_bool(std::string_view text, bool& out) {
  return parse_label<bool>(text, {{"true", true}, {"false", false}, {"1", true}, {"0", false},
                                  {"是", true}, {"否", false}, {"y", true}, {"n", false},
                                  {"yes", true}, {"no", false}},
                           out);
}

bool parse_amount_fen(std::string_view text, int64_t& out) {
  // Decimal yuan: digits, optional '.' and up to 2 more significant digits (extra zero digits ok).
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  int64_t yuan = 0;
  if (!parse_uint(whole, int64_t{1} << 50, yuan)) return false;
  int64_t fen = 0;
  if (dot != std::string_view::npos) {
    const std::string_view frac = text.substr(dot + 1);
    if (frac.empty()) return false;
    for (size_t idx = 0; idx < frac.size(); ++idx) {
      const char c = frac[idx];
      if (c < '0' || c > '9') return false;
      if (idx < 2) {
        fen = fen * 10 + (c - '0');
      } else if (c != '0') {
        return false;  // a fraction of a fen is not a real amount
      }
    }
    if (frac.size() == 1) fen *= 10;
  }
  out = yuan * 100 + fen;
  return true;
}

bool parse_scheme(std::string_view text, Scheme& out) {
  return parse_label<Scheme>(text, {{"employee", Scheme::kEmployee}, {"职工", Scheme::kEmployee},
                                    {"职工医保", Scheme::kEmployee}, {"职工基本医疗保险", Scheme::kEmployee},
                                    {"resident", Scheme::kResident}, {"居民", Scheme::kResident},
                                    {"居民医保", Scheme::kResident}, {"城乡居民", Scheme::kResident},
                                    {"城乡居民基本医疗保险", Scheme::kResident}},
                             out);
}

bool parse_enroll_status(std::string_view text, EnrollStatus& out) {
  return parse_label<EnrollStatus>(
      text, {{"active", EnrollStatus::kActive}, {"正常", EnrollStatus::kActive}, {"参保", EnrollStatus::kActive},
             {"参保缴费", EnrollStatus::kActive}, {"suspended", EnrollStatus::kSuspended},
             {"暂停", EnrollStatus::kSuspended}, {"暂停参保", EnrollStatus::kSuspended},
             {"terminated", EnrollStatus::kTerminated}, {"终止", EnrollStatus::kTerminated},
             {"终止参保", EnrollStatus::kTerminated}, {"停保", EnrollStatus::kTerminated}},
      out);
}

bool parse_category(std::string_view text, Category& out) {
  return parse_label<Category>(
      text, {{"in_service", Category::kInService}, {"在职", Category::kInService},
             {"flexible", Category::kFlexible}, {"灵活就业", Category::kFlexible},
             {"retired", Category::kRetired}, {"退休", Category::kRetired},
             {"student", Category::kStudent}, {"学生", Category::kStudent}, {"大学生", Category::kStudent},
             {"child", Category::kChild}, {"儿童", Category::kChild}, {"少儿", Category::kChild},
             {"adult", Category::kAdult}, {"成年", Category::kAdult}, {"成年居民", Category::kAdult}},
      out);
}

bool parse_funded(std::string_view text, Funded& out) {
  return parse_label<Funded>(
      text, {{"tekun", Funded::kTekun}, {"特困", Funded::kTekun}, {"特困人员", Funded::kTekun},
             {"dibao", Funded::kDibao}, {"低保", Funded::kDibao}, {"低保对象", Funded::kDibao},
             {"low_income", Funded::kLowIncome}, {"低收入", Funded::kLowIncome},
             {"disability", Funded::kDisability}, {"残疾", Funded::kDisability}, {"重度残疾", Funded::kDisability},
             {"other", Funded::kOther}, {"其他", Funded::kOther}},
      out);
}

bool parse_hr_type(std::string_view text, HrType& out) {
  return parse_label<HrType>(text, {{"employment", HrType::kEmployment}, {"就业", HrType::kEmployment},
                                    {"pension", HrType::kPension}, {"养老", HrType::kPension},
                                    {"养老金", HrType::kPension}, {"退休", HrType::kPension}},
                             out);
}

bool parse_pension_status(std::string_view text, PensionStatus& out) {
  return parse_label<PensionStatus>(
      text, {{"receiving", PensionStatus::kReceiving}, {"领取", PensionStatus::kReceiving},
             {"正常", PensionStatus::kReceiving}, {"正常领取", PensionStatus::kReceiving},
             {"suspended", PensionStatus::kSuspended}, {"暂停", PensionStatus::kSuspended},
             {"terminated", PensionStatus::kTerminated}, {"终止", PensionStatus::kTerminated}},
      out);
}

bool parse_sex(std::string_view text, Sex& out) {
  return parse_label<Sex>(text, {{"m", Sex::kMale}, {"男", Sex::kMale}, {"male", Sex::kMale},
                                 {"f", Sex::kFemale}, {"女", Sex::kFemale}, {"female", Sex::kFemale}},
                          out);
}

bool parse_ps_status(std::string_view text, PsStatus& out) {
  return parse_label<PsStatus>(text, {{"normal", PsStatus::kNormal}, {"正常", PsStatus::kNormal},
                                      {"dead", PsStatus::kDead}, {"死亡", PsStatus::kDead},
                                      {"cancelled", PsStatus::kCancelled}, {"canceled", PsStatus::kCancelled},
                                      {"注销", PsStatus::kCancelled}},
                               out);
}

bool parse_edu_level(std::string_view text, EduLevel& out) {
  return parse_label<EduLevel>(
      text, {{"preschool", EduLevel::kPreschool}, {"学前", EduLevel::kPreschool}, {"幼儿园", EduLevel::kPreschool},
             {"primary", EduLevel::kPrimary}, {"小学", EduLevel::kPrimary},
             {"secondary", EduLevel::kSecondary}, {"中学", EduLevel::kSecondary}, {"初中", EduLevel::kSecondary},
             {"高中", EduLevel::kSecondary}, {"vocational", EduLevel::kVocational}, {"中职", EduLevel::kVocational},
             {"职业", EduLevel::kVocational}, {"university", EduLevel::kUniversity}, {"大学", EduLevel::kUniversity},
             {"本科", EduLevel::kUniversity}, {"专科", EduLevel::kUniversity}, {"graduate", EduLevel::kGraduate},
             {"研究生", EduLevel::kGraduate}},
      out);
}

bool parse_edu_status(std::string_view text, EduStatus& out) {
  return parse_label<EduStatus>(text, {{"enrolled", EduStatus::kEnrolled}, {"在读", EduStatus::kEnrolled},
                                       {"在校", EduStatus::kEnrolled}, {"在籍", EduStatus::kEnrolled},
                                       {"graduated", EduStatus::kGraduated}, {"毕业", EduStatus::kGraduated},
                                       {"已毕业", EduStatus::kGraduated}, {"left", EduStatus::kLeft},
                                       {"离校", EduStatus::kLeft}, {"退学", EduStatus::kLeft}},
                                out);
}

bool parse_assist_category(std::string_view text, AssistCategory& out) {
  return parse_label<AssistCategory>(
      text, {{"tekun", AssistCategory::kTekun}, {"特困", AssistCategory::kTekun}, {"特困人员", AssistCategory::kTekun},
             {"dibao", AssistCategory::kDibao}, {"低保", AssistCategory::kDibao}, {"低保对象", AssistCategory::kDibao},
             {"low_income", AssistCategory::kLowIncome}, {"低收入", AssistCategory::kLowIncome},
             {"orphan", AssistCategory::kOrphan}, {"孤儿", AssistCategory::kOrphan}},
      out);
}

// SPEC §9: 存续 (in business), 注销 (deregistered), 吊销 (licence revoked).
bool parse_market_status(std::string_view text, MarketStatus& out) {
  return parse_label<MarketStatus>(
      text, {{"active", MarketStatus::kActive}, {"存续", MarketStatus::kActive}, {"在业", MarketStatus::kActive},
             {"开业", MarketStatus::kActive}, {"cancelled", MarketStatus::kCancelled},
             {"canceled", MarketStatus::kCancelled}, {"注销", MarketStatus::kCancelled},
             {"revoked", MarketStatus::kRevoked}, {"吊销", MarketStatus::kRevoked}},
      out);
}

// SPEC §9: 出生 (birth certificate), 死亡 (death certificate).
bool parse_health_kind(std::string_view text, HealthKind& out) {
  return parse_label<HealthKind>(text, {{"birth", HealthKind::kBirth}, {"出生", HealthKind::kBirth},
                                        {"death", HealthKind::kDeath}, {"死亡", HealthKind::kDeath}},
                                 out);
}

bool parse_disability_level(std::string_view text, uint8_t& out) {
  return parse_label<uint8_t>(text, {{"1", 1}, {"2", 2}, {"3", 3}, {"4", 4}, {"一级", 1}, {"二级", 2},
                                     {"三级", 3}, {"四级", 4}, {"1级", 1}, {"2级", 2}, {"3级", 3}, {"4级", 4},
                                     {"一", 1}, {"二", 2}, {"三", 3}, {"四", 4}},
                              out);
}

namespace {

// Reads the fields of a record as the schema describes them and remembers the first problem.
class FieldReader {
 public:
  FieldReader(const FieldTexts& texts, Arena& arena) : texts_(texts), arena_(arena) {}

  int bad_field() const { return bad_field_; }

  // Field D (a schema descriptor) of `record`. Text: stored when present; a required one must be
  // present. Other kinds: the absent value, else the parsed text; a missing required field or an
  // unparsable value (or a non-text one) marks the field bad.
  template <typename D, typename R>
  void read(R& record) {
    constexpr int field = D::field;
    const uint8_t state = texts_.state[field];
    auto& out = D::of(record);
    if constexpr (std::is_same_v<typename D::Kind, TextKind>) {
      if (state == FieldTexts::kText) {
        out = arena_.add(texts_.value[field]);
      } else if (D::required) {
        mark(field);
      }
    } else {
      out = D::absent();
      if (state == FieldTexts::kAbsent) {
        if (D::required) mark(field);
        return;
      }
      if (state == FieldTexts::kInvalid || !D::Kind::parse(texts_.value[field], out)) mark(field);
    }
  }

 private:
  void mark(int field) {
    if (bad_field_ < 0 || field < bad_field_) bad_field_ = field;
  }

  const FieldTexts& texts_;
  Arena& arena_;
  int bad_field_ = -1;
};

// The record is zeroed: a Str absent is {0, 0}, padding stays 0.
void read_head(FieldReader& reader, RecordHead& packed, DecodedHead& head) {
  packed.key = kNoPerson;
  HeadSchema::for_each_field([&](auto d) { reader.read<decltype(d)>(head); });
  packed.name = head.name;
}

void decode_fields(Agency agency, FieldReader& reader, void* out, DecodedHead& head) {
  with_agency(agency, [&](auto tag) {
    auto& record = *static_cast<typename PackedOf<decltype(tag)::value>::type*>(out);
    read_head(reader, record.head, head);
    Schema<decltype(tag)::value>::for_each_field([&](auto d) { reader.read<decltype(d)>(record); });
  });
}

// SPEC §9: the first bad field of a health record is `kind`, then the fields its kind requires,
// then any other bad field (`generic`, in field order).
int health_bad_field(const HealthPacked& record, Day birth, int generic) {
  switch (record.kind) {
    case HealthKind::kBirth:
      if (record.birth_cert.len == 0) return CANBAO_F_BIRTH_CERT;
      if (birth == kNoDay) return CANBAO_F_BIRTH;  // absent or unreadable
      return generic;
    case HealthKind::kDeath:
      if (record.death_date == kNoDay) return CANBAO_F_DEATH_DATE;  // absent or unreadable
      return generic;
    case HealthKind::kNone:
      break;
  }
  return CANBAO_F_KIND;  // absent or not a kind this SPEC names
}

}  // namespace

// SPEC §7 `op`: exact spellings only (after trimming). False for a value that is not one.
bool parse_op(const FieldTexts& texts, FeedMode mode, RecordOp& out) {
  out = RecordOp::kUpsert;
  const uint8_t state = texts.state[CANBAO_F_OP];
  if (state == FieldTexts::kAbsent) return true;
  if (state != FieldTexts::kText) return false;
  const std::string_view op = texts.value[CANBAO_F_OP];
  if (op == "upsert") return true;
  if ((op == "delete" || op == "删除") && mode == FeedMode::kUpdate) {
    out = RecordOp::kDelete;
    return true;
  }
  return false;
}

DecodeResult decode_record(Agency agency, const FieldTexts& texts, Day as_of, Arena& arena, void* out,
                           FeedMode mode) {
  DecodeResult result;
  const std::string_view raw_id = texts.state[CANBAO_F_ID] == FieldTexts::kText ? texts.value[CANBAO_F_ID] : "";
  result.id = parse_citizen_id(raw_id, as_of);
  RecordOp op = RecordOp::kUpsert;
  if (!parse_op(texts, mode, op)) {  // before every other field and the ID
    std::memset(out, 0, packed_size(agency));
    result.status = DecodeStatus::kBadField;
    result.bad_field = CANBAO_F_OP;
    return result;
  }
  if (op == RecordOp::kDelete) {  // a delete row: only its key is read
    std::memset(out, 0, packed_size(agency));
    auto* head = static_cast<RecordHead*>(out);
    head->key = kNoPerson;
    head->op = RecordOp::kDelete;
    if (agency == Agency::kEnrollment) {
      auto& record = *static_cast<EnrollmentPacked*>(out);
      if (texts.state[CANBAO_F_RECORD_ID] != FieldTexts::kText) {
        result.status = DecodeStatus::kBadField;
        result.bad_field = CANBAO_F_RECORD_ID;
        return result;
      }
      record.record_id = arena.add(texts.value[CANBAO_F_RECORD_ID]);
      result.status = DecodeStatus::kDeleteRow;
      return result;
    }
    if (!result.id.ok()) {
      result.status = DecodeStatus::kIdRejected;
      return result;
    }
    head->key = result.id.key;
    result.status = DecodeStatus::kOk;
    return result;
  }
  FieldReader reader(texts, arena);
  // Zero the whole record, padding included, so segment files are byte-for-byte deterministic.
  std::memset(out, 0, packed_size(agency));
  decode_fields(agency, reader, out, result.head);
  result.bad_field = reader.bad_field();
  auto* head = static_cast<RecordHead*>(out);  // every packed record starts with its head
  if (agency == Agency::kHealth) {
    const auto& health = *static_cast<const HealthPacked*>(out);
    result.bad_field = health_bad_field(health, result.head.birth, result.bad_field);
    if (health.kind == HealthKind::kBirth && texts.state[CANBAO_F_ID] == FieldTexts::kAbsent) {
      // SPEC §9: a birth without an ID is not `missing`.
      if (!result.fields_ok()) {
        result.status = DecodeStatus::kBadField;
        return result;
      }
      result.newborn_without_id = true;
    }
  }
  if (!result.id.ok()) {
    result.status = DecodeStatus::kBadId;
  } else if (!result.fields_ok()) {
    result.status = DecodeStatus::kBadField;
  } else {
    result.status = DecodeStatus::kOk;
    head->key = result.id.key;
  }
  return result;
}

}  // namespace canbao
