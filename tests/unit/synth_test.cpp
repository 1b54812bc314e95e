// Tests of the synthetic city (`canbao synth`) and the evaluator (`canbao eval`).
#include <gtest/gtest.h>
#include <iconv.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "synth_internal.h"
#include "canbao/core/text.h"
#include "canbao/identity/citizen_id.h"
#include "canbao/synth/synth.h"

namespace fs = std::filesystem;

namespace canbao {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells;
  split_csv_line(line, cells);
  return cells;
}

bool gbk_to_utf8(const std::string& in, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", "GBK");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.assign(in.size() * 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  const size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) return false;
  out.resize(out.size() - dst_left);
  return true;
}

class SynthTempDir {
 public:
  explicit SynthTempDir(const std::string& name) {
    path_ = fs::temp_directory_path() / ("canbao_synth_test_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
  }
  ~SynthTempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

SynthOptions small_options(const fs::path& dir, uint64_t persons, int threads) {
  SynthOptions o;
  o.persons = persons;
  o.seed = 7;
  o.out_dir = dir.string();
  o.threads = threads;
  o.block_persons = 97;  // many blocks even in small cities
  return o;
}

/// One generated city shared by the read-only tests.
class SynthCity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new SynthTempDir("city");
    SynthReport report;
    std::string error;
    ok_ = run_synth(small_options(dir_->path(), 80000, 2), report, error);  // big enough for same-day pairs
    error_ = new std::string(error);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete error_;
  }
  static const fs::path& dir() { return dir_->path(); }
  static SynthTempDir* dir_;
  static bool ok_;
  static std::string* error_;
};
SynthTempDir* SynthCity::dir_ = nullptr;
bool SynthCity::ok_ = false;
std::string* SynthCity::error_ = nullptr;

// ---------------------------------------------------------------------------------------------

TEST(SynthIdMap, InjectiveValidAndInvertible) {
  synth::IdMapper mapper;
  std::string error;
  const Day as_of = *parse_date("2026-11-22");
  const uint64_t n = 150000;
  ASSERT_TRUE(mapper.init(n, as_of, 3, error)) << error;
  std::set<PersonKey> keys;
  for (uint64_t idx = 0; idx < n; ++idx) {
    const synth::IdInfo info = mapper.map(idx);
    ASSERT_EQ(mapper.unpermute(info.perm), idx);
    ASSERT_TRUE(keys.insert(info.key).second) << "duplicate key at " << idx;
    ASSERT_LT(info.key % 1000, 900u) << "sequences 900-999 are reserved";
    const std::string id = format_citizen_id(info.key);
    const IdResult parsed = parse_citizen_id(id, as_of);
    ASSERT_TRUE(parsed.ok()) << id << " " << id_reject_name(parsed.reject);
    ASSERT_EQ(id_birth(info.key), info.birth);
  }
}

TEST(SynthIdMap, RejectsOversizedCities) {
  synth::IdMapper mapper;
  std::string error;
  EXPECT_FALSE(mapper.init(2'000'000'000ULL, *parse_date("2026-11-22"), 1, error));
  EXPECT_NE(error.find("do not fit"), std::string::npos);
}

TEST(SynthNames, DistinctiveNamesAreUniqueAndNeverOrdinary) {
  std::set<std::string> seen;
  for (int family = 0; family < 2; ++family)
    for (uint32_t code = 0; code < (family == 0 ? 8u * 4096u : 4u * 4096u); code += 7)
      ASSERT_TRUE(seen.insert(synth::distinctive_name(family, code)).second);
  synth::Rng rng(1, 2);
  for (int k = 0; k < 20000; ++k) {
    const std::string name = synth::make_name(rng, k % 2 == 0);
    ASSERT_EQ(seen.count(name), 0u) << name;
    std::string gbk;
    ASSERT_TRUE(synth::append_gbk(gbk, name)) << name;
  }
}

TEST(SynthNames, NewbornNamesAreNeverOrdinaryNames) {
  // A newborn without ID must match no known person by name and birth (SPEC §2 name_birth): its
  // given-name characters are none of make_name()'s.
  std::set<std::string> ordinary;
  synth::Rng rng(5, 6);
  for (int k = 0; k < 200000; ++k) ordinary.insert(synth::make_name(rng, k % 2 == 0));
  std::set<std::string> newborn;
  for (int k = 0; k < 20000; ++k) newborn.insert(synth::newborn_name(rng));
  EXPECT_GT(newborn.size(), 5000u);
  for (const std::string& name : newborn) {
    ASSERT_EQ(ordinary.count(name), 0u) << name;
    ASSERT_EQ(name.size(), 9u) << name;  // three CJK characters: never a compound-surname name
  }
}

TEST(SynthMother, MothersAreLivingWomenOfTwentyToFortyFiveWithAHomeDistrict) {
  SynthOptions o;
  o.persons = 20000;
  o.seed = 9;
  synth::CityModel model;
  std::string error;
  ASSERT_TRUE(model.init(o, error)) << error;
  const Day as_of = model.settings().as_of;
  int found = 0;
  for (uint64_t child = 0; child < 200; ++child) {
    synth::MotherInfo mother;
    if (!model.pick_mother(child, mother)) continue;
    ++found;
    EXPECT_FALSE(id_is_male(mother.key));
    const Day birth = id_birth(mother.key);
    EXPECT_GT(birth, add_months(as_of, -12 * 45));
    EXPECT_LE(birth, add_months(as_of, -12 * 20));
    EXPECT_NE(mother.home, 0);
    // The same child gets the same mother (pure in (seed, index)), who is that person of the city.
    synth::MotherInfo again;
    ASSERT_TRUE(model.pick_mother(child, again));
    EXPECT_EQ(again.key, mother.key);
    synth::SPerson p;
    synth::Outcome out;
    bool seen = false;
    for (uint64_t index = 0; index < o.persons && !seen; ++index) {
      if (model.ids().map(index).key != mother.key) continue;
      model.make_person(index, p);
      synth::evaluate(p, model.settings(), out);
      EXPECT_EQ(out.home, mother.home);
      EXPECT_TRUE(out.alive);
      EXPECT_EQ(p.name, mother.name);
      seen = true;
    }
    EXPECT_TRUE(seen);
    if (found >= 5) break;
  }
  EXPECT_EQ(found, 5);
}

TEST(SynthDeterminism, SameSeedSameBytesAtAnyThreadCount) {
  SynthTempDir a("det_a"), b("det_b"), c("det_c");
  SynthReport report;
  std::string error;
  ASSERT_TRUE(run_synth(small_options(a.path(), 3000, 1), report, error)) << error;
  SynthOptions two = small_options(b.path(), 3000, 2);
  two.block_persons = 500;  // block size does not change the bytes either
  ASSERT_TRUE(run_synth(two, report, error)) << error;
  SynthOptions other_seed = small_options(c.path(), 3000, 2);
  other_seed.seed = 8;
  ASSERT_TRUE(run_synth(other_seed, report, error)) << error;
  for (const auto& entry : fs::directory_iterator(a.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(read_file(entry.path()), read_file(b.path() / name)) << name;
    if (name != "manifest.json") {
      EXPECT_NE(read_file(entry.path()), read_file(c.path() / name)) << name;
    }
  }
}

TEST_F(SynthCity, GeneratesWithoutInternalMismatch) { ASSERT_TRUE(ok_) << *error_; }

TEST_F(SynthCity, ManifestAndNdjsonAreWellFormed) {
  ASSERT_TRUE(ok_) << *error_;
  simdjson::ondemand::parser parser;
  simdjson::padded_string manifest = simdjson::padded_string::load((dir() / "manifest.json").string());
  simdjson::ondemand::document doc = parser.iterate(manifest);
  EXPECT_EQ(std::string_view(doc["city"].get_string().value()), "350200");
  EXPECT_EQ(std::string_view(doc["as_of"].get_string().value()), "2026-11-22");
  EXPECT_EQ(double(doc["settings"]["target_rate"].get_double().value()), 0.95);
  std::vector<std::string> paths;
  for (auto feed : doc["feeds"].get_array()) paths.emplace_back(std::string_view(feed["path"].get_string().value()));
  ASSERT_EQ(paths.size(), 10u);
  for (const std::string& path : paths) {
    ASSERT_TRUE(fs::exists(dir() / path)) << path;
    if (path.ends_with(".csv")) continue;
    const std::string text = read_file(dir() / path);
    size_t count = 0;
    for (const std::string& line : lines_of(text)) {
      simdjson::padded_string padded(line);
      simdjson::dom::parser dom;
      simdjson::dom::element element;
      ASSERT_EQ(dom.parse(padded).get(element), simdjson::SUCCESS) << path << ": " << line;
      ASSERT_TRUE(element.is_object());
      ++count;
    }
    EXPECT_GT(count, 0u) << path;
  }
}

TEST_F(SynthCity, PublicSecurityIsGbkWithChineseHeader) {
  ASSERT_TRUE(ok_) << *error_;
  const std::string gbk = read_file(dir() / "public_security.csv");
  std::string utf8;
  ASSERT_TRUE(gbk_to_utf8(gbk, utf8));
  EXPECT_FALSE(is_valid_utf8(gbk));  // really GBK, not UTF-8
  const auto lines = lines_of(utf8);
  ASSERT_GT(lines.size(), 1000u);
  EXPECT_EQ(lines[0] + "\n", synth::kPsHeader);
  for (const std::string& line : lines) ASSERT_EQ(csv_cells(line).size(), 12u) << line;
}

/// The raw id of every feed line, keyed by (feed path, line); health birth records without ID
/// (newborns without ID, or linked by name_birth) are left out and counted in `births_without_id`.
std::map<std::pair<std::string, uint64_t>, std::string> raw_ids(const fs::path& dir, bool& ok,
                                                                 size_t* births_without_id = nullptr) {
  std::map<std::pair<std::string, uint64_t>, std::string> ids;
  ok = true;
  for (int f = 0; f < synth::kFeedCount; ++f) {
    const std::string path = synth::kFeedPaths[f];
    std::string text = read_file(dir / path);
    if (f == synth::kFeedPs) {
      std::string utf8;
      if (!gbk_to_utf8(text, utf8)) ok = false;
      const auto lines = lines_of(utf8);
      for (size_t k = 1; k < lines.size(); ++k) ids[{path, k + 1}] = csv_cells(lines[k])[1];
      continue;
    }
    const char* key = f == synth::kFeedDisability ? "证件号码"
                      : f == synth::kFeedCivil    ? "身份证号"
                      : f == synth::kFeedMarket   ? "经营者身份证号"
                                                  : "id";
    const auto lines = lines_of(text);
    simdjson::dom::parser parser;
    for (size_t k = 0; k < lines.size(); ++k) {
      simdjson::padded_string padded(lines[k]);
      simdjson::dom::element element;
      if (parser.parse(padded).get(element) != simdjson::SUCCESS) {
        ok = false;
        continue;
      }
      std::string_view value, kind;
      const bool has_id = element[key].get_string().get(value) == simdjson::SUCCESS && !value.empty();
      if (f == synth::kFeedHealth && !has_id && element["kind"].get_string().get(kind) == simdjson::SUCCESS &&
          (kind == "birth" || kind == "出生")) {
        if (births_without_id) ++*births_without_id;
        continue;
      }
      ids[{path, k + 1}] = has_id ? std::string(value) : std::string();
    }
  }
  return ids;
}

TEST_F(SynthCity, EveryIdIsValidExceptThePlantedDirtyOnes) {
  ASSERT_TRUE(ok_) << *error_;
  bool ok = false;
  size_t births_without_id = 0;
  auto ids = raw_ids(dir(), ok, &births_without_id);
  ASSERT_TRUE(ok);
  EXPECT_GT(births_without_id, 50u);
  const Day as_of = *parse_date("2026-11-22");
  std::map<std::pair<std::string, uint64_t>, std::vector<std::string>> dirty;
  std::map<std::string, int> reasons;
  for (const std::string& line : lines_of(read_file(dir() / "truth.csv"))) {
    const auto cells = csv_cells(line);
    if (cells[0] != "quarantine" && cells[0] != "link") continue;
    dirty[{cells[1], std::stoull(cells[2])}] = cells;
    ++reasons[cells[0] + ":" + cells[4]];
  }
  for (const char* reason : {"missing", "ambiguous", "excel_mangled", "bad_length", "bad_char", "bad_region", "bad_birthdate",
                             "bad_checksum", "bad_field:region", "bad_field:paid_on"})
    EXPECT_GT(reasons[std::string("quarantine:") + reason], 0) << reason;
  EXPECT_GT(reasons["link:checksum_repair"], 0);
  EXPECT_GT(reasons["link:name_birth"], 0);
  for (const char* reason : {"bad_field:kind", "bad_field:birth_cert", "bad_field:birth", "bad_field:death_date"})
    EXPECT_GT(reasons[std::string("quarantine:") + reason], 0) << reason;
  size_t valid = 0;
  for (const auto& [where, raw] : ids) {
    const IdResult parsed = parse_citizen_id(raw, as_of);
    const auto it = dirty.find(where);
    if (it == dirty.end()) {
      ASSERT_TRUE(parsed.ok()) << where.first << ":" << where.second << " '" << raw << "' "
                               << id_reject_name(parsed.reject);
      ++valid;
      continue;
    }
    const auto& cells = it->second;
    // Truth line numbers point at the record: the masked ID agrees.
    EXPECT_EQ(cells[5], mask_id(raw)) << where.first << ":" << where.second;
    if (cells[0] == "link") {
      EXPECT_EQ(parsed.reject, cells[4] == "checksum_repair" ? IdReject::kBadChecksum : IdReject::kMissing) << raw;
      if (cells[4] == "checksum_repair") {
        EXPECT_EQ(parsed.repair_key, parse_citizen_id(cells[6], as_of).key);  // the prefix is the person's
      }
    } else if (cells[4] == "ambiguous") {
      EXPECT_EQ(parsed.reject, IdReject::kMissing) << raw;
    } else if (cells[4].rfind("bad_field:", 0) == 0) {
      EXPECT_TRUE(parsed.ok()) << raw;
    } else {
      EXPECT_EQ(id_reject_name(parsed.reject), cells[4]) << where.first << ":" << where.second << " '" << raw << "'";
    }
  }
  EXPECT_GT(valid, 200000u);
}

TEST_F(SynthCity, NewbornRowsComeFromBirthRecordsWithoutId) {
  ASSERT_TRUE(ok_) << *error_;
  // birth_cert → the health lines that carry it, without ID.
  std::map<std::string, std::vector<std::string>> without_id;
  std::set<std::string> with_id;
  simdjson::dom::parser parser;
  for (const std::string& line : lines_of(read_file(dir() / "health.ndjson"))) {
    simdjson::padded_string padded(line);
    simdjson::dom::element element;
    ASSERT_EQ(parser.parse(padded).get(element), simdjson::SUCCESS) << line;
    std::string_view cert, id;
    if (element["birth_cert"].get_string().get(cert) != simdjson::SUCCESS) continue;
    if (element["id"].get_string().get(id) == simdjson::SUCCESS && !id.empty()) with_id.insert(std::string(cert));
    else without_id[std::string(cert)].push_back(line);
  }
  size_t rows = 0, twice = 0;
  std::set<std::string> certs;
  for (const std::string& line : lines_of(read_file(dir() / "truth.csv"))) {
    const auto cells = csv_cells(line);
    if (cells[0] != "newborns") continue;
    ++rows;
    EXPECT_TRUE(certs.insert(cells[1]).second) << "one row per birth_cert: " << line;
    const auto it = without_id.find(cells[1]);
    ASSERT_NE(it, without_id.end()) << line;
    EXPECT_EQ(with_id.count(cells[1]), 0u) << line;
    twice += it->second.size() > 1;
    // The row's cells come from the latest record of its birth_cert.
    const std::string& latest = it->second.back();
    EXPECT_NE(latest.find("\"birth\": \""), std::string::npos);
    if (!cells[2].empty()) {
      EXPECT_NE(latest.find("\"name\": \"" + cells[2] + "\""), std::string::npos) << line;
    }
    EXPECT_EQ(cells[7].rfind(cells[6].empty() ? "hospital:" : "community:" + cells[6], 0), 0u) << line;
  }
  EXPECT_GT(rows, 20u);
  EXPECT_GT(twice, 0u);
  // Some births without ID give no row: outside the window, or their ID came later.
  size_t later_id = 0;
  for (const auto& [cert, lines] : without_id) later_id += with_id.count(cert);
  EXPECT_GT(later_id, 0u);
  EXPECT_GT(without_id.size(), rows + later_id);
}

TEST_F(SynthCity, TruthCoversEveryPersonAndPlantsEveryCategory) {
  ASSERT_TRUE(ok_) << *error_;
  std::map<std::string, int> kinds, states, types, resolutions, actions, groups, channels, archetypes;
  int self_employed = 0, adults = 0;
  for (const std::string& line : lines_of(read_file(dir() / "truth.csv"))) {
    const auto cells = csv_cells(line);
    ++kinds[cells[0]];
    if (cells[0] == "person") {
      ++states[cells[4]];
      ++archetypes[cells[2]];
      if (id_birth(parse_citizen_id(cells[1], *parse_date("2026-11-22")).key) <= *parse_date("2008-11-22")) {
        ++adults;
        self_employed += cells[7].find("self_employed") != std::string::npos;
      }
    }
    if (cells[0] == "outreach") ++groups[cells[6]];
    if (cells[0] == "newborns") ++channels[cells[7].substr(0, cells[7].find(':'))];
    if (cells[0] == "duplicates") {
      ++types[cells[3]];
      ++resolutions[cells[7]];
    }
    if (cells[0] == "actions") ++actions[cells[3]];
  }
  EXPECT_EQ(kinds["person"], 80000);
  EXPECT_GT(states["lapsed"], 50);
  EXPECT_GT(states["never"], 50);
  for (const char* t : {"employee_employee", "resident_resident", "cross_scheme", "next_year_resident"})
    EXPECT_GT(types[t], 0) << t;
  for (const char* r : {"pension_elsewhere", "needs_confirmation", "keep_employment_region", "exempt_freshman",
                        "keep_school_region", "keep_residence", "exempt_assisted", "keep_employee",
                        "exempt_transition", "suspend_next_year"})
    EXPECT_GT(resolutions[r], 0) << r;
  for (const char* a : {"terminate", "suspend", "suspend_benefits", "terminate_deceased"}) EXPECT_GT(actions[a], 0) << a;
  // SPEC §9: outreach via the business, newborns without ID via the community or the hospital,
  // deaths known only to health (R8), infants whose home district is their mother's.
  EXPECT_GT(groups["self_employed"], 0);
  EXPECT_GT(groups["newborn"], 0);
  EXPECT_GT(channels["community"], 0);
  EXPECT_GT(channels["hospital"], 0);
  for (const char* a : {"r8_deceased_health_only", "uninsured_newborn_mother_district", "uninsured_newborn_migrant",
                        "uninsured_self_employed", "uninsured_self_employed_market_only",
                        "uninsured_self_employed_migrant", "uninsured_never_business_closed",
                        "bg_newborn_ambiguous_birth"})
    EXPECT_GT(archetypes[a], 0) << a;
  // Individual businesses for about 5% of the adults.
  EXPECT_GT(self_employed, adults * 3 / 100);
  EXPECT_LT(self_employed, adults * 8 / 100);
  EXPECT_GT(kinds["benefits"], 100);
  EXPECT_GT(kinds["backpay"], 0);
  EXPECT_EQ(kinds["plan"], 8);  // six districts, unassigned, total
}

// ---------------------------------------------------------------------------------------------
// Eval on hand-made output directories.

const char* kHeaders[][2] = {
    {"registry", "id,name,sex,birth,home_district,alive,state,records,assisted,student,employed,pensioner"},
    {"outreach", "id,name,home_district,address,state,group,suggested_scheme,channel"},
    {"duplicates", "id,name,type,records,kept,terminated,resolution,rule"},
    {"actions", "id,record_id,action,handler,deadline,escalation,refund,subsidy_deduction_yuan,rule"},
    {"benefits", "id,record_id,scheme,start,paid_on,prior_months,gap_months,benefit_start"},
    {"plan", "district,target,insured,lapsed,never,rate,target_rate,gap,duplicates,subsidy_deduction_yuan"},
    {"quarantine", "feed,line,agency,reason,id_masked"},
    {"newborns", "birth_cert,name,sex,birth,mother_id_masked,home_district,channel"},
};

const char kTruth[] =
    "kind,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12\n"
    "person,350203199001011234,bg_employee,true,insured,,350203,employed\n"
    "registry,350203199001011234,陈伟,M,1990-01-01,350203,true,insured,XM1;XM9,false,false,true,false\n"
    "person,350205198001014321,uninsured_never,true,never,other,350205,\n"
    "registry,350205198001014321,林芳,F,1980-01-01,350205,true,never,,false,false,false,false\n"
    "outreach,350205198001014321,林芳,350205,\"福建省厦门市海沧区嘉禾路1号,3单元\",never,other,resident,community:350205\n"
    "duplicates,350203199001011234,陈伟,employee_employee,NP2;XM1,XM1,NP2,keep_employment_region,N5\n"
    "actions,350203199001011234,NP2,terminate,region:440106,2026-12-22,notify_region,transfer_account,0,N5\n"
    "quarantine,tax.ndjson,7,tax,bad_length,350203*******1234\n"
    "link,enrollment.ndjson,3,enrollment,checksum_repair,350203********1235,350203199001011234,XM9\n"
    "plan,350203,1,1,0,0,1.0000,0.95,0,1,0\n";

void write_outputs(const fs::path& dir, const std::map<std::string, std::vector<std::string>>& rows) {
  fs::create_directories(dir);
  for (const auto& header : kHeaders) {
    std::ofstream out(dir / (std::string(header[0]) + ".csv"), std::ios::binary);
    out << header[1] << "\n";
    const auto it = rows.find(header[0]);
    if (it != rows.end())
      for (const std::string& row : it->second) out << row << "\n";
  }
}

std::map<std::string, std::vector<std::string>> perfect_rows() {
  std::map<std::string, std::vector<std::string>> rows;
  for (const std::string& line : lines_of(kTruth)) {
    const size_t comma = line.find(',');
    const std::string kind = line.substr(0, comma);
    if (kind == "kind" || kind == "person" || kind == "link") continue;
    rows[kind].push_back(line.substr(comma + 1));
  }
  return rows;
}

const EvalCategory* find(const EvalReport& report, const std::string& name) {
  for (const auto& c : report.categories)
    if (c.name == name) return &c;
  return nullptr;
}

class SynthEval : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<SynthTempDir>("eval");
    fs::create_directories(dir_->path());
    truth_ = dir_->path() / "truth.csv";
    std::ofstream(truth_, std::ios::binary) << kTruth;
  }
  EvalReport eval(const std::map<std::string, std::vector<std::string>>& rows) {
    write_outputs(dir_->path() / "out", rows);
    EvalReport report;
    std::string error;
    EXPECT_TRUE(run_eval(truth_.string(), (dir_->path() / "out").string(), report, error)) << error;
    return report;
  }
  std::unique_ptr<SynthTempDir> dir_;
  fs::path truth_;
};

TEST_F(SynthEval, PerfectDirectoryIsPerfect) {
  const EvalReport report = eval(perfect_rows());
  EXPECT_TRUE(report.perfect()) << format_eval_report(report);
  ASSERT_TRUE(find(report, "uninsured:never"));
  EXPECT_EQ(find(report, "uninsured:never")->matched, 1u);
  EXPECT_EQ(find(report, "decision:keep_employment_region")->matched, 1u);
  EXPECT_EQ(find(report, "quarantine:bad_length")->matched, 1u);
  EXPECT_EQ(find(report, "link:checksum_repair")->matched, 1u);
}

TEST_F(SynthEval, MissingRowLowersRecall) {
  auto rows = perfect_rows();
  rows["outreach"].clear();
  rows["quarantine"].clear();
  const EvalReport report = eval(rows);
  EXPECT_FALSE(report.perfect());
  const EvalCategory* never = find(report, "uninsured:never");
  ASSERT_TRUE(never);
  EXPECT_EQ(never->planted, 1u);
  EXPECT_EQ(never->reported, 0u);
  EXPECT_EQ(never->recall(), 0.0);
  EXPECT_EQ(never->precision(), 1.0);
  EXPECT_EQ(find(report, "quarantine:bad_length")->recall(), 0.0);
  EXPECT_FALSE(never->missing.empty());
}

TEST_F(SynthEval, ExtraRowLowersPrecision) {
  auto rows = perfect_rows();
  rows["outreach"].push_back("350203199001011234,陈伟,350203,,lapsed,employed,employee,unit:X");
  rows["quarantine"].push_back("hr.ndjson,3,hr,missing,");
  const EvalReport report = eval(rows);
  EXPECT_FALSE(report.perfect());
  const EvalCategory* lapsed = find(report, "uninsured:lapsed");
  ASSERT_TRUE(lapsed);
  EXPECT_EQ(lapsed->planted, 0u);
  EXPECT_EQ(lapsed->reported, 1u);
  EXPECT_EQ(lapsed->precision(), 0.0);
  EXPECT_EQ(find(report, "quarantine:missing")->precision(), 0.0);
  EXPECT_TRUE(find(report, "uninsured:never")->matched == 1u);
  EXPECT_FALSE(lapsed->extra.empty());
}

TEST_F(SynthEval, WrongDecisionAndQuarantinedLinkAreCaught) {
  auto rows = perfect_rows();
  rows["duplicates"][0] = "350203199001011234,陈伟,employee_employee,NP2;XM1,NP2;XM1,,needs_confirmation,X3.1.1";
  rows["quarantine"].push_back("enrollment.ndjson,3,enrollment,bad_checksum,350203********1235");
  const EvalReport report = eval(rows);
  EXPECT_EQ(find(report, "decision:keep_employment_region")->recall(), 0.0);
  EXPECT_EQ(find(report, "decision:needs_confirmation")->precision(), 0.0);
  EXPECT_EQ(find(report, "duplicate:employee_employee")->matched, 1u);  // the case itself was found
  EXPECT_EQ(find(report, "link:checksum_repair")->recall(), 0.0);
}

TEST_F(SynthCity, EvalOfTheTruthItselfIsPerfect) {
  ASSERT_TRUE(ok_) << *error_;
  // Rebuild the outputs a perfect engine would write from the truth rows.
  std::map<std::string, std::vector<std::string>> rows;
  std::map<std::string, std::string> extra_records;
  for (const std::string& line : lines_of(read_file(dir() / "truth.csv"))) {
    const size_t comma = line.find(',');
    const std::string kind = line.substr(0, comma);
    if (kind == "registry" || kind == "outreach" || kind == "duplicates" || kind == "actions" || kind == "benefits" ||
        kind == "plan" || kind == "quarantine" || kind == "newborns")
      rows[kind].push_back(line.substr(comma + 1));
  }
  SynthTempDir out("eval_city");
  write_outputs(out.path(), rows);
  EvalReport report;
  std::string error;
  ASSERT_TRUE(run_eval((dir() / "truth.csv").string(), out.path().string(), report, error)) << error;
  EXPECT_TRUE(report.perfect()) << format_eval_report(report);
}

}  // namespace
}  // namespace canbao
