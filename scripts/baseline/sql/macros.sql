-- Parsing macros: SPEC §1 (spellings, labels), §2 (citizen ID) and §3 (fields), written the way a
-- bureau analyst would write them in DuckDB. baseline.mjs defines p_as_of() and p_city() first.
-- The label tables mirror the engine's decoder (engine/src/ingest/decoder.cpp).

-- §1: every value is trimmed (ASCII whitespace, U+3000 ideographic space, U+00A0 no-break space);
-- an absent key, null and an empty string all mean absent (NULL here). trim() with a character
-- list is slowish, so it runs only on values whose first or last code point is <= 32 or one of
-- the two others (this formulation measured ~3x faster than the plain trim on 1.7M values).
CREATE OR REPLACE MACRO trim_sp(s) AS
  trim(s, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(12288) || chr(160));
CREATE OR REPLACE MACRO txt(s) AS CASE
  WHEN least(ascii(s), ascii(s[-1])) <= 32
    OR (greatest(ascii(s), ascii(s[-1])) >= 160
        AND (ascii(s) IN (160, 12288) OR ascii(s[-1]) IN (160, 12288)))
    THEN nullif(trim_sp(s), '')
  ELSE s END;
-- Labels compare case-insensitively for ASCII letters only, Chinese labels exactly: every label is
-- either pure ASCII or has no ASCII letter, so lower() is applied to pure-ASCII values only (it
-- would also fold a few non-ASCII letters, e.g. the Kelvin sign to 'k').
CREATE OR REPLACE MACRO lower_ascii(s) AS CASE WHEN strlen(s) = length(s) THEN lower(s) ELSE s END;

-- ---- dates, months, regions, numbers (NULL = absent or unparsable; callers tell them apart) ----
-- Dates: YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD; a real calendar date.
CREATE OR REPLACE MACRO p_date(s) AS CASE
  WHEN regexp_full_match(s, '[0-9]{8}') THEN try_strptime(s, '%Y%m%d')::DATE
  WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}/[0-9]{2}/[0-9]{2}')
    THEN try_strptime(replace(s, '/', '-'), '%Y-%m-%d')::DATE
  END;
-- Months: YYYY-MM, YYYYMM, as year*12 + month-1.
CREATE OR REPLACE MACRO p_month(s) AS CASE
  WHEN regexp_full_match(s, '[0-9]{4}-?(0[1-9]|1[0-2])') AND left(s, 4) <> '0000'
    THEN left(s, 4)::INT * 12 + right(s, 2)::INT - 1
  END;
CREATE OR REPLACE MACRO month_of(d) AS year(d) * 12 + month(d) - 1;
-- Regions: exactly 6 ASCII digits, >= 100000.
CREATE OR REPLACE MACRO p_region(s) AS CASE WHEN regexp_full_match(s, '[1-9][0-9]{5}') THEN s::INT END;
-- A region is local when its first 4 digits are the city's.
CREATE OR REPLACE MACRO is_local(r) AS coalesce(r // 100 = p_city() // 100, false);
-- Amount in yuan: digits, optionally '.' and up to 2 significant decimals (more zeros allowed).
CREATE OR REPLACE MACRO p_amount_ok(s) AS
  regexp_full_match(s, '[0-9]{1,18}(\.[0-9]{1,2}0*)?')
  AND split_part(s, '.', 1)::HUGEINT <= 1125899906842624;
CREATE OR REPLACE MACRO p_year(s) AS CASE
  WHEN regexp_full_match(s, '[0-9]{1,18}') AND s::HUGEINT BETWEEN 1900 AND 9999 THEN s::INT END;

-- ---- enumerations (English tokens and the usual Chinese labels) ----
CREATE OR REPLACE MACRO p_scheme(s) AS CASE lower_ascii(s)
  WHEN 'employee' THEN 'employee' WHEN '职工' THEN 'employee' WHEN '职工医保' THEN 'employee'
  WHEN '职工基本医疗保险' THEN 'employee'
  WHEN 'resident' THEN 'resident' WHEN '居民' THEN 'resident' WHEN '居民医保' THEN 'resident'
  WHEN '城乡居民' THEN 'resident' WHEN '城乡居民基本医疗保险' THEN 'resident' END;
CREATE OR REPLACE MACRO p_enroll_status(s) AS CASE lower_ascii(s)
  WHEN 'active' THEN 'active' WHEN '正常' THEN 'active' WHEN '参保' THEN 'active'
  WHEN '参保缴费' THEN 'active'
  WHEN 'suspended' THEN 'suspended' WHEN '暂停' THEN 'suspended' WHEN '暂停参保' THEN 'suspended'
  WHEN 'terminated' THEN 'terminated' WHEN '终止' THEN 'terminated' WHEN '终止参保' THEN 'terminated'
  WHEN '停保' THEN 'terminated' END;
CREATE OR REPLACE MACRO p_category(s) AS CASE lower_ascii(s)
  WHEN 'in_service' THEN 'in_service' WHEN '在职' THEN 'in_service'
  WHEN 'flexible' THEN 'flexible' WHEN '灵活就业' THEN 'flexible'
  WHEN 'retired' THEN 'retired' WHEN '退休' THEN 'retired'
  WHEN 'student' THEN 'student' WHEN '学生' THEN 'student' WHEN '大学生' THEN 'student'
  WHEN 'child' THEN 'child' WHEN '儿童' THEN 'child' WHEN '少儿' THEN 'child'
  WHEN 'adult' THEN 'adult' WHEN '成年' THEN 'adult' WHEN '成年居民' THEN 'adult' END;
CREATE OR REPLACE MACRO p_funded(s) AS CASE lower_ascii(s)
  WHEN 'tekun' THEN 'tekun' WHEN '特困' THEN 'tekun' WHEN '特困人员' THEN 'tekun'
  WHEN 'dibao' THEN 'dibao' WHEN '低保' THEN 'dibao' WHEN '低保对象' THEN 'dibao'
  WHEN 'low_income' THEN 'low_income' WHEN '低收入' THEN 'low_income'
  WHEN 'disability' THEN 'disability' WHEN '残疾' THEN 'disability' WHEN '重度残疾' THEN 'disability'
  WHEN 'other' THEN 'other' WHEN '其他' THEN 'other' END;
CREATE OR REPLACE MACRO p_bool(s) AS CASE lower_ascii(s)
  WHEN 'true' THEN true WHEN '1' THEN true WHEN '是' THEN true WHEN 'y' THEN true WHEN 'yes' THEN true
  WHEN 'false' THEN false WHEN '0' THEN false WHEN '否' THEN false WHEN 'n' THEN false
  WHEN 'no' THEN false END;
CREATE OR REPLACE MACRO p_hr_type(s) AS CASE lower_ascii(s)
  WHEN 'employment' THEN 'employment' WHEN '就业' THEN 'employment'
  WHEN 'pension' THEN 'pension' WHEN '养老' THEN 'pension' WHEN '养老金' THEN 'pension'
  WHEN '退休' THEN 'pension' END;
CREATE OR REPLACE MACRO p_pension_status(s) AS CASE lower_ascii(s)
  WHEN 'receiving' THEN 'receiving' WHEN '领取' THEN 'receiving' WHEN '正常' THEN 'receiving'
  WHEN '正常领取' THEN 'receiving'
  WHEN 'suspended' THEN 'suspended' WHEN '暂停' THEN 'suspended'
  WHEN 'terminated' THEN 'terminated' WHEN '终止' THEN 'terminated' END;
CREATE OR REPLACE MACRO p_sex(s) AS CASE lower_ascii(s)
  WHEN 'm' THEN 'M' WHEN '男' THEN 'M' WHEN 'male' THEN 'M'
  WHEN 'f' THEN 'F' WHEN '女' THEN 'F' WHEN 'female' THEN 'F' END;
CREATE OR REPLACE MACRO p_ps_status(s) AS CASE lower_ascii(s)
  WHEN 'normal' THEN 'normal' WHEN '正常' THEN 'normal'
  WHEN 'dead' THEN 'dead' WHEN '死亡' THEN 'dead'
  WHEN 'cancelled' THEN 'cancelled' WHEN 'canceled' THEN 'cancelled' WHEN '注销' THEN 'cancelled' END;
CREATE OR REPLACE MACRO p_edu_level(s) AS CASE lower_ascii(s)
  WHEN 'preschool' THEN 'preschool' WHEN '学前' THEN 'preschool' WHEN '幼儿园' THEN 'preschool'
  WHEN 'primary' THEN 'primary' WHEN '小学' THEN 'primary'
  WHEN 'secondary' THEN 'secondary' WHEN '中学' THEN 'secondary' WHEN '初中' THEN 'secondary'
  WHEN '高中' THEN 'secondary'
  WHEN 'vocational' THEN 'vocational' WHEN '中职' THEN 'vocational' WHEN '职业' THEN 'vocational'
  WHEN 'university' THEN 'university' WHEN '大学' THEN 'university' WHEN '本科' THEN 'university'
  WHEN '专科' THEN 'university'
  WHEN 'graduate' THEN 'graduate' WHEN '研究生' THEN 'graduate' END;
CREATE OR REPLACE MACRO p_edu_status(s) AS CASE lower_ascii(s)
  WHEN 'enrolled' THEN 'enrolled' WHEN '在读' THEN 'enrolled' WHEN '在校' THEN 'enrolled'
  WHEN '在籍' THEN 'enrolled'
  WHEN 'graduated' THEN 'graduated' WHEN '毕业' THEN 'graduated' WHEN '已毕业' THEN 'graduated'
  WHEN 'left' THEN 'left' WHEN '离校' THEN 'left' WHEN '退学' THEN 'left' END;
CREATE OR REPLACE MACRO p_assist_category(s) AS CASE lower_ascii(s)
  WHEN 'tekun' THEN 'tekun' WHEN '特困' THEN 'tekun' WHEN '特困人员' THEN 'tekun'
  WHEN 'dibao' THEN 'dibao' WHEN '低保' THEN 'dibao' WHEN '低保对象' THEN 'dibao'
  WHEN 'low_income' THEN 'low_income' WHEN '低收入' THEN 'low_income'
  WHEN 'orphan' THEN 'orphan' WHEN '孤儿' THEN 'orphan' END;
CREATE OR REPLACE MACRO p_disability_level(s) AS CASE s
  WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4
  WHEN '一级' THEN 1 WHEN '二级' THEN 2 WHEN '三级' THEN 3 WHEN '四级' THEN 4
  WHEN '1级' THEN 1 WHEN '2级' THEN 2 WHEN '3级' THEN 3 WHEN '4级' THEN 4
  WHEN '一' THEN 1 WHEN '二' THEN 2 WHEN '三' THEN 3 WHEN '四' THEN 4 END;

-- ---- names (SPEC §2): trim, collapse whitespace, unify middle dots ----
CREATE OR REPLACE MACRO norm_name(s) AS translate(
  regexp_replace(trim_sp(s), '[ \t\n\x0B\f\r\x{3000}\x{00A0}]+', ' ', 'g'),
  '.' || chr(12539) || chr(8226) || chr(65294), chr(183) || chr(183) || chr(183) || chr(183));

-- ---- citizen ID (SPEC §2, GB 11643-1999) ----
-- Plain IDs (17 ASCII digits and a digit or X) are nearly all of them: they need no more work.
CREATE OR REPLACE MACRO id_plain(t) AS regexp_full_match(t, '[0-9]{17}[0-9X]');
-- Normalise: full-width digits and Ｘｘ to ASCII, x to X (the value is already trimmed).
CREATE OR REPLACE MACRO id_norm(t, plain) AS CASE WHEN plain THEN t
  ELSE translate(t, '０１２３４５６７８９Ｘｘx', '0123456789XXX') END;
-- The person key of a normalised ID `n` of the right shape: its first 17 digits as BIGINT; a
-- 15-digit legacy number gets '19' before its 2-digit birth year (its check character is then
-- computed, so it always matches). NULL for any other shape.
CREATE OR REPLACE MACRO id_key(n, plain) AS CASE
  WHEN plain OR regexp_full_match(n, '[0-9]{17}[0-9X]') THEN left(n, 17)::BIGINT
  WHEN regexp_full_match(n, '[0-9]{15}') THEN (left(n, 6) || '19' || substr(n, 7))::BIGINT END;
-- The check character of a key: "10X98765432"[sum of digit * weight mod 11]
-- (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2). `k` must be a column (it is used 17 times).
CREATE OR REPLACE MACRO key_check(k) AS substr('10X98765432', 1 + (
    k // 10000000000000000 % 10 * 7 + k // 1000000000000000 % 10 * 9 + k // 100000000000000 % 10 * 10
  + k // 10000000000000 % 10 * 5 + k // 1000000000000 % 10 * 8 + k // 100000000000 % 10 * 4
  + k // 10000000000 % 10 * 2 + k // 1000000000 % 10 * 1 + k // 100000000 % 10 * 6
  + k // 10000000 % 10 * 3 + k // 1000000 % 10 * 7 + k // 100000 % 10 * 9 + k // 10000 % 10 * 10
  + k // 1000 % 10 * 5 + k // 100 % 10 * 8 + k // 10 % 10 * 4 + k % 10 * 2) % 11, 1);
-- Province codes 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81–83, or a first digit 9.
CREATE OR REPLACE MACRO id_region_ok(c) AS
  c BETWEEN 11 AND 15 OR c BETWEEN 21 AND 23 OR c BETWEEN 31 AND 37 OR c BETWEEN 41 AND 46
  OR c BETWEEN 50 AND 54 OR c BETWEEN 61 AND 65 OR c = 71 OR c BETWEEN 81 AND 83 OR c BETWEEN 90 AND 99;
-- Birth date of a key (digits 7–14); NULL when not a real date.
CREATE OR REPLACE MACRO key_birth(k) AS
  try_strptime(lpad((k // 1000 % 100000000)::VARCHAR, 8, '0'), '%Y%m%d')::DATE;
-- The same test in integer arithmetic (fast, for every record): a real date from 1900-01-01 to d.
CREATE OR REPLACE MACRO ymd_ok(y, m, d) AS
  y >= 1900 AND m BETWEEN 1 AND 12 AND d >= 1
  AND d <= CASE WHEN m = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
                WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END
  AND y * 10000 + m * 100 + d <= year(p_as_of()) * 10000 + month(p_as_of()) * 100 + day(p_as_of());
CREATE OR REPLACE MACRO key_birth_ok(k) AS
  ymd_ok(k // 10000000 % 10000, k // 100000 % 100, k // 1000 % 100);
CREATE OR REPLACE MACRO key_sex(k) AS CASE WHEN k % 2 = 1 THEN 'M' ELSE 'F' END;
-- The reject reason (NULL = valid), in the order of SPEC §2, of a trimmed raw ID `t`, its
-- normalised form `n` = id_norm(t), its key `k` = id_key(n) (columns, not expressions).
CREATE OR REPLACE MACRO id_reject(t, n, k) AS CASE
  WHEN k IS NOT NULL THEN CASE
    WHEN NOT id_region_ok(k // 1000000000000000) THEN 'bad_region'
    WHEN NOT key_birth_ok(k) THEN 'bad_birthdate'
    WHEN length(n) = 18 AND key_check(k) <> right(n, 1) THEN
      CASE WHEN right(n, 3) = '000' THEN 'excel_mangled' ELSE 'bad_checksum' END
    END
  WHEN t IS NULL THEN 'missing'
  WHEN strlen(t) > 64 THEN 'bad_length'
  WHEN regexp_full_match(n, '[0-9]+(\.[0-9]+)?[Ee]\+?[0-9]+') THEN 'excel_mangled'
  WHEN length(n) NOT IN (15, 18) THEN 'bad_length'
  ELSE 'bad_char' END;
-- The 18-character ID of a key.
CREATE OR REPLACE MACRO id_text(k) AS lpad(k::VARCHAR, 17, '0') || key_check(k);
