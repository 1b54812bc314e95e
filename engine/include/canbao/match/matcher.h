// The cross-match: a merge-join of every segment's sorted records by person key over key-range
// partitions processed in parallel (oneTBB), each person's records gathered into a PersonView and
// handed once to its partition's task. Partitions are finished in key order, so whatever the
// tasks produce can be written in the same order at any thread count. The matcher knows nothing
// of the rules or the outputs: the job (job/run_job.cpp) evaluates and formats in its tasks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "canbao/core/progress.h"
#include "canbao/core/status.h"
#include "canbao/index/links.h"
#include "canbao/index/segment_reader.h"
#include "canbao/match/linker.h"
#include "canbao/records/person_view.h"

namespace canbao {

/// The work of one key-range partition. person() is called for every person of the partition in
/// key order, all on one thread at a time (never concurrently for one task).
class PartitionTask {
 public:
  virtual ~PartitionTask() = default;
  /// `view` is valid only during the call.
  virtual void person(const PersonView& view) = 0;
};

struct MatchCallbacks {
  /// Makes the task of the next partition (serially, in key order).
  std::function<std::unique_ptr<PartitionTask>()> make_task;
  /// Takes a finished task (serially, in key order); an error stops the match and is returned.
  std::function<Status(PartitionTask&)> finish_task;
  /// Optional: receives every finished task back (serially), so that make_task can hand out its
  /// buffers again instead of growing fresh ones for every partition.
  std::function<void(std::unique_ptr<PartitionTask>)> recycle_task;
};

struct MatchStats {
  uint64_t persons = 0;
  uint64_t partitions = 0;
  /// SPEC §7, per feed, agencies other than enrollment: earlier records that the feed's records
  /// replaced, and earlier records of persons it names only by delete rows.
  std::vector<uint64_t> replaced, deleted;
};

/// One person's records from the segments (and the fallback-linked ones), in (feed, line) order
/// per agency: what run_match builds for each person, for real-time lookups. view.key is set;
/// no record → an empty view.
void gather_person(const std::vector<const Segment*>& segments, const LinkResult& links, PersonKey key,
                   PersonView& view);
/// gather_person for each of `keys` (sorted, repeats allowed), in order: f(index in keys, view).
/// Each segment is walked by galloping from one key to the next, so many persons cost a walk
/// through the segments instead of a binary search in each per person (SPEC §9 mothers: tens of
/// thousands of lookups in hundreds of segments after a year of daily deliveries).
void gather_persons(const std::vector<const Segment*>& segments, const LinkResult& links,
                    std::span<const PersonKey> keys, PersonView& view,
                    const std::function<void(size_t, PersonView&)>& f);

/// Gathers every person's records from the segments (plus the fallback-linked records) and hands
/// each person to its partition's task. REQUIRES: segments[i] is the segment of manifest feed i.
Status for_each_person(const std::vector<const Segment*>& segments, const LinkResult& links,
                       const MatchCallbacks& callbacks, MatchStats& stats, Progress* progress = nullptr);

}  // namespace canbao
