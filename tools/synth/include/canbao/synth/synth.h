// Synthetic city generator (`canbao synth`) and the evaluator that scores a run against what the
// generator planted (`canbao eval`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace canbao {

struct SynthOptions {
  uint64_t persons = 100000;
  uint64_t seed = 1;
  std::string out_dir;
  std::string city = "350200";      // Xiamen; its six real districts are used
  std::string as_of = "2026-11-22";
  double uninsured_rate = 0.03;     // share of target persons planted lapsed or never
  double duplicate_rate = 0.015;    // share of persons planted with a duplicate case
  double dirty_rate = 0.005;        // share of records planted with a dirty ID
  int threads = 0;                  // 0 = all cores
  // Further planted shares (of all persons), beside the three above.
  double nontarget_rate = 0.02;     // holders of a local record without a home district
  double deceased_rate = 0.004;     // deceased persons (some still enrolled: R8)
  double pension_rate = 0.004;      // R7 benefit suspensions and their controls
  double benefit_rate = 0.01;       // R6 benefit-start archetypes (in-year records)
  // SPEC §9 agencies.
  double business_rate = 0.05;      // adults running an individual business (market), beside the
                                    // uninsured self-employed of uninsured_rate
  double newborn_no_id_rate = 0.0008;  // newborns without ID yet, per person (≈12% of the births)
  double health_dirty_rate = 0.06;  // persons with health records who get a dirty copy of one
  uint64_t block_persons = 4096;    // persons per pipeline token
};

struct SynthFeedStats {
  std::string path;  // relative to out_dir, as in the manifest
  uint64_t records = 0;
  uint64_t bytes = 0;
};

struct SynthReport {
  uint64_t persons = 0;
  uint64_t bytes = 0;  // all feeds
  std::vector<SynthFeedStats> feeds;
  std::string manifest_path;  // out_dir/manifest.json
  std::string truth_path;     // out_dir/truth.csv (or as documented)
  double seconds = 0;
};

/// Writes a deterministic city (same options → byte-identical files at any thread count):
/// SPEC feeds, manifest.json and the truth file. Returns false with a one-line message in error.
bool run_synth(const SynthOptions& options, SynthReport& report, std::string& error);

struct EvalCategory {
  std::string name;  // e.g. "uninsured:lapsed", "duplicate:cross_scheme", "decision:keep_employee"
  uint64_t planted = 0, reported = 0, matched = 0;
  double precision() const { return reported ? double(matched) / double(reported) : 1.0; }
  double recall() const { return planted ? double(matched) / double(planted) : 1.0; }
  /// A few rows planted but not reported (missing) and reported but not planted (extra).
  std::vector<std::string> missing, extra;
};

struct EvalReport {
  std::vector<EvalCategory> categories;
  bool perfect() const {
    for (const auto& c : categories)
      if (c.matched != c.planted || c.matched != c.reported) return false;
    return true;
  }
};

/// Compares a run's output directory with a truth file written by run_synth.
bool run_eval(const std::string& truth_path, const std::string& out_dir, EvalReport& report,
              std::string& error);

/// Human-readable table of an evaluation (one line per category, then a verdict).
std::string format_eval_report(const EvalReport& report);
/// One-paragraph summary of a synth run (persons, bytes, persons/s, MB/s).
std::string format_synth_report(const SynthReport& report);

}  // namespace canbao
