// The cross-match: a merge-join of every segment's sorted records by person key over key-range
// partitions evaluated in parallel (oneTBB), each person's records gathered into a PersonView and
// handed to the rules once. Output comes back in key order, so it is the same at any thread count.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "canbao/core/progress.h"
#include "canbao/core/status.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/match/linker.h"
#include "canbao/rules/rules.h"

namespace canbao {

/// The per-person outputs, in this order.
enum OutputFile : int { kRegistryCsv = 0, kOutreachCsv, kDuplicatesCsv, kActionsCsv, kBenefitsCsv, kOutputFileCount };

/// One partition's rows, handed to the writer in key order.
struct PartitionRows {
  std::array<std::string, kOutputFileCount> text;
  std::array<uint64_t, kOutputFileCount> rows{};
  uint64_t persons = 0;
  uint64_t records = 0;  // records consumed (for progress)
};

struct MatchStats {
  uint64_t persons = 0;
  uint64_t partitions = 0;
  std::array<uint64_t, kOutputFileCount> rows{};
  PlanTable plan;
};

/// Called serially, in key order, for every partition's rows.
using PartitionWriter = std::function<Status(const PartitionRows&)>;

/// One person's records from the segments (and the fallback-linked ones), in (feed, line) order
/// per agency: what run_match builds for each person, for real-time lookups. view.key is set;
/// no record → an empty view.
void gather_person(const std::vector<const Segment*>& segments, const LinkResult& links, PersonKey key,
                   PersonView& view);

/// Gathers every person's records from the segments (plus the fallback-linked records) and
/// evaluates the rules for each. REQUIRES: segments[i] is the segment of manifest feed i.
Status run_match(const std::vector<const Segment*>& segments, const LinkResult& links,
                 const RunSettings& settings, const PartitionWriter& writer, MatchStats& stats,
                 Progress* progress = nullptr);

}  // namespace canbao
