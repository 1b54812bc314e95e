// `canbao synth`: the synthetic city generator. Persons are made in blocks by the ordered pipeline
// (core/ordered_pipeline.h: serial block counter → parallel generate into per-feed byte buffers →
// serial in-order writer);
// every person depends only on (seed, person index), so the bytes are the same at any thread count.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "canbao/adapter_abi.h"
#include "canbao/core/ordered_pipeline.h"
#include "canbao/core/text.h"
#include "synth_internal.h"

namespace canbao {

namespace synth {
namespace {

constexpr char kTruthHeader[] = "kind,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12\n";

struct Tally {
  int64_t target = 0, insured = 0, lapsed = 0, never = 0, duplicates = 0, subsidy = 0;
  void add(const Tally& o) {
    target += o.target;
    insured += o.insured;
    lapsed += o.lapsed;
    never += o.never;
    duplicates += o.duplicates;
    subsidy += o.subsidy;
  }
};

struct PlanAgg {
  std::map<Region, Tally> districts;
  Tally unassigned;
  void add(const PlanAgg& o) {
    for (const auto& [region, tally] : o.districts) districts[region].add(tally);
    unassigned.add(o.unassigned);
  }
};

struct DirtyRow {
  int feed = 0;
  uint32_t line = 0;
  std::string tail;  // cells after the line
  bool link = false;
  size_t truth_pos = 0;  // where the row goes in the block's truth bytes (after its person)
};

struct Block {
  uint64_t first = 0, count = 0;
  FeedBuffers feeds;
  std::string truth;
  std::vector<DirtyRow> dirty;
  PlanAgg plan;
  uint64_t mismatches = 0;
  std::string first_mismatch;
  void clear() {
    feeds.clear();
    truth.clear();
    dirty.clear();
    plan = PlanAgg{};
    mismatches = 0;
    first_mismatch.clear();
  }
};

void cell(std::string& out, std::string_view text) {
  out.push_back(',');
  append_csv_cell(out, text);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t k = 0; k < items.size(); ++k) {
    if (k) out.push_back(';');
    out += items[k];
  }
  return out;
}

const char* tf(bool value) { return value ? "true" : "false"; }

void append_truth(const SPerson& p, const Outcome& o, const Settings& s, std::string& out) {
  const std::string id = p.id_text();
  // person
  out += "person";
  cell(out, id);
  cell(out, p.archetype);
  cell(out, tf(o.target));
  cell(out, state_name(o.state));
  cell(out, o.group);
  cell(out, o.home ? std::to_string(o.home) : "");
  std::string flags;
  auto flag = [&](bool on, const char* name) {
    if (!on) return;
    if (!flags.empty()) flags.push_back(';');
    flags += name;
  };
  flag(!o.alive, "deceased");
  flag(o.assisted, "assisted");
  flag(o.student, "student");
  flag(o.employed, "employed");
  flag(o.self_employed, "self_employed");
  flag(o.pensioner, "pensioner");
  flag(o.freshman, "freshman");
  cell(out, flags);
  out.push_back('\n');
  if (o.registry) {
    out += "registry";
    cell(out, id);
    cell(out, p.name);
    cell(out, p.male ? "M" : "F");
    cell(out, format_date(p.id.birth));
    cell(out, o.home ? std::to_string(o.home) : "");
    cell(out, tf(o.alive));
    cell(out, state_name(o.state));
    cell(out, join(o.records));
    cell(out, tf(o.assisted));
    cell(out, tf(o.student));
    cell(out, tf(o.employed));
    cell(out, tf(o.pensioner));
    out.push_back('\n');
  }
  if (!o.group.empty()) {
    out += "outreach";
    cell(out, id);
    cell(out, p.name);
    cell(out, std::to_string(o.home));
    cell(out, o.address);
    cell(out, state_name(o.state));
    cell(out, o.group);
    cell(out, o.suggested_scheme);
    cell(out, o.channel);
    out.push_back('\n');
  }
  for (const OCase& k : o.cases) {
    out += "duplicates";
    cell(out, id);
    cell(out, p.name);
    cell(out, k.type);
    cell(out, join(k.records));
    cell(out, join(k.kept));
    cell(out, join(k.terminated));
    cell(out, k.resolution);
    cell(out, k.rule);
    out.push_back('\n');
  }
  for (const OAction& a : o.actions) {
    out += "actions";
    cell(out, id);
    cell(out, a.record_id);
    cell(out, a.action);
    cell(out, a.handler);
    cell(out, format_date(a.deadline));
    cell(out, a.escalation);
    cell(out, a.refund);
    cell(out, std::to_string(a.subsidy));
    cell(out, a.rule);
    out.push_back('\n');
  }
  for (const OBenefit& b : o.benefits) {
    out += "benefits";
    cell(out, id);
    cell(out, b.record_id);
    cell(out, scheme_name(b.scheme));
    cell(out, format_date(b.start));
    cell(out, format_date(b.paid_on));
    cell(out, std::to_string(b.prior));
    cell(out, b.gap >= 0 ? std::to_string(b.gap) : "");
    cell(out, format_date(b.benefit));
    out.push_back('\n');
  }
  for (const ONewborn& n : o.newborns) {
    out += "newborns";
    cell(out, n.cert);
    cell(out, n.name);
    cell(out, n.sex);
    cell(out, n.birth);
    cell(out, n.mother_masked);
    cell(out, n.home);
    cell(out, n.channel);
    out.push_back('\n');
  }
  for (const auto& [from, to] : p.back_pay) {
    out += "backpay";
    cell(out, id);
    std::string text;
    text = std::to_string(month_year(from)) + "-" + (month_of_year(from) < 10 ? "0" : "") + std::to_string(month_of_year(from));
    cell(out, text);
    text = std::to_string(month_year(to)) + "-" + (month_of_year(to) < 10 ? "0" : "") + std::to_string(month_of_year(to));
    cell(out, text);
    out.push_back('\n');
  }
  (void)s;
}

/// Compares the oracle's outcome with what the archetype meant to plant.
std::string check_intent(const SPerson& p, const Outcome& o) {
  if (!o.ambiguity.empty()) return o.ambiguity;
  if (p.intent_state != o.state)
    return "state " + std::string(state_name(o.state)) + " != planted " + std::string(state_name(p.intent_state));
  if (o.registry && p.intent_target != o.target) return "target mismatch";
  std::string cases;
  for (const OCase& k : o.cases) {
    if (!cases.empty()) cases += ";";
    cases += k.type + ":" + k.resolution;
  }
  if (cases != p.intent_cases) return "cases '" + cases + "' != planted '" + p.intent_cases + "'";
  if (p.intent_group && o.group != p.intent_group) return "group " + o.group + " != planted " + p.intent_group;
  int r7 = 0, r8 = 0;
  for (const OAction& a : o.actions) {
    r7 += a.action == "suspend_benefits";
    r8 += a.action == "terminate_deceased";
  }
  if (r7 != p.intent_r7 || r8 != p.intent_r8) return "R7/R8 actions differ from the plan";
  if (static_cast<int>(o.newborns.size()) != p.intent_newborns)
    return std::to_string(o.newborns.size()) + " newborns.csv rows != planted " + std::to_string(p.intent_newborns);
  if (p.intent_benefit != kNoDay) {
    std::string rid;
    for (const SEnroll& e : p.enr)
      if (e.rid == p.intent_benefit_rid) rid = p.record_id(e);
    bool found = false;
    for (const OBenefit& b : o.benefits)
      if (b.record_id == rid) {
        found = true;
        if (b.benefit != p.intent_benefit)
          return "benefit " + format_date(b.benefit) + " != planted " + format_date(p.intent_benefit);
      }
    if (!found) return "planted benefit record missing";
  }
  return {};
}

void generate_block(const CityModel& model, Block& block) {
  SPerson p;
  Outcome o;
  const Settings& s = model.settings();
  for (uint64_t index = block.first; index < block.first + block.count; ++index) {
    model.make_person(index, p);
    Rng variety(model.options().seed, index, 1);
    emit_person(p, s, variety, block.feeds);
    evaluate(p, s, o);
    append_truth(p, o, s, block.truth);
    const std::string problem = check_intent(p, o);
    if (!problem.empty()) {
      if (block.mismatches++ < 3) block.first_mismatch += "\n  " + p.id_text() + " (" + p.archetype + "): " + problem;
    }
    for (const DirtySpec& dirt : p.dirty) {
      DirtyRow row;
      row.feed = dirt.feed;
      row.line = dirt.line;
      row.link = dirt.kind != DirtKind::kQuarantine;
      row.truth_pos = block.truth.size();
      const std::string masked = dirt.id_present ? mask_id(dirt.raw_id) : std::string();
      std::string& t = row.tail;
      cell(t, kFeedAgencies[dirt.feed]);
      if (row.link) {
        cell(t, dirt.kind == DirtKind::kLinkChecksum ? "checksum_repair" : "name_birth");
        cell(t, masked);
        cell(t, p.id_text());
        cell(t, dirt.feed <= kFeedNational ? dirt.record_id : "");
      } else {
        cell(t, dirt.reason);
        cell(t, masked);
      }
      block.dirty.push_back(std::move(row));
    }
    // Plan contribution (R9).
    if (o.target) {
      Tally& t = block.plan.districts[o.home];
      ++t.target;
      if (o.state == State::kInsured) ++t.insured;
      else if (o.state == State::kLapsed) ++t.lapsed;
      else if (o.state == State::kNever) ++t.never;
    }
    if (!o.cases.empty()) {
      Tally& t = o.home ? block.plan.districts[o.home] : block.plan.unassigned;
      ++t.duplicates;
      t.subsidy += o.subsidy;
    }
  }
}

std::string plan_row(const std::string& name, const Tally& t) {
  std::string out = "plan";
  cell(out, name);
  cell(out, std::to_string(t.target));
  cell(out, std::to_string(t.insured));
  cell(out, std::to_string(t.lapsed));
  cell(out, std::to_string(t.never));
  if (t.target > 0) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.4f", static_cast<double>(t.insured) / static_cast<double>(t.target));
    cell(out, buf);
  } else {
    cell(out, "");
  }
  cell(out, "0.95");
  const int64_t need = (95 * t.target + 99) / 100;
  cell(out, std::to_string(std::max<int64_t>(0, need - t.insured)));
  cell(out, std::to_string(t.duplicates));
  cell(out, std::to_string(t.subsidy));
  out.push_back('\n');
  return out;
}

std::string manifest_json(const SynthOptions& o) {
  std::string m;
  m += "{\n  \"city\": \"" + o.city + "\",\n  \"as_of\": \"" + o.as_of + "\",\n";
  m += "  \"settings\": {\"target_rate\": 0.95, \"resident_subsidy_yuan\": 700, \"notice_days\": 30},\n";
  m += "  \"feeds\": [\n";
  m += "    {\"agency\": \"enrollment\", \"path\": \"enrollment.ndjson\"},\n";
  m += "    {\"agency\": \"enrollment\", \"path\": \"national_platform.jsonl\"},\n";
  m += "    {\"agency\": \"tax\", \"path\": \"tax.ndjson\"},\n";
  m += "    {\"agency\": \"hr\", \"path\": \"hr.ndjson\"},\n";
  m += "    {\"agency\": \"public_security\", \"path\": \"public_security.csv\", \"encoding\": \"gbk\",\n";
  m += "     \"columns\": {\"id\": \"公民身份号码\", \"name\": \"姓名\", \"sex\": \"性别\", \"birth\": \"出生日期\",\n";
  m += "                 \"hukou_region\": \"户籍地\", \"residence_region\": \"常住地\", \"permit_region\": \"居住证签发地\",\n";
  m += "                 \"permit_expiry\": \"居住证有效期至\", \"status\": \"人员状态\", \"death_date\": \"死亡日期\",\n";
  m += "                 \"address\": \"住址\"}},\n";
  m += "    {\"agency\": \"education\", \"path\": \"education.ndjson\"},\n";
  m += "    {\"agency\": \"disability\", \"path\": \"disability.ndjson\",\n";
  m += "     \"columns\": {\"id\": \"证件号码\", \"name\": \"姓名\", \"level\": \"残疾等级\", \"region\": \"所属地区\",\n";
  m += "                 \"certified_on\": \"发证日期\", \"birth\": \"出生日期\", \"sex\": \"性别\"}},\n";
  m += "    {\"agency\": \"civil_affairs\", \"path\": \"civil_affairs.ndjson\",\n";
  m += "     \"columns\": {\"id\": \"身份证号\", \"name\": \"姓名\", \"category\": \"救助类别\", \"region\": \"所属区县\",\n";
  m += "                 \"from\": \"救助开始日期\", \"to\": \"救助截止日期\", \"birth\": \"出生日期\", \"sex\": \"性别\"}},\n";
  m += "    {\"agency\": \"health\", \"path\": \"health.ndjson\"},\n";
  m += "    {\"agency\": \"market\", \"path\": \"market.ndjson\",\n";
  m += "     \"columns\": {\"id\": \"经营者身份证号\", \"name\": \"经营者姓名\", \"unit\": \"统一社会信用代码\",\n";
  m += "                 \"region\": \"登记机关区划\", \"registered_on\": \"成立日期\", \"status\": \"登记状态\",\n";
  m += "                 \"closed_on\": \"注销吊销日期\", \"birth\": \"出生日期\", \"sex\": \"性别\"}}\n";
  m += "  ]\n}\n";
  return m;
}

class Output {
 public:
  ~Output() {
    if (file_) std::fclose(file_);
  }
  bool open(const std::string& path, std::string& error) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) {
      error = "synth: cannot create " + path + ": " + std::strerror(errno);
      return false;
    }
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    path_ = path;
    return true;
  }
  bool write(std::string_view bytes) {
    if (bytes.empty()) return ok_;
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) ok_ = false;
    written_ += bytes.size();
    return ok_;
  }
  bool close(std::string& error) {
    if (file_ && std::fclose(file_) != 0) ok_ = false;
    file_ = nullptr;
    if (!ok_) error = "synth: write failed: " + path_ + ": " + std::strerror(errno);
    return ok_;
  }
  uint64_t written() const { return written_; }

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  uint64_t written_ = 0;
  bool ok_ = true;
};

}  // namespace
}  // namespace synth

bool run_synth(const SynthOptions& options, SynthReport& report, std::string& error) {
  using namespace synth;
  const auto started = std::chrono::steady_clock::now();
  report = SynthReport{};
  CityModel model;
  if (!model.init(options, error)) return false;
  if (options.out_dir.empty()) {
    error = "synth: --out is required";
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    error = "synth: cannot create " + options.out_dir + ": " + ec.message();
    return false;
  }
  const std::string dir = options.out_dir + "/";
  Output feeds[kFeedCount];
  Output truth;
  for (int f = 0; f < kFeedCount; ++f)
    if (!feeds[f].open(dir + kFeedPaths[f], error)) return false;
  if (!truth.open(dir + "truth.csv", error)) return false;
  {
    std::string header;
    append_gbk(header, kPsHeader);
    feeds[kFeedPs].write(header);
    truth.write(kTruthHeader);
  }
  uint64_t line_base[kFeedCount] = {};
  line_base[kFeedPs] = 1;  // the CSV header is line 1
  uint64_t records[kFeedCount] = {};
  PlanAgg plan;
  uint64_t mismatches = 0;
  std::string first_mismatch;

  const uint64_t block_size = std::max<uint64_t>(1, options.block_persons);
  const int threads = options.threads > 0 ? options.threads : static_cast<int>(tbb::this_task_arena::max_concurrency());
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<Block>> pool;
  uint64_t next = 0;
  bool write_ok = true;
  struct Slot {  // a block taken from the pool for one trip through the pipeline
    std::unique_ptr<Block> block;
  };
  tbb::task_arena arena(threads);
  arena.execute([&] {
    (void)run_ordered_pipeline<Slot>(
        [&](Slot& slot) {  // serial: the next block of persons, from the pool when one is free
          if (next >= options.persons) return false;
          {
            std::lock_guard<std::mutex> lock(pool_mutex);
            if (!pool.empty()) {
              slot.block = std::move(pool.back());
              pool.pop_back();
            }
          }
          if (!slot.block) slot.block = std::make_unique<Block>();
          Block& block = *slot.block;
          block.clear();
          block.first = next;
          block.count = std::min(block_size, options.persons - next);
          next += block.count;
          return true;
        },
        [&](Slot& slot) { generate_block(model, *slot.block); },  // parallel
        [&](Slot& slot) {  // serial, in person order: append to the files
          const Block& block = *slot.block;
          for (int f = 0; f < kFeedCount; ++f) {
            write_ok &= feeds[f].write(block.feeds.bytes[f]);
            records[f] += block.feeds.lines[f];
          }
          // Truth rows of dirty records right after their person, with absolute line numbers.
          size_t done = 0;
          std::string rows;
          for (const DirtyRow& row : block.dirty) {
            write_ok &= truth.write(std::string_view(block.truth).substr(done, row.truth_pos - done));
            done = row.truth_pos;
            rows.clear();
            rows += row.link ? "link" : "quarantine";
            cell(rows, kFeedPaths[row.feed]);
            cell(rows, std::to_string(line_base[row.feed] + row.line));
            rows += row.tail;
            rows.push_back('\n');
            write_ok &= truth.write(rows);
          }
          write_ok &= truth.write(std::string_view(block.truth).substr(done));
          for (int f = 0; f < kFeedCount; ++f) line_base[f] += block.feeds.lines[f];
          plan.add(block.plan);
          if (block.mismatches && mismatches < 20) first_mismatch += block.first_mismatch;
          mismatches += block.mismatches;
          std::lock_guard<std::mutex> lock(pool_mutex);
          pool.push_back(std::move(slot.block));
          // A failed write stops generating; the error is reported below.
          return write_ok ? Status::OK() : Status::Error("write failed");
        });
  });
  // Plan rows: districts, unassigned, total.
  {
    std::string rows;
    Tally total;
    for (const auto& [region, tally] : plan.districts) {
      rows += plan_row(std::to_string(region), tally);
      total.add(tally);
    }
    rows += plan_row("unassigned", plan.unassigned);
    total.add(plan.unassigned);
    rows += plan_row("total", total);
    for (int f = 0; f < kFeedCount; ++f) {
      rows += "feed";
      cell(rows, kFeedPaths[f]);
      cell(rows, kFeedAgencies[f]);
      cell(rows, std::to_string(records[f]));
      cell(rows, std::to_string(feeds[f].written()));
      rows.push_back('\n');
    }
    truth.write(rows);
  }
  for (int f = 0; f < kFeedCount; ++f) {
    report.feeds.push_back(SynthFeedStats{kFeedPaths[f], records[f], feeds[f].written()});
    report.bytes += feeds[f].written();
    if (!feeds[f].close(error)) return false;
  }
  if (!truth.close(error)) return false;
  if (!write_ok) {
    error = "synth: write failed in " + options.out_dir;
    return false;
  }
  {
    Output manifest;
    if (!manifest.open(dir + "manifest.json", error)) return false;
    manifest.write(manifest_json(options));
    if (!manifest.close(error)) return false;
  }
  report.persons = options.persons;
  report.manifest_path = dir + "manifest.json";
  report.truth_path = dir + "truth.csv";
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (mismatches) {
    error = "synth: " + std::to_string(mismatches) +
            " persons differ from their planted archetype (generator bug):" + first_mismatch;
    return false;
  }
  return true;
}

std::string format_synth_report(const SynthReport& report) {
  char buf[256];
  std::string out;
  for (const auto& feed : report.feeds) {
    std::snprintf(buf, sizeof(buf), "  %-26s %12llu records %14llu bytes\n", feed.path.c_str(),
                  static_cast<unsigned long long>(feed.records), static_cast<unsigned long long>(feed.bytes));
    out += buf;
  }
  const double secs = report.seconds > 0 ? report.seconds : 1e-9;
  std::snprintf(buf, sizeof(buf),
                "synth: %llu persons, %.1f MB of feeds in %.2f s: %.0f persons/s, %.1f MB/s (%.0f bytes/person)\n",
                static_cast<unsigned long long>(report.persons), report.bytes / 1e6, report.seconds,
                report.persons / secs, report.bytes / 1e6 / secs,
                report.persons ? double(report.bytes) / double(report.persons) : 0.0);
  out += buf;
  return out;
}

}  // namespace canbao
