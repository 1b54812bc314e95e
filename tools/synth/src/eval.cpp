// `canbao eval`: scores a run's output directory (SPEC §6 CSVs) against the truth file written by
// `canbao synth`. Rows are compared as multisets of 64-bit hashes of their SPEC cells, per category,
// so a 25M-person registry fits in memory; a second pass fetches a few example rows of each
// category that does not match.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "canbao/core/text.h"
#include "canbao/synth/synth.h"
#include "synth_internal.h"

namespace canbao {

namespace {

using synth::mix64;

uint64_t hash_cells(const std::vector<std::string>& cells, size_t first, const std::vector<int>& pick) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (int idx : pick) {
    const std::string& c = cells[first + static_cast<size_t>(idx)];
    for (char ch : c) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ULL;
    h = (h ^ 0x1F) * 0x100000001B3ULL;
  }
  return mix64(h);
}

std::string join_cells(const std::vector<std::string>& cells, size_t first, size_t count) {
  std::string out;
  for (size_t k = 0; k < count && first + k < cells.size(); ++k) {
    if (k) out.push_back(',');
    out += cells[first + k];
  }
  return out;
}

/// Reads a file line by line (without the newline). Returns false when it cannot be opened.
template <typename Fn>
bool for_each_line(const std::string& path, Fn&& fn) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t len;
  uint64_t line_no = 0;
  while ((len = getline(&buf, &cap, file)) >= 0) {
    std::string_view line(buf, static_cast<size_t>(len));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    fn(++line_no, line);
  }
  std::free(buf);
  std::fclose(file);
  return true;
}

struct Output {
  const char* kind;  // truth kind and file stem
  std::vector<std::string> columns;
};

const std::vector<Output>& outputs() {
  static const std::vector<Output> kOutputs = {
      {"registry", {"id", "name", "sex", "birth", "home_district", "alive", "state", "records", "assisted", "student", "employed", "pensioner"}},
      {"outreach", {"id", "name", "home_district", "address", "state", "group", "suggested_scheme", "channel"}},
      {"duplicates", {"id", "name", "type", "records", "kept", "terminated", "resolution", "rule"}},
      {"actions", {"id", "record_id", "action", "handler", "deadline", "escalation", "refund", "subsidy_deduction_yuan", "rule"}},
      {"benefits", {"id", "record_id", "scheme", "start", "paid_on", "prior_months", "gap_months", "benefit_start"}},
      {"plan", {"district", "target", "insured", "lapsed", "never", "rate", "target_rate", "gap", "duplicates", "subsidy_deduction_yuan"}},
      {"quarantine", {"feed", "line", "agency", "reason", "id_masked"}},
      {"newborns", {"birth_cert", "name", "sex", "birth", "mother_id_masked", "home_district", "channel"}},
  };
  return kOutputs;
}

struct Keyed {
  std::string category;
  uint64_t hash;
};

/// The categories one row (cells in SPEC column order starting at `first`) belongs to.
void categorize(std::string_view kind, const std::vector<std::string>& cells, size_t first, std::vector<Keyed>& out) {
  out.clear();
  auto all = [&](size_t n) {
    std::vector<int> pick(n);
    for (size_t k = 0; k < n; ++k) pick[k] = static_cast<int>(k);
    return hash_cells(cells, first, pick);
  };
  auto c = [&](size_t idx) -> const std::string& { return cells[first + idx]; };
  if (kind == "registry") {
    out.push_back({"registry:" + c(6), all(12)});
    out.push_back({"state:" + c(6), hash_cells(cells, first, {0, 6})});
  } else if (kind == "outreach") {
    out.push_back({"uninsured:" + c(4), hash_cells(cells, first, {0, 4})});
    out.push_back({"outreach:" + c(5), all(8)});
  } else if (kind == "duplicates") {
    out.push_back({"duplicate:" + c(2), hash_cells(cells, first, {0, 2})});
    out.push_back({"decision:" + c(6), hash_cells(cells, first, {0, 2, 3, 4, 5, 6, 7})});
  } else if (kind == "actions") {
    out.push_back({"action:" + c(2), all(9)});
  } else if (kind == "benefits") {
    out.push_back({"benefit:" + c(2), all(8)});
  } else if (kind == "plan") {
    out.push_back({"plan", all(10)});
  } else if (kind == "quarantine") {
    out.push_back({"quarantine:" + c(3), all(5)});
  } else if (kind == "newborns") {
    out.push_back({"newborns:" + c(6).substr(0, c(6).find(':')), all(7)});
  }
}

struct EvalBucket {
  std::vector<uint64_t> planted, reported;
  std::unordered_set<uint64_t> missing, extra;  // example hashes (≤ 5 each)
  EvalCategory result;
};

struct PlantedLink {
  std::string feed, method, person, record_id;
  uint64_t line = 0;
};

uint64_t feed_line_hash(std::string_view feed, std::string_view line) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char ch : feed) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ULL;
  h = (h ^ 0x1F) * 0x100000001B3ULL;
  for (char ch : line) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ULL;
  return mix64(h);
}

/// Reads an output CSV, mapping its header to the SPEC columns. Calls fn(cells in SPEC order).
template <typename Fn>
bool read_output(const std::string& path, const Output& out, std::string& error, Fn&& fn) {
  std::vector<int> map;
  std::vector<std::string> cells, ordered;
  bool header_ok = true;
  const bool found = for_each_line(path, [&](uint64_t line_no, std::string_view line) {
    if (!header_ok) return;
    split_csv_line(line, cells);
    if (line_no == 1) {
      for (const std::string& col : out.columns) {
        const auto it = std::find(cells.begin(), cells.end(), col);
        if (it == cells.end()) {
          header_ok = false;
          error = "eval: " + path + ": no column '" + col + "'";
          return;
        }
        map.push_back(static_cast<int>(it - cells.begin()));
      }
      return;
    }
    if (line.empty()) return;
    ordered.clear();
    for (int idx : map) ordered.push_back(static_cast<size_t>(idx) < cells.size() ? cells[static_cast<size_t>(idx)] : "");
    fn(ordered);
  });
  (void)found;
  return header_ok;
}

}  // namespace

bool run_eval(const std::string& truth_path, const std::string& out_dir, EvalReport& report, std::string& error) {
  report = EvalReport{};
  std::map<std::string, EvalBucket> cats;
  std::vector<PlantedLink> links;
  std::vector<Keyed> keyed;
  std::vector<std::string> cells;
  bool truth_ok = true;
  // ---- truth
  const bool truth_found = for_each_line(truth_path, [&](uint64_t line_no, std::string_view line) {
    if (line_no == 1 || line.empty()) {
      if (line_no == 1 && line.substr(0, 5) != "kind,") truth_ok = false;
      return;
    }
    split_csv_line(line, cells);
    const std::string& kind = cells[0];
    if (kind == "link") {
      if (cells.size() < 8) return;
      PlantedLink link;
      link.feed = cells[1];
      link.line = std::strtoull(cells[2].c_str(), nullptr, 10);
      link.method = cells[4];
      link.person = cells[6];
      link.record_id = cells[7];
      links.push_back(std::move(link));
      return;
    }
    for (const Output& out : outputs()) {
      if (kind != out.kind) continue;
      if (cells.size() < out.columns.size() + 1) return;
      categorize(kind, cells, 1, keyed);
      for (const Keyed& k : keyed) cats[k.category].planted.push_back(k.hash);
    }
  });
  if (!truth_found || !truth_ok) {
    error = "eval: cannot read truth file " + truth_path;
    return false;
  }
  // ---- outputs
  std::unordered_set<uint64_t> quarantined;  // (feed, line) of reported quarantine rows
  std::unordered_set<std::string> link_persons;
  for (const PlantedLink& link : links) link_persons.insert(link.person);
  std::unordered_map<std::string, std::string> person_records;  // registry records of link persons
  std::string registry_path = out_dir + "/registry.csv";
  if (std::FILE* probe = std::fopen(registry_path.c_str(), "rb")) {
    std::fclose(probe);
  } else {
    error = "eval: no registry.csv in " + out_dir;
    return false;
  }
  for (const Output& out : outputs()) {
    const std::string path = out_dir + "/" + out.kind + ".csv";
    const bool ok = read_output(path, out, error, [&](const std::vector<std::string>& row) {
      categorize(out.kind, row, 0, keyed);
      for (const Keyed& k : keyed) cats[k.category].reported.push_back(k.hash);
      if (std::string_view(out.kind) == "quarantine") quarantined.insert(feed_line_hash(row[0], row[1]));
      if (std::string_view(out.kind) == "registry" && link_persons.count(row[0])) person_records[row[0]] = row[7];
    });
    if (!ok) return false;
  }
  // ---- fallback links: planted = link rows; reported = those the run did not quarantine;
  // matched = reported and, for enrollment records, listed under the right person in registry.csv.
  for (const PlantedLink& link : links) {
    EvalBucket& cat = cats["link:" + link.method];
    ++cat.result.planted;
    if (quarantined.count(feed_line_hash(link.feed, std::to_string(link.line)))) {
      if (cat.result.missing.size() < 5) cat.result.missing.push_back(link.feed + ":" + std::to_string(link.line) + " quarantined");
      continue;
    }
    ++cat.result.reported;
    bool right = true;
    if (!link.record_id.empty()) {
      const auto it = person_records.find(link.person);
      right = false;
      if (it != person_records.end()) {
        std::vector<std::string> ids;
        size_t start = 0;
        const std::string& recs = it->second;
        while (start <= recs.size()) {
          const size_t semi = recs.find(';', start);
          const std::string id = recs.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
          if (id == link.record_id) right = true;
          if (semi == std::string::npos) break;
          start = semi + 1;
        }
      }
    }
    if (right) ++cat.result.matched;
    else if (cat.result.extra.size() < 5) cat.result.extra.push_back(link.feed + ":" + std::to_string(link.line) + " not under " + link.person);
  }
  // ---- match multisets
  bool need_examples = false;
  for (auto& [name, cat] : cats) {
    cat.result.name = name;
    if (name.rfind("link:", 0) == 0) continue;
    std::sort(cat.planted.begin(), cat.planted.end());
    std::sort(cat.reported.begin(), cat.reported.end());
    cat.result.planted = cat.planted.size();
    cat.result.reported = cat.reported.size();
    size_t a = 0, b = 0;
    while (a < cat.planted.size() || b < cat.reported.size()) {
      if (b == cat.reported.size() || (a < cat.planted.size() && cat.planted[a] < cat.reported[b])) {
        if (cat.missing.size() < 5) cat.missing.insert(cat.planted[a]);
        ++a;
      } else if (a == cat.planted.size() || cat.reported[b] < cat.planted[a]) {
        if (cat.extra.size() < 5) cat.extra.insert(cat.reported[b]);
        ++b;
      } else {
        ++cat.result.matched;
        ++a;
        ++b;
      }
    }
    need_examples |= !cat.missing.empty() || !cat.extra.empty();
    std::vector<uint64_t>().swap(cat.planted);
    std::vector<uint64_t>().swap(cat.reported);
  }
  // ---- examples (second pass, only when something differs)
  if (need_examples) {
    for_each_line(truth_path, [&](uint64_t line_no, std::string_view line) {
      if (line_no == 1 || line.empty()) return;
      split_csv_line(line, cells);
      for (const Output& out : outputs()) {
        if (cells[0] != out.kind || cells.size() < out.columns.size() + 1) continue;
        categorize(out.kind, cells, 1, keyed);
        for (const Keyed& k : keyed) {
          EvalBucket& cat = cats[k.category];
          if (cat.missing.erase(k.hash)) cat.result.missing.push_back(join_cells(cells, 1, out.columns.size()));
        }
      }
    });
    for (const Output& out : outputs()) {
      std::string ignored;
      read_output(out_dir + "/" + out.kind + ".csv", out, ignored, [&](const std::vector<std::string>& row) {
        categorize(out.kind, row, 0, keyed);
        for (const Keyed& k : keyed) {
          EvalBucket& cat = cats[k.category];
          if (cat.extra.erase(k.hash)) cat.result.extra.push_back(join_cells(row, 0, out.columns.size()));
        }
      });
    }
  }
  for (auto& [name, cat] : cats) report.categories.push_back(std::move(cat.result));
  return true;
}

std::string format_eval_report(const EvalReport& report) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%-40s %12s %12s %12s %9s %9s\n", "category", "planted", "reported", "matched",
                "precision", "recall");
  out += buf;
  for (const EvalCategory& c : report.categories) {
    std::snprintf(buf, sizeof(buf), "%-40s %12llu %12llu %12llu %9.4f %9.4f\n", c.name.c_str(),
                  static_cast<unsigned long long>(c.planted), static_cast<unsigned long long>(c.reported),
                  static_cast<unsigned long long>(c.matched), c.precision(), c.recall());
    out += buf;
  }
  for (const EvalCategory& c : report.categories) {
    for (const std::string& row : c.missing) out += "  missing " + c.name + ": " + row + "\n";
    for (const std::string& row : c.extra) out += "  extra   " + c.name + ": " + row + "\n";
  }
  out += report.perfect() ? "eval: perfect (100% precision and recall in every category)\n"
                          : "eval: NOT perfect\n";
  return out;
}

}  // namespace canbao
