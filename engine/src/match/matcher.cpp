#include "canbao/match/matcher.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <memory>

namespace canbao {

namespace {

// --- packed (mapped) record → resolved view ----------------------------------------------------

void append_record(PersonView& view, Agency agency, const char* packed, const Segment& segment, LinkMethod link) {
  with_agency(agency, [&](auto tag) {
    constexpr Agency kAgency = decltype(tag)::value;
    resolve_record(*reinterpret_cast<const typename PackedOf<kAgency>::type*>(packed), link,
                   [&](Str str) { return segment.str(str); }, view.records<kAgency>().emplace_back());
  });
}

template <typename T>
void sort_by_origin(std::vector<T>& records) {
  std::sort(records.begin(), records.end(), [](const T& a, const T& b) { return a.origin < b.origin; });
}

// Linked records arrive after the direct ones; restore (feed, line) order where they were added.
void restore_order(PersonView& view, unsigned agencies_with_links) {
  for_each_agency([&](auto tag) {
    if (agencies_with_links & (1u << static_cast<int>(decltype(tag)::value)))
      sort_by_origin(view.records<decltype(tag)::value>());
  });
}

// Adds the linked records of `key` starting at links[pos]; returns the position after them.
size_t add_linked(const std::vector<const Segment*>& segments, const std::vector<LinkedRef>& links, size_t pos,
                  PersonKey key, PersonView& view) {
  unsigned agencies = 0;
  for (; pos < links.size() && links[pos].key == key; ++pos) {
    const LinkedRef& ref = links[pos];
    const Segment& segment = *segments[ref.segment];
    append_record(view, segment.agency(), segment.pending(ref.pending), segment, ref.method);
    agencies |= 1u << static_cast<int>(segment.agency());
  }
  if (agencies) restore_order(view, agencies);
  return pos;
}

struct Cursor {
  size_t pos, end;
};

struct Worker {
  PersonView view;
  PersonOutcome outcome;
  std::vector<Cursor> cursors;
};

struct PartitionWork {
  PersonKey lo = 0, hi = kNoPerson;  // [lo, hi)
  PartitionRows rows;
  PlanTable plan;
};

// Partition boundaries from the key distribution of the largest segment: a function of the data
// only, never of the thread count.
std::vector<PersonKey> partition_bounds(const std::vector<const Segment*>& segments) {
  const Segment* largest = nullptr;
  size_t total = 0;
  for (const Segment* segment : segments) {
    total += segment->record_count();
    if (!largest || segment->record_count() > largest->record_count()) largest = segment;
  }
  std::vector<PersonKey> bounds{0};
  const size_t parts = std::clamp<size_t>(total / 50000, 1, 16384);
  if (largest && largest->record_count() > 0) {
    const size_t count = largest->record_count();
    for (size_t part = 1; part < parts; ++part) {
      const PersonKey key = largest->key_at(part * count / parts);
      if (key > bounds.back()) bounds.push_back(key);
    }
  }
  bounds.push_back(kNoPerson);
  return bounds;
}

void evaluate_partition(const std::vector<const Segment*>& segments, const LinkResult& links,
                        const RunSettings& settings, Worker& worker, PartitionWork& work) {
  auto& cursors = worker.cursors;
  cursors.resize(segments.size());
  for (size_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    cursors[seg_idx].pos = segment.lower_bound(work.lo);
    cursors[seg_idx].end = work.hi == kNoPerson ? segment.record_count() : segment.lower_bound(work.hi);
    work.rows.records += cursors[seg_idx].end - cursors[seg_idx].pos;
  }
  const auto& linked = links.linked;
  size_t link_pos = static_cast<size_t>(
      std::lower_bound(linked.begin(), linked.end(), work.lo, [](const LinkedRef& ref, PersonKey key) { return ref.key < key; }) -
      linked.begin());
  // Records quarantined as duplicate_record_id, met in (key, segment, index) order like the loop.
  const auto& excluded = links.excluded;
  size_t ex_pos = static_cast<size_t>(
      std::lower_bound(excluded.begin(), excluded.end(), ExcludedRef{work.lo, 0, 0}) - excluded.begin());
  for (;;) {
    PersonKey key = kNoPerson;
    for (size_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
      const Cursor& cursor = cursors[seg_idx];
      if (cursor.pos < cursor.end) key = std::min(key, segments[seg_idx]->key_at(cursor.pos));
    }
    if (link_pos < linked.size() && linked[link_pos].key < work.hi) key = std::min(key, linked[link_pos].key);
    if (key == kNoPerson) break;
    PersonView& view = worker.view;
    view.clear();
    view.key = key;
    for (size_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
      const Segment& segment = *segments[seg_idx];
      Cursor& cursor = cursors[seg_idx];
      for (; cursor.pos < cursor.end && segment.key_at(cursor.pos) == key; ++cursor.pos) {
        if (ex_pos < excluded.size() && excluded[ex_pos].key == key && excluded[ex_pos].segment == seg_idx &&
            excluded[ex_pos].index == cursor.pos) {
          ++ex_pos;
          continue;
        }
        append_record(view, segment.agency(), segment.record(cursor.pos), segment, LinkMethod::kDirect);
      }
    }
    link_pos = add_linked(segments, linked, link_pos, key, view);
    if (view.empty()) continue;  // every record of this key was a duplicate_record_id
    PersonOutcome& outcome = worker.outcome;
    outcome.clear();
    evaluate_person(view, settings, outcome);
    const std::string* parts[kOutputFileCount] = {&outcome.registry, &outcome.outreach, &outcome.duplicates,
                                                  &outcome.actions, &outcome.benefits};
    for (int file = 0; file < kOutputFileCount; ++file) {
      if (parts[file]->empty()) continue;
      work.rows.text[file] += *parts[file];
      work.rows.rows[file] += static_cast<uint64_t>(std::count(parts[file]->begin(), parts[file]->end(), '\n'));
    }
    work.plan.add(outcome);
    ++work.rows.persons;
  }
}

}  // namespace

void gather_person(const std::vector<const Segment*>& segments, const LinkResult& links, PersonKey key,
                   PersonView& view) {
  view.clear();
  view.key = key;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    for (size_t pos = segment.lower_bound(key); pos < segment.record_count() && segment.key_at(pos) == key; ++pos) {
      const ExcludedRef ref{key, seg_idx, static_cast<uint32_t>(pos)};
      if (!links.excluded.empty() && std::binary_search(links.excluded.begin(), links.excluded.end(), ref)) continue;
      append_record(view, segment.agency(), segment.record(pos), segment, LinkMethod::kDirect);
    }
  }
  const auto& linked = links.linked;
  const size_t first = static_cast<size_t>(
      std::lower_bound(linked.begin(), linked.end(), key, [](const LinkedRef& ref, PersonKey k) { return ref.key < k; }) -
      linked.begin());
  add_linked(segments, linked, first, key, view);
}

Status run_match(const std::vector<const Segment*>& segments, const LinkResult& links, const RunSettings& settings,
                 const PartitionWriter& writer, MatchStats& stats, Progress* progress) {
  stats = MatchStats{};
  const std::vector<PersonKey> bounds = partition_bounds(segments);
  stats.partitions = bounds.size() - 1;
  uint64_t total_records = 0, done_records = 0;
  for (const Segment* segment : segments) total_records += segment->record_count();
  if (progress) progress->start("match + rules", total_records, "rec");
  tbb::enumerable_thread_specific<Worker> workers;
  size_t next_part = 0;
  Status status;  // written by the output stage only; read after the pipeline
  // The input stage runs concurrently with the output stage, so it learns of a failed write
  // through this flag, never by reading `status` (a data race ThreadSanitizer found).
  std::atomic<bool> failed{false};
  const size_t tokens = static_cast<size_t>(std::max(2, 2 * tbb::this_task_arena::max_concurrency()));
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::shared_ptr<PartitionWork>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> std::shared_ptr<PartitionWork> {
            if (next_part + 1 >= bounds.size() || failed.load(std::memory_order_relaxed)) {
              fc.stop();
              return nullptr;
            }
            auto work = std::make_shared<PartitionWork>();
            work->lo = bounds[next_part];
            work->hi = bounds[next_part + 1];
            ++next_part;
            return work;
          }) &
          tbb::make_filter<std::shared_ptr<PartitionWork>, std::shared_ptr<PartitionWork>>(
              tbb::filter_mode::parallel,
              [&](std::shared_ptr<PartitionWork> work) {
                evaluate_partition(segments, links, settings, workers.local(), *work);
                return work;
              }) &
          tbb::make_filter<std::shared_ptr<PartitionWork>, void>(
              tbb::filter_mode::serial_in_order, [&](std::shared_ptr<PartitionWork> work) {
                if (!status.ok()) return;
                status = writer(work->rows);
                if (!status.ok()) failed.store(true, std::memory_order_relaxed);
                stats.persons += work->rows.persons;
                for (int file = 0; file < kOutputFileCount; ++file) stats.rows[file] += work->rows.rows[file];
                stats.plan.merge(work->plan);
                done_records += work->rows.records;
                if (progress) progress->update(done_records);
              }));
  if (progress) progress->finish();
  return status;
}

}  // namespace canbao
