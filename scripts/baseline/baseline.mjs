// The canbao job as DuckDB SQL: loads a manifest's feeds (SQL generated from the manifest),
// computes the target population, R1 coverage states and R3/R3b duplicate case types, and checks
// them against canbao's outputs. Also times canbao (cold and warm index), `cat` and `wc -l` over
// the same files, and appends one line to bench/baseline.tsv.
//
//   node baseline.mjs --manifest M [--canbao BIN] [--work DIR] [--persons N] [--tsv FILE]
//                     [--canbao-out DIR (skip running canbao; compare with these outputs)]
//                     [--no-bench (no cat/wc/canbao timings, no TSV line)] [--dump-sql FILE]
//
// Exit status: 0 when DuckDB's answers equal canbao's, 1 on a mismatch, 2 on an error.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---- arguments ---------------------------------------------------------------------------------
function parseArgs(argv) {
  const args = { threads: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const take = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--manifest': args.manifest = take(); break;
      case '--canbao': args.canbao = take(); break;
      case '--canbao-out': args.canbaoOut = take(); break;
      case '--work': args.work = take(); break;
      case '--persons': args.persons = take(); break;
      case '--tsv': args.tsv = take(); break;
      case '--threads': args.threads = Number(take()); break;
      case '--dump-sql': args.dumpSql = take(); break;
      case '--no-bench': args.noBench = true; break;
      case '-h': case '--help':
        console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(0, 12).join('\n'));
        process.exit(0);
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!args.manifest) throw new Error('--manifest is required');
  if (!args.canbaoOut && !args.canbao) throw new Error('--canbao BIN or --canbao-out DIR is required');
  return args;
}

// ---- the feeds' fields (SPEC §3) ----------------------------------------------------------------
// kind: text | date | month | region | bool | amount | year | an enum parser name (p_<kind>).
// `!` = required. Text fields the rules never read (unit, address, payer, …) are not loaded: they
// cannot make a record bad. Every agency also has id, name, birth, sex.
const AGENCIES = {
  enrollment: { record_id: 'text!', scheme: 'scheme!', region: 'region!', status: 'enroll_status!',
    start: 'date!', end: 'date', category: 'category', funded: 'funded' },
  tax: { scheme: 'scheme!', region: 'region!', from: 'month!', to: 'month!', paid_on: 'date!',
    back_pay: 'bool', amount: 'amount' },
  hr: { region: 'region!', start: 'date', end: 'date', type: 'hr_type!', pension_status: 'pension_status' },
  public_security: { hukou_region: 'region', residence_region: 'region', permit_region: 'region',
    permit_expiry: 'date', status: 'ps_status', death_date: 'date' },
  education: { school: 'text!', region: 'region!', status: 'edu_status', level: 'edu_level', entry_year: 'year' },
  disability: { level: 'disability_level!', region: 'region', certified_on: 'date' },
  civil_affairs: { category: 'assist_category!', region: 'region', from: 'date', to: 'date' },
};
// SPEC §9 agencies the SQL leaves out (with their feeds, on canbao's side too).
const NOT_MODELLED = ['health', 'market'];
// SPEC §1: absent public-security status means normal, absent education status means enrolled.
const DEFAULTS = { public_security: { status: "'normal'" }, education: { status: "'enrolled'" } };
const COMMON = { birth: 'date', sex: 'sex' };

const q = (name) => `"${String(name).replace(/"/g, '""')}"`;
const lit = (text) => `'${String(text).replace(/'/g, "''")}'`;

function parser(kind, t) {
  switch (kind) {
    case 'text': return t;
    case 'date': return `p_date(${t})`;
    case 'month': return `p_month(${t})`;
    case 'region': return `p_region(${t})`;
    case 'bool': return `p_bool(${t})`;
    case 'year': return `p_year(${t})`;
    case 'amount': return `CASE WHEN p_amount_ok(${t}) THEN ${t} END`;
    default: return `p_${kind}(${t})`;
  }
}

// One CSV header line → cells (RFC 4180), trimmed like the engine does.
function splitCsvLine(line) {
  const cells = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw new Error('unterminated quote in CSV header');
        cell += line.slice(i, close);
        if (line[close + 1] === '"') { cell += '"'; i = close + 2; continue; }
        i = close + 1;
        break;
      }
      const comma = line.indexOf(',', i);
      cell += line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? -1 : comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      cell = line.slice(i, comma < 0 ? line.length : comma);
      i = comma < 0 ? -1 : comma + 1;
    }
    cells.push(cell.replace(/^[\s\u3000\u00a0]+|[\s\u3000\u00a0]+$/g, ''));
    if (i < 0) return cells;
  }
}

function firstLine(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    let text = buf.subarray(0, n).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const nl = text.indexOf('\n');
    return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  } finally {
    fs.closeSync(fd);
  }
}

// ---- SQL generated from the manifest -------------------------------------------------------------
// Per feed: a SELECT of the raw (VARCHAR) values of the fields we need, named by field.
function feedSelect(feed, index, agency, file) {
  const fields = ['id', 'name', ...Object.keys(COMMON), ...Object.keys(AGENCIES[agency])];
  const keyOf = (f) => (feed.columns && feed.columns[f]) || f;
  if (feed.format === 'ndjson') {
    const cols = fields.map((f) => `${lit(keyOf(f))}: 'VARCHAR'`).join(', ');
    const sel = fields.map((f) => `${q(keyOf(f))} AS ${q(f)}`).join(', ');
    return `SELECT ${index} AS feed, ${sel}
      FROM read_json(${lit(file)}, format = 'newline_delimited', columns = {${cols}},
                     ignore_errors = true, maximum_object_size = 16777216)`;
  }
  // CSV: map fields to header columns (first match wins; an explicitly mapped column must exist).
  const header = splitCsvLine(firstLine(file));
  const sel = fields.map((f) => {
    const col = header.indexOf(keyOf(f));
    if (col < 0) {
      if (feed.columns && feed.columns[f]) throw new Error(`${feed.path}: column '${keyOf(f)}' (field ${f}) not in header`);
      return `NULL::VARCHAR AS ${q(f)}`;
    }
    return `c${col} AS ${q(f)}`;
  }).join(', ');
  const cols = header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return `SELECT ${index} AS feed, ${sel}
    FROM read_csv(${lit(file)}, header = false, skip = 1, delim = ',', quote = '"', escape = '"',
                  columns = {${cols}}, auto_detect = false, ignore_errors = true,
                  null_padding = false, strict_mode = true)`;
}

// Per agency: the parsed table the rules read (see rules.sql for its columns). Each step is its
// own CTE level: DuckDB expands macros inline, so a value used several times is computed once in
// the level before.
function agencyTable(agency, selects) {
  const fields = { ...COMMON, ...AGENCIES[agency] };
  const all = ['id', 'name', ...Object.keys(fields)];
  const kindOf = (f) => fields[f].replace('!', '');
  const isEnum = (f) => !['text', 'date', 'month', 'region', 'amount', 'year', 'disability_level'].includes(kindOf(f));
  const source = selects.length
    ? selects.join('\n    UNION ALL BY NAME\n    ')
    : `SELECT 0 AS feed, ${all.map((f) => `NULL::VARCHAR AS ${q(f)}`).join(', ')} WHERE false`;
  const t = (f) => q('t_' + f);
  // 1. trimmed text, NULL when absent
  const trimmed = all.map((f) => `txt(${q(f)}) AS ${t(f)}`).join(', ');
  // 2. ASCII-lowered labels; the normalised ID
  const lowered = Object.keys(fields).filter(isEnum).map((f) => `lower_ascii(${t(f)}) AS ${q('l_' + f)}`);
  // 3. typed values; the ID's key
  const typed = Object.keys(fields).map((f) => {
    let expr = parser(kindOf(f), isEnum(f) ? q('l_' + f) : t(f));
    if (DEFAULTS[agency]?.[f]) expr = `coalesce(${expr}, ${DEFAULTS[agency][f]})`;
    return `${expr} AS ${q(f)}`;
  });
  // 4. bad: a required field absent, or a present field that does not parse (SPEC §3); the
  //    ID's reject reason
  const bad = Object.keys(fields).map((f) => {
    const conds = [];
    if (fields[f].endsWith('!')) conds.push(`${t(f)} IS NULL`);
    if (kindOf(f) !== 'text') conds.push(`(${t(f)} IS NOT NULL AND ${q(f)} IS NULL)`);
    return conds.join(' OR ');
  }).filter(Boolean).join('\n              OR ');
  const keep = Object.keys(fields).filter((f) => !['amount', 'certified_on'].includes(f)).map(q).join(', ');
  return `CREATE OR REPLACE TABLE ${agency} AS
WITH raw AS (
    ${source}
), trimmed AS (
    SELECT feed, ${trimmed} FROM raw
), lowered AS (
    SELECT *, ${[...lowered, 'id_plain("t_id") AS id_plain'].join(', ')} FROM trimmed
), normalised AS (
    SELECT *, id_norm("t_id", id_plain) AS id_n FROM lowered
), typed AS (
    SELECT *, id_key(id_n, id_plain) AS k, ${typed.join(',\n           ')}
    FROM normalised
)
SELECT feed, id_reject("t_id", id_n, k) AS reject,
       k AS k17, "t_name" AS name,
       ${bad} AS bad,
       ${keep}
FROM typed;`;
}

function feedFormat(feed) {
  if (feed.plugin) throw new Error(`${feed.path}: plugin feeds (${feed.plugin}) cannot be read by DuckDB`);
  if (feed.format) return feed.format;
  const ext = path.extname(feed.path).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.csv') return 'csv';
  throw new Error(`${feed.path}: cannot tell the format from the extension`);
}

// ---- helpers -------------------------------------------------------------------------------------
const now = () => Number(process.hrtime.bigint()) / 1e9;
function timed(fn) {
  const t0 = now();
  const value = fn();
  return [now() - t0, value];
}
async function timedAsync(fn) {
  const t0 = now();
  const value = await fn();
  return [now() - t0, value];
}
const fmt = (s) => (s == null ? 'n/a' : s.toFixed(3));
function sh(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit'], ...opts });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}`);
  return res;
}
function bashTime(script) {
  // `cat`/`wc` run under bash so their output goes to /dev/null without passing through node.
  const [s] = timed(() => sh('bash', ['-c', script], { stdout: 'ignore' }));
  return s;
}
const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

// ---- main ----------------------------------------------------------------------------------------
async function main() {
  const args = parseArgs(process.argv.slice(2));
  let manifestPath = path.resolve(args.manifest);
  const cityDir = path.dirname(manifestPath);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  // SPEC §9's further agencies (health, market) are not modelled in SQL. Both sides then run on
  // the manifest without them: canbao on a copy of the manifest that leaves them out.
  const left = manifest.feeds.filter((f) => NOT_MODELLED.includes(f.agency));
  if (left.length > 0) {
    manifest.feeds = manifest.feeds.filter((f) => !left.includes(f));
    // Next to the original: a manifest's feed paths may not point outside its directory.
    manifestPath = path.join(cityDir, 'manifest-without-section9.json');
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
    console.log(`baseline: ${left.map((f) => f.path).join(', ')} left out on both sides (SPEC §9, not in the SQL)`);
  }
  const asOf = manifest.as_of || new Date().toISOString().slice(0, 10);
  const city = String(manifest.city);
  if (!/^\d{6}$/.test(city)) throw new Error(`city '${city}' is not a 6-digit code`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`as_of '${asOf}' is not YYYY-MM-DD`);
  const feeds = manifest.feeds.map((f, index) => ({
    ...f, index, format: feedFormat(f), file: path.resolve(cityDir, f.path),
    encoding: (f.encoding || 'utf-8').toLowerCase(),
  }));
  for (const f of feeds) {
    if (!AGENCIES[f.agency]) throw new Error(`${f.path}: unknown agency ${f.agency}`);
    if (!['utf-8', 'utf8', 'gbk'].includes(f.encoding)) throw new Error(`${f.path}: unsupported encoding ${f.encoding}`);
  }
  const feedBytes = feeds.reduce((sum, f) => sum + fs.statSync(f.file).size, 0);
  const work = args.work || fs.mkdtempSync(path.join(os.tmpdir(), 'canbao-baseline-'));
  fs.mkdirSync(work, { recursive: true });
  const files = feeds.map((f) => shq(f.file)).join(' ');
  console.log(`city ${manifestPath}: ${feeds.length} feeds, ${(feedBytes / 1e6).toFixed(1)} MB, as_of ${asOf}`);

  // 1. The raw-read bound: every feed file read once (after one warm-up read).
  const times = {};
  if (!args.noBench) {
    bashTime(`cat ${files} > /dev/null`);
    times.cat = bashTime(`cat ${files} > /dev/null`);
    times.wcl = bashTime(`wc -l ${files} > /dev/null`);
    console.log(`raw read: cat ${fmt(times.cat)} s, wc -l ${fmt(times.wcl)} s`);
  }

  // 2. canbao on the same files: index rebuilt (cold), then reused (warm).
  let canbaoOut = args.canbaoOut && path.resolve(args.canbaoOut);
  if (!canbaoOut) {
    canbaoOut = path.join(work, 'canbao-out');
    const run = (extra) => bashTime(`${shq(args.canbao)} run ${shq(manifestPath)} --out ${shq(canbaoOut)} ` +
      `--index ${shq(canbaoOut + '.index')} --threads ${args.threads} ${extra} > /dev/null`);
    times.canbaoCold = run('--rebuild-index');
    times.canbaoWarm = run('');
    console.log(`canbao: cold (index rebuilt) ${fmt(times.canbaoCold)} s, warm (index reused) ${fmt(times.canbaoWarm)} s`);
  }

  // 3. DuckDB. Everything from here to the answers is timed, GBK conversion included.
  const t0 = now();
  // GBK feeds: DuckDB reads UTF-8 (its `encodings` extension is not bundled and cannot be
  // downloaded here), so convert with iconv first, as an analyst would.
  times.gbk = 0;
  for (const f of feeds) {
    f.readPath = f.file;
    if (f.encoding !== 'gbk') continue;
    const out = path.join(work, `feed${f.index}-utf8${path.extname(f.path)}`);
    times.gbk += bashTime(`iconv -f GBK -t UTF-8 ${shq(f.file)} > ${shq(out)}`);
    f.readPath = out;
  }
  const byAgency = Object.fromEntries(Object.keys(AGENCIES).map((a) => [a, []]));
  for (const f of feeds) byAgency[f.agency].push(feedSelect(f, f.index, f.agency, f.readPath));
  const params = `CREATE OR REPLACE MACRO p_as_of() AS DATE ${lit(asOf)};
CREATE OR REPLACE MACRO p_city() AS ${Number(city)};`;
  const macros = fs.readFileSync(path.join(here, 'sql', 'macros.sql'), 'utf8');
  const loads = Object.keys(AGENCIES).map((a) => agencyTable(a, byAgency[a]));
  const rules = fs.readFileSync(path.join(here, 'sql', 'rules.sql'), 'utf8');
  if (args.dumpSql) fs.writeFileSync(args.dumpSql, [params, macros, ...loads, rules].join('\n\n') + '\n');

  const config = { threads: String(args.threads), temp_directory: path.join(work, 'duckdb.tmp') };
  if (process.env.CANBAO_DUCKDB_MEMORY) config.memory_limit = process.env.CANBAO_DUCKDB_MEMORY;
  const instance = await DuckDBInstance.create(':memory:', config);
  const con = await instance.connect();
  const stage = {};
  await con.run(params);
  await con.run(macros);
  for (const [i, a] of Object.keys(AGENCIES).entries()) {
    [stage[`load ${a}`]] = await timedAsync(() => con.run(loads[i]));
  }
  [stage.rules] = await timedAsync(() => con.run(rules));
  times.duckdb = now() - t0;
  times.sql = times.duckdb - times.gbk;

  const one = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS()[0];
  const all = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();
  console.log(`duckdb: total ${fmt(times.duckdb)} s = GBK conversion ${fmt(times.gbk)} s + SQL ${fmt(times.sql)} s`);
  console.log('  ' + Object.entries(stage).map(([k, v]) => `${k} ${fmt(v)}`).join(', '));
  const counts = await one(`SELECT
      (SELECT count(*) FROM pending) AS pending,
      (SELECT count(*) FILTER (WHERE method = 'checksum_repair') FROM (${Object.keys(AGENCIES).map((a) => `SELECT method FROM ${a}_linked`).join(' UNION ALL ')})) AS checksum_repair,
      (SELECT count(*) FILTER (WHERE method = 'name_birth') FROM (${Object.keys(AGENCIES).map((a) => `SELECT method FROM ${a}_linked`).join(' UNION ALL ')})) AS name_birth,
      (SELECT count(*) FROM coverage) AS target,
      (SELECT count(*) FILTER (WHERE state = 'insured') FROM coverage) AS insured,
      (SELECT count(*) FILTER (WHERE state = 'lapsed') FROM coverage) AS lapsed,
      (SELECT count(*) FILTER (WHERE state = 'never') FROM coverage) AS never,
      (SELECT count(*) FROM duplicates) AS dup_cases,
      (SELECT count(DISTINCT id) FROM duplicates) AS dup_persons`);
  console.log(`  links: checksum_repair ${counts.checksum_repair}, name_birth ${counts.name_birth}` +
    ` (${counts.pending} distinct pending ID/name/birth/sex combinations)`);
  console.log(`  target ${counts.target}: insured ${counts.insured}, lapsed ${counts.lapsed}, never ${counts.never};` +
    ` duplicate cases ${counts.dup_cases} (${counts.dup_persons} persons)`);

  // 4. Compare with canbao (not timed).
  const csv = (name) => `read_csv(${lit(path.join(canbaoOut, name))}, header = true, all_varchar = true, auto_detect = true)`;
  await con.run(`
    CREATE TABLE cb_registry AS SELECT id, state FROM ${csv('registry.csv')} WHERE alive = 'true' AND coalesce(home_district, '') <> '';
    CREATE TABLE cb_outreach AS SELECT id, state FROM ${csv('outreach.csv')};
    CREATE TABLE cb_dups AS SELECT DISTINCT id, type FROM ${csv('duplicates.csv')};
    CREATE TABLE db_uninsured AS SELECT id, state FROM coverage WHERE state <> 'insured';`);
  let ok = true;
  async function compare(label, ours, theirs, cols) {
    const c = await one(`SELECT (SELECT count(*) FROM ${ours}) AS ours, (SELECT count(*) FROM ${theirs}) AS theirs`);
    const diff = await all(`
      (SELECT 'duckdb only' AS side, ${cols} FROM ${ours} EXCEPT ALL SELECT 'duckdb only', ${cols} FROM ${theirs})
      UNION ALL
      (SELECT 'canbao only', ${cols} FROM ${theirs} EXCEPT ALL SELECT 'canbao only', ${cols} FROM ${ours})
      ORDER BY 2, 1`);
    const by = (s) => diff.filter((r) => r.side === s).length;
    console.log(`${label}: duckdb ${c.ours}, canbao ${c.theirs}: ` +
      (diff.length ? `MISMATCH (${by('duckdb only')} only in duckdb, ${by('canbao only')} only in canbao)` : 'match'));
    for (const row of diff.slice(0, 10)) console.log('    ' + Object.values(row).join(','));
    if (diff.length) ok = false;
  }
  await compare('uninsured (outreach.csv id,state)', 'db_uninsured', 'cb_outreach', 'id, state');
  await compare('target R1 states (registry.csv, alive with home district)', 'coverage', 'cb_registry', 'id, state');
  await compare('duplicate cases (duplicates.csv id,type)', 'duplicates', 'cb_dups', 'id, type');
  // Per feed: records accepted by their own ID and linked by fallback, against summary.json.
  const summary = JSON.parse(fs.readFileSync(path.join(canbaoOut, 'summary.json'), 'utf8'));
  const perFeed = await all(`
    SELECT a.feed, a.accepted, coalesce(l.linked, 0) AS linked FROM (
      ${Object.keys(AGENCIES).map((a) => `SELECT feed, count(*) FILTER (WHERE reject IS NULL AND NOT bad) AS accepted FROM ${a} GROUP BY feed`).join(' UNION ALL ')}
    ) a LEFT JOIN (
      SELECT feed, count(*) AS linked FROM (${Object.keys(AGENCIES).map((a) => `SELECT feed FROM ${a}_linked`).join(' UNION ALL ')})
      GROUP BY feed
    ) l USING (feed) ORDER BY a.feed`);
  const feedDiffs = [];
  for (const row of perFeed) {
    const theirs = summary.feeds?.[row.feed];
    if (!theirs) continue;
    if (Number(row.accepted) !== theirs.accepted || Number(row.linked) !== theirs.linked)
      feedDiffs.push(`${theirs.path}: duckdb accepted ${row.accepted} linked ${row.linked}, canbao accepted ${theirs.accepted} linked ${theirs.linked}`);
  }
  console.log(`records accepted / linked per feed (summary.json): ${feedDiffs.length ? 'MISMATCH' : 'match'}`);
  for (const line of feedDiffs) console.log('    ' + line);
  if (feedDiffs.length) ok = false;
  const byType = await all(`SELECT type, count(*) AS n FROM duplicates GROUP BY type ORDER BY type`);
  console.log('  duckdb cases by type: ' + byType.map((r) => `${r.type} ${r.n}`).join(', '));
  con.closeSync?.();

  // 5. Ratios and the TSV line.
  if (!args.noBench) {
    const r = (a, b) => (a != null && b ? a / b : null);
    const ratio = r(times.duckdb, times.canbaoCold);
    console.log(`ratios: duckdb/canbao cold ${fmt(ratio)}, duckdb/canbao warm ${fmt(r(times.duckdb, times.canbaoWarm))}, ` +
      `canbao cold/cat ${fmt(r(times.canbaoCold, times.cat))}, canbao cold/wc -l ${fmt(r(times.canbaoCold, times.wcl))}, ` +
      `canbao warm/cat ${fmt(r(times.canbaoWarm, times.cat))}`);
    if (args.tsv) {
      const header = 'date\tpersons\tfeed_bytes\tcanbao_cold_s\tcanbao_warm_s\tduckdb_s\tgbk_convert_s\tcat_s\twcl_s\tduckdb_over_canbao_cold\tmatch\n';
      if (!fs.existsSync(args.tsv)) fs.writeFileSync(args.tsv, header);
      const row = [new Date().toISOString().replace(/\.\d+Z$/, 'Z'), args.persons ?? '', feedBytes,
        fmt(times.canbaoCold), fmt(times.canbaoWarm), fmt(times.duckdb), fmt(times.gbk), fmt(times.cat),
        fmt(times.wcl), fmt(ratio), ok ? 'yes' : 'no'];
      fs.appendFileSync(args.tsv, row.join('\t') + '\n');
      console.log(`appended to ${args.tsv}`);
    }
  }
  if (!args.work) fs.rmSync(work, { recursive: true, force: true });
  else {
    // Keep canbao's outputs for a look; drop the bulky index, converted feeds and DuckDB's spill.
    for (const f of feeds) if (f.readPath !== f.file) fs.rmSync(f.readPath, { force: true });
    fs.rmSync(path.join(work, 'duckdb.tmp'), { recursive: true, force: true });
    if (!args.canbaoOut) fs.rmSync(canbaoOut + '.index', { recursive: true, force: true });
  }
  console.log(ok ? 'RESULT: duckdb matches canbao' : 'RESULT: MISMATCH between duckdb and canbao');
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`baseline: ${err.stack || err.message}`);
  process.exit(2);
});
