-- SPEC §2 fallback linking, §4 derived facts, R1 coverage state and R3/R3b duplicate case types,
-- on the per-agency tables that baseline.mjs loads from the manifest's feeds:
--   enrollment, tax, hr, public_security, education, disability, civil_affairs
-- each with: feed (its place in the manifest; rowid keeps the line order within it), reject
-- (SPEC §2 reason, NULL = valid ID), k17 (person key: the 17 digits before the check character,
-- as BIGINT; also set for IDs rejected for their region, birth date or checksum), name (trimmed),
-- birth, sex, bad (a required field missing or a field unparsable: quarantined, SPEC §3) and the
-- agency's typed fields.
-- Parameters: p_as_of() (d), p_city() (the city code).

-- ===== SPEC §2 fallback linking ==================================================================
-- Whether and where a record links depends only on its ID's reason, its 17 digits (for
-- bad_checksum), its normalised name, birth and sex: decide once per distinct combination of those.
-- Pending: records whose ID was rejected but whose fields are fine and that carry a name.
CREATE OR REPLACE TABLE pending AS
SELECT DISTINCT reject, CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair,
       norm_name(name) AS nname, birth, sex
FROM (
  SELECT reject, k17, name, birth, sex, bad FROM enrollment
  UNION ALL SELECT reject, k17, name, birth, sex, bad FROM tax
  UNION ALL SELECT reject, k17, name, birth, sex, bad FROM hr
  UNION ALL SELECT reject, k17, name, birth, sex, bad FROM public_security
  UNION ALL SELECT reject, k17, name, birth, sex, bad FROM education
  UNION ALL SELECT reject, k17, name, birth, sex, bad FROM disability
  UNION ALL SELECT reject, k17, name, birth, sex, bad FROM civil_affairs
) WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL;

-- Known valid persons and the normalised names their directly accepted records carry — only for
-- the persons and names some pending record could link to (screened first by the birth date in
-- the key, or the key itself, so that only a few names need normalising).
CREATE OR REPLACE TABLE known_names AS
WITH direct AS (
  SELECT k17 AS key, name FROM enrollment WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
  UNION ALL SELECT k17 AS key, name FROM tax WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
  UNION ALL SELECT k17 AS key, name FROM hr WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
  UNION ALL SELECT k17 AS key, name FROM public_security WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
  UNION ALL SELECT k17 AS key, name FROM education WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
  UNION ALL SELECT k17 AS key, name FROM disability WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
  UNION ALL SELECT k17 AS key, name FROM civil_affairs WHERE reject IS NULL AND NOT bad AND name IS NOT NULL
), screened AS (
  SELECT key, name FROM direct
  WHERE key // 1000 % 100000000 IN (SELECT DISTINCT year(birth) * 10000 + month(birth) * 100 + day(birth)
                                    FROM pending WHERE birth IS NOT NULL)
     OR key IN (SELECT repair FROM pending WHERE repair IS NOT NULL)
)
SELECT DISTINCT key, nname, key_birth(key) AS kbirth, key_sex(key) AS ksex
FROM (SELECT key, norm_name(name) AS nname FROM screened)
WHERE nname IN (SELECT nname FROM pending);

-- checksum_repair: a bad_checksum ID whose 17 digits are a known person bearing the same name.
-- name_birth: name + birth (+ sex where present) match exactly one known person; several =
-- ambiguous (quarantined), none = quarantined with the ID's own reason.
CREATE OR REPLACE TABLE links AS
WITH repaired AS (
  SELECT p.*, p.repair AS key, 'checksum_repair' AS method
  FROM pending p SEMI JOIN known_names n ON n.key = p.repair AND n.nname = p.nname
  WHERE p.reject = 'bad_checksum'
), by_birth AS (
  SELECT p.reject, p.repair, p.nname, p.birth, p.sex, min(n.key) AS key, count(*) AS matches
  FROM pending p JOIN known_names n ON n.nname = p.nname AND n.kbirth = p.birth
  WHERE p.birth IS NOT NULL AND (p.sex IS NULL OR n.ksex = p.sex)
    AND NOT (p.reject = 'bad_checksum' AND EXISTS (SELECT 1 FROM repaired r WHERE r.repair = p.repair AND r.nname = p.nname))
  GROUP BY ALL
)
SELECT * FROM repaired
UNION ALL
SELECT reject, repair, nname, birth, sex, key, 'name_birth' FROM by_birth WHERE matches = 1;

-- The linked records of each agency, with the key they link to.
CREATE OR REPLACE TABLE enrollment_linked AS
SELECT l.key, l.method, r.feed, r.row, r.record_id, r.scheme, r.region, r.status, r.start, r."end", r.category
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM enrollment WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;
CREATE OR REPLACE TABLE tax_linked AS
SELECT l.key, l.method, r.feed, r.row, r.scheme, r.region, r."from", r."to"
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM tax WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;
CREATE OR REPLACE TABLE hr_linked AS
SELECT l.key, l.method, r.feed, r.row, r.type, r.region, r.start, r."end", r.pension_status
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM hr WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;
CREATE OR REPLACE TABLE public_security_linked AS
SELECT l.key, l.method, r.feed, r.row, r.status, r.death_date, r.residence_region, r.permit_region, r.permit_expiry, r.hukou_region
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM public_security WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;
CREATE OR REPLACE TABLE education_linked AS
SELECT l.key, l.method, r.feed, r.row, r.status, r.region
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM education WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;
CREATE OR REPLACE TABLE disability_linked AS
SELECT l.key, l.method, r.feed, r.row, r.level
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM disability WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;
CREATE OR REPLACE TABLE civil_affairs_linked AS
SELECT l.key, l.method, r.feed, r.row, r.category
FROM (SELECT *, rowid AS row, norm_name(name) AS nname,
             CASE WHEN reject = 'bad_checksum' THEN k17 END AS repair FROM civil_affairs WHERE reject IS NOT NULL AND NOT bad AND name IS NOT NULL) r
JOIN links l ON l.reject = r.reject AND l.nname = r.nname AND l.repair IS NOT DISTINCT FROM r.repair
  AND l.birth IS NOT DISTINCT FROM r.birth AND l.sex IS NOT DISTINCT FROM r.sex;

-- ===== accepted records: direct (valid ID, fields fine) plus linked ==============================
CREATE OR REPLACE TABLE enr AS
SELECT k17 AS key, record_id, scheme, region, status, start, "end", category
FROM enrollment WHERE reject IS NULL AND NOT bad
UNION ALL
SELECT key, record_id, scheme, region, status, start, "end", category FROM enrollment_linked;

CREATE OR REPLACE TABLE tx AS
SELECT k17 AS key, scheme, region, "from", "to" FROM tax WHERE reject IS NULL AND NOT bad
UNION ALL
SELECT key, scheme, region, "from", "to" FROM tax_linked;

CREATE OR REPLACE VIEW hr_acc AS
SELECT k17 AS key, feed, rowid AS row, type, region, start, "end", pension_status FROM hr WHERE reject IS NULL AND NOT bad
UNION ALL
SELECT key, feed, row, type, region, start, "end", pension_status FROM hr_linked;

CREATE OR REPLACE VIEW ps_acc AS
SELECT k17 AS key, status, death_date, residence_region, permit_region, permit_expiry, hukou_region
FROM public_security WHERE reject IS NULL AND NOT bad
UNION ALL
SELECT key, status, death_date, residence_region, permit_region, permit_expiry, hukou_region
FROM public_security_linked;

CREATE OR REPLACE VIEW edu_acc AS
SELECT k17 AS key, status, region FROM education WHERE reject IS NULL AND NOT bad
UNION ALL
SELECT key, status, region FROM education_linked;

-- ===== SPEC §4 facts ===========================================================================
CREATE OR REPLACE MACRO is_district(r) AS is_local(r) AND r <> p_city();

-- Target population: alive, valid ID (every key is one), a home district (the first local code
-- among residence, valid permit, hukou, active employment, enrolled student's school — only its
-- existence matters for R1/R3).
CREATE OR REPLACE TABLE target AS
WITH dead AS (
  SELECT DISTINCT key FROM ps_acc
  WHERE status IN ('dead', 'cancelled') OR death_date <= p_as_of()
), home AS (
  SELECT key FROM ps_acc
  WHERE is_district(residence_region) OR is_district(hukou_region)
     OR (is_district(permit_region) AND (permit_expiry IS NULL OR permit_expiry >= p_as_of()))
  UNION
  SELECT key FROM hr_acc
  WHERE type = 'employment' AND is_district(region)
    AND (start IS NULL OR start <= p_as_of()) AND ("end" IS NULL OR p_as_of() <= "end")
  UNION
  SELECT key FROM edu_acc WHERE status = 'enrolled' AND is_district(region)
)
SELECT key FROM home ANTI JOIN dead USING (key);

-- Pensioner: the latest hr pension record by start (absent start first; ties: the later one in
-- feed/line order) is `receiving`; its region is the pension region.
CREATE OR REPLACE TABLE pension AS
SELECT key,
       arg_max({'status': pension_status, 'region': region},
               (coalesce(start - DATE '0001-01-01', -1) + 1) * 1099511627776 + feed * 17179869184 + row) AS latest
FROM hr_acc WHERE type = 'pension' GROUP BY key;

-- paid: a local record is paid when a local tax row of the same person and scheme covers the
-- month of d (employee: or the month before); other regions' records are taken as paid.
-- normal: active, covers d, paid.
CREATE OR REPLACE TABLE ef AS
WITH taxed AS (
  SELECT key, scheme,
         bool_or("from" <= month_of(p_as_of()) AND month_of(p_as_of()) <= "to") AS this_month,
         bool_or("from" <= month_of(p_as_of()) - 1 AND month_of(p_as_of()) - 1 <= "to") AS last_month
  FROM tx WHERE is_local(region) GROUP BY key, scheme
), facts AS (
  SELECT e.*, is_local(e.region) AS loc,
         NOT is_local(e.region)
           OR coalesce(t.this_month OR (e.scheme = 'employee' AND t.last_month), false) AS paid
  FROM enr e LEFT JOIN taxed t ON t.key = e.key AND t.scheme = e.scheme
)
SELECT *, status = 'active' AND start <= p_as_of() AND ("end" IS NULL OR p_as_of() <= "end") AND paid AS normal
FROM facts;

-- Per person: what R1 and R3 need.
CREATE OR REPLACE TABLE person_enr AS
SELECT key,
  bool_or(normal) AS any_normal,
  -- some record covers a day in the 365 days up to d
  bool_or(start <= p_as_of() AND ("end" IS NULL OR ("end" >= p_as_of() - 364 AND "end" >= start))) AS recent,
  bool_or(loc AND status = 'active' AND NOT paid) AS local_unpaid,
  count(*) FILTER (WHERE normal AND scheme = 'employee') AS n_emp,
  count(*) FILTER (WHERE normal AND scheme = 'resident') AS n_res,
  bool_or(normal AND loc) AS local_normal,
  bool_or(normal AND scheme = 'employee' AND loc AND category = 'in_service') AS emp_local_in_service,
  bool_or(normal AND scheme = 'employee' AND NOT loc) AS emp_other_region,
  bool_or(normal AND scheme = 'employee' AND "end" IS NULL) AS emp_open,
  bool_or(scheme = 'resident' AND status = 'active'
          AND start = make_date(year(p_as_of()) + 1, 1, 1)) AS resident_next_year
FROM ef GROUP BY key;

-- ===== R1 coverage state of every target person =================================================
CREATE OR REPLACE TABLE coverage AS
SELECT t.key, id_text(t.key) AS id,
       CASE WHEN p.any_normal THEN 'insured'
            WHEN p.recent OR p.local_unpaid THEN 'lapsed'
            ELSE 'never' END AS state
FROM target t LEFT JOIN person_enr p USING (key);

-- ===== R3 duplicate cases (and R3b) ==============================================================
-- Two or more normal records, at least one local. Same-scheme cases per scheme with >= 2; the
-- cross_scheme case is decided on the survivors of the same-scheme cases: only an
-- employee_employee case resolved `pension_elsewhere` (pensioner paid by another region, a local
-- in_service record) can leave no employee record (when every normal employee record is local).
-- R3b: a normal open-ended employee record and an active resident record starting 1 January of
-- plan_year.
CREATE OR REPLACE TABLE dup_cases AS
WITH c AS (
  SELECT p.*, p.local_normal AND p.n_emp + p.n_res >= 2 AS has_case,
         coalesce(pn.latest.status = 'receiving' AND NOT is_local(pn.latest.region), false) AS pension_elsewhere
  FROM person_enr p LEFT JOIN pension pn USING (key)
)
SELECT key, 'employee_employee' AS type FROM c WHERE has_case AND n_emp >= 2
UNION ALL
SELECT key, 'resident_resident' FROM c WHERE has_case AND n_res >= 2
UNION ALL
SELECT key, 'cross_scheme' FROM c
WHERE has_case AND n_emp >= 1 AND n_res >= 1
  AND NOT (n_emp >= 2 AND pension_elsewhere AND emp_local_in_service AND NOT emp_other_region)
UNION ALL
SELECT key, 'next_year_resident' FROM c WHERE emp_open AND resident_next_year;

CREATE OR REPLACE TABLE duplicates AS SELECT id_text(key) AS id, type FROM dup_cases;
