// The SPEC §3 schema, written once. Everything per agency or per field is generated from these
// X-macros (records.h, records.cpp, ingest/decoder.cpp, match/matcher.cpp, rules/person_view.h):
// the packed (segment) structs, the resolved structs the rules read, for_each_str, PackedOf /
// ResolvedOf / with_packed_type / packed_size, the agency names, the decoding of adapter texts
// (required fields, absent values, bad_field), packed → resolved, and PersonView's vectors.
//
// This header holds only the table; it is included by records.h, where the names it uses (kinds,
// enums, parsers) are declared.
//
// ---- Adding a field to an agency --------------------------------------------------------------
//  1. If the SPEC field name is new: append CANBAO_F_<NAME> to enum canbao_field in
//     plugins/include/canbao/adapter_abi.h just before CANBAO_F_COUNT (never renumber: appending
//     is the ABI's minor growth), and append X(CANBAO_F_<NAME>, <name>) at the end of
//     CANBAO_FIELD_NAMES below (a static_assert in records.cpp checks the order and the count).
//  2. Add one F(...) line to the agency's CANBAO_<AGENCY>_FIELDS list:
//        F(member, CANBAO_F_<NAME>, kRequired|kOptional, <value when absent>, <kind>)
//     kinds (records.h): TextKind (Str / string_view; "required" = must be present),
//     RegionKind, DayKind (PaymentDayKind: no later than 2200-12-31), MonthKind, BoolKind,
//     AmountKind (fen, int64), YearKind, LevelKind
//     (disability 1-4), EnumKind<EnumType, parser>. A new enum: declare it in records.h (value 0
//     = kNone = absent), declare its parser there and define it with its English and Chinese
//     labels in ingest/decoder.cpp next to the others.
//     The list order is the packed layout: keep 8-byte members (Str, int64) first, then 4-byte,
//     then 1-byte ones, and bump kSegmentFormatVersion (index/segment.h) whenever a packed
//     struct changes. The resolved member gets the same name, the absent value as initializer.
//  3. Extend tests/unit/schema_test.cpp's sample_text() if the field has a new kind or enum.
//     Rules then read record.<member>; nothing else needs touching.
//
// ---- Adding an agency ---------------------------------------------------------------------------
//  1. Append X(kName, token, TypeName, CANBAO_<AGENCY>_FIELDS) to CANBAO_AGENCIES (append only:
//     the Agency values are stored in segment headers). `token` is the manifest's agency name and
//     the PersonView vector's name; TypeName is the resolved struct (TypeNamePacked the packed).
//  2. Write its CANBAO_<AGENCY>_FIELDS list (step 2 above; new field names via step 1).
//  3. Bump kSegmentFormatVersion. Then write the rules that read person.<token>.
//  Every record also has `id` (required, decoded as a citizen ID, SPEC §2) and the head fields of
//  CANBAO_HEAD_FIELDS (optional name, birth and sex, kept in RecordHead / RecordBase).
#pragma once

// Every SPEC field name, in the order of enum canbao_field (adapter_abi.h).
#define CANBAO_FIELD_NAMES(X)                                                                    \
  X(CANBAO_F_RECORD_ID, record_id)                                                               \
  X(CANBAO_F_ID, id)                                                                             \
  X(CANBAO_F_NAME, name)                                                                         \
  X(CANBAO_F_SCHEME, scheme)                                                                     \
  X(CANBAO_F_REGION, region)                                                                     \
  X(CANBAO_F_STATUS, status)                                                                     \
  X(CANBAO_F_START, start)                                                                       \
  X(CANBAO_F_END, end)                                                                           \
  X(CANBAO_F_CATEGORY, category)                                                                 \
  X(CANBAO_F_UNIT, unit)                                                                         \
  X(CANBAO_F_FUNDED, funded)                                                                     \
  X(CANBAO_F_FROM, from)                                                                         \
  X(CANBAO_F_TO, to)                                                                             \
  X(CANBAO_F_PAID_ON, paid_on)                                                                   \
  X(CANBAO_F_BACK_PAY, back_pay)                                                                 \
  X(CANBAO_F_AMOUNT, amount)                                                                     \
  X(CANBAO_F_PAYER, payer)                                                                       \
  X(CANBAO_F_TYPE, type)                                                                         \
  X(CANBAO_F_PENSION_STATUS, pension_status)                                                     \
  X(CANBAO_F_SEX, sex)                                                                           \
  X(CANBAO_F_BIRTH, birth)                                                                       \
  X(CANBAO_F_HUKOU_REGION, hukou_region)                                                         \
  X(CANBAO_F_RESIDENCE_REGION, residence_region)                                                 \
  X(CANBAO_F_PERMIT_REGION, permit_region)                                                       \
  X(CANBAO_F_PERMIT_EXPIRY, permit_expiry)                                                       \
  X(CANBAO_F_DEATH_DATE, death_date)                                                             \
  X(CANBAO_F_ADDRESS, address)                                                                   \
  X(CANBAO_F_SCHOOL, school)                                                                     \
  X(CANBAO_F_LEVEL, level)                                                                       \
  X(CANBAO_F_ENTRY_YEAR, entry_year)                                                             \
  X(CANBAO_F_CERTIFIED_ON, certified_on)                                                         \
  X(CANBAO_F_REGISTERED_ON, registered_on)                                                       \
  X(CANBAO_F_CLOSED_ON, closed_on)                                                               \
  X(CANBAO_F_KIND, kind)                                                                         \
  X(CANBAO_F_BIRTH_CERT, birth_cert)                                                             \
  X(CANBAO_F_MOTHER_ID, mother_id)                                                               \
  X(CANBAO_F_OP, op)

// The agencies: X(Agency enumerator, token / PersonView vector, resolved type, field list).
// Order = Agency values (stored in segments): append only.
#define CANBAO_AGENCIES(X)                                                                       \
  X(kEnrollment, enrollment, Enrollment, CANBAO_ENROLLMENT_FIELDS)                               \
  X(kTax, tax, Tax, CANBAO_TAX_FIELDS)                                                           \
  X(kHr, hr, Hr, CANBAO_HR_FIELDS)                                                               \
  X(kPublicSecurity, public_security, PublicSecurity, CANBAO_PUBLIC_SECURITY_FIELDS)             \
  X(kEducation, education, Education, CANBAO_EDUCATION_FIELDS)                                   \
  X(kDisability, disability, Disability, CANBAO_DISABILITY_FIELDS)                               \
  X(kCivilAffairs, civil_affairs, CivilAffairs, CANBAO_CIVIL_AFFAIRS_FIELDS)                     \
  X(kMarket, market, Market, CANBAO_MARKET_FIELDS)                                               \
  X(kHealth, health, Health, CANBAO_HEALTH_FIELDS)

// Field lists: F(member, canbao_field, required?, value when absent, kind).
// Optional on every agency (SPEC §3: used only for fallback linking); resolved into RecordBase.
#define CANBAO_HEAD_FIELDS(F)                                                                    \
  F(sex, CANBAO_F_SEX, kOptional, Sex::kNone, EnumKind<Sex, parse_sex>)                          \
  F(birth, CANBAO_F_BIRTH, kOptional, kNoDay, DayKind)                                           \
  F(name, CANBAO_F_NAME, kOptional, {}, TextKind)

#define CANBAO_ENROLLMENT_FIELDS(F)                                                              \
  F(record_id, CANBAO_F_RECORD_ID, kRequired, {}, TextKind)                                      \
  F(unit, CANBAO_F_UNIT, kOptional, {}, TextKind)                                                \
  F(region, CANBAO_F_REGION, kRequired, kNoRegion, RegionKind)                                   \
  F(start, CANBAO_F_START, kRequired, kNoDay, DayKind)                                           \
  F(end, CANBAO_F_END, kOptional, kNoDay, DayKind) /* absent = open */                           \
  F(scheme, CANBAO_F_SCHEME, kRequired, Scheme::kNone, EnumKind<Scheme, parse_scheme>)           \
  F(status, CANBAO_F_STATUS, kRequired, EnrollStatus::kNone, EnumKind<EnrollStatus, parse_enroll_status>) \
  F(category, CANBAO_F_CATEGORY, kOptional, Category::kNone, EnumKind<Category, parse_category>) \
  F(funded, CANBAO_F_FUNDED, kOptional, Funded::kNone, EnumKind<Funded, parse_funded>)

#define CANBAO_TAX_FIELDS(F)                                                                     \
  F(payer, CANBAO_F_PAYER, kOptional, {}, TextKind) /* absent = individual */                    \
  F(region, CANBAO_F_REGION, kRequired, kNoRegion, RegionKind)                                   \
  F(from, CANBAO_F_FROM, kRequired, kNoMonth, MonthKind)                                         \
  F(to, CANBAO_F_TO, kRequired, kNoMonth, MonthKind)                                             \
  F(paid_on, CANBAO_F_PAID_ON, kRequired, kNoDay, PaymentDayKind)                                \
  F(amount_fen, CANBAO_F_AMOUNT, kOptional, INT64_MIN, AmountKind)                               \
  F(scheme, CANBAO_F_SCHEME, kRequired, Scheme::kNone, EnumKind<Scheme, parse_scheme>)           \
  F(back_pay, CANBAO_F_BACK_PAY, kOptional, false, BoolKind)

#define CANBAO_HR_FIELDS(F)                                                                      \
  F(unit, CANBAO_F_UNIT, kOptional, {}, TextKind)                                                \
  F(region, CANBAO_F_REGION, kRequired, kNoRegion, RegionKind)                                   \
  F(start, CANBAO_F_START, kOptional, kNoDay, DayKind) /* absent = open */                       \
  F(end, CANBAO_F_END, kOptional, kNoDay, DayKind)                                               \
  F(type, CANBAO_F_TYPE, kRequired, HrType::kNone, EnumKind<HrType, parse_hr_type>)              \
  F(pension_status, CANBAO_F_PENSION_STATUS, kOptional, PensionStatus::kNone,                    \
    EnumKind<PensionStatus, parse_pension_status>)

#define CANBAO_PUBLIC_SECURITY_FIELDS(F)                                                         \
  F(address, CANBAO_F_ADDRESS, kOptional, {}, TextKind)                                          \
  F(hukou_region, CANBAO_F_HUKOU_REGION, kOptional, kNoRegion, RegionKind)                       \
  F(residence_region, CANBAO_F_RESIDENCE_REGION, kOptional, kNoRegion, RegionKind)               \
  F(permit_region, CANBAO_F_PERMIT_REGION, kOptional, kNoRegion, RegionKind)                     \
  F(permit_expiry, CANBAO_F_PERMIT_EXPIRY, kOptional, kNoDay, DayKind)                           \
  F(death_date, CANBAO_F_DEATH_DATE, kOptional, kNoDay, DayKind)                                 \
  /* SPEC §1: absent status means normal */                                                      \
  F(status, CANBAO_F_STATUS, kOptional, PsStatus::kNormal, EnumKind<PsStatus, parse_ps_status>)

#define CANBAO_EDUCATION_FIELDS(F)                                                               \
  F(school, CANBAO_F_SCHOOL, kRequired, {}, TextKind)                                            \
  F(region, CANBAO_F_REGION, kRequired, kNoRegion, RegionKind)                                   \
  F(entry_year, CANBAO_F_ENTRY_YEAR, kOptional, 0, YearKind)                                     \
  F(level, CANBAO_F_LEVEL, kOptional, EduLevel::kNone, EnumKind<EduLevel, parse_edu_level>)      \
  /* SPEC §1: absent status means enrolled */                                                    \
  F(status, CANBAO_F_STATUS, kOptional, EduStatus::kEnrolled, EnumKind<EduStatus, parse_edu_status>)

#define CANBAO_DISABILITY_FIELDS(F)                                                              \
  F(region, CANBAO_F_REGION, kOptional, kNoRegion, RegionKind)                                   \
  F(certified_on, CANBAO_F_CERTIFIED_ON, kOptional, kNoDay, DayKind)                             \
  F(level, CANBAO_F_LEVEL, kRequired, 0, LevelKind) /* 1..4; 1-2 severe */

#define CANBAO_CIVIL_AFFAIRS_FIELDS(F)                                                           \
  F(region, CANBAO_F_REGION, kOptional, kNoRegion, RegionKind)                                   \
  F(from, CANBAO_F_FROM, kOptional, kNoDay, DayKind) /* absent = open */                         \
  F(to, CANBAO_F_TO, kOptional, kNoDay, DayKind)                                                 \
  F(category, CANBAO_F_CATEGORY, kRequired, AssistCategory::kNone,                               \
    EnumKind<AssistCategory, parse_assist_category>)

// SPEC §9 market regulation (市场监管): individual businesses (个体工商户), the operator's ID.
#define CANBAO_MARKET_FIELDS(F)                                                                  \
  F(unit, CANBAO_F_UNIT, kRequired, {}, TextKind) /* registration code */                        \
  F(region, CANBAO_F_REGION, kRequired, kNoRegion, RegionKind)                                   \
  F(registered_on, CANBAO_F_REGISTERED_ON, kOptional, kNoDay, DayKind) /* absent = open */       \
  F(closed_on, CANBAO_F_CLOSED_ON, kOptional, kNoDay, DayKind)                                   \
  /* SPEC §9: absent status means active */                                                      \
  F(status, CANBAO_F_STATUS, kOptional, MarketStatus::kActive, EnumKind<MarketStatus, parse_market_status>)

// SPEC §9 health commission (卫生健康): births (出生医学证明) and deaths (死亡医学证明). The fields a
// kind requires (birth: birth_cert, birth; death: death_date) are checked by the decoder after
// the table (ingest/decoder.cpp check_health), `kind` first; a birth may come without an `id`.
#define CANBAO_HEALTH_FIELDS(F)                                                                  \
  F(birth_cert, CANBAO_F_BIRTH_CERT, kOptional, {}, TextKind) /* required for a birth */         \
  F(mother_id, CANBAO_F_MOTHER_ID, kOptional, {}, TextKind) /* raw text, read as an ID by rules */ \
  F(region, CANBAO_F_REGION, kOptional, kNoRegion, RegionKind) /* issuing hospital */            \
  F(death_date, CANBAO_F_DEATH_DATE, kOptional, kNoDay, DayKind) /* required for a death */      \
  F(kind, CANBAO_F_KIND, kRequired, HealthKind::kNone, EnumKind<HealthKind, parse_health_kind>)
