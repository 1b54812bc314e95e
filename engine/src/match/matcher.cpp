#include "canbao/match/matcher.h"

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <memory>

#include "canbao/core/ordered_pipeline.h"

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
  std::vector<Cursor> cursors;
};

struct PartitionWork {
  PersonKey lo = 0, hi = kNoPerson;  // [lo, hi)
  std::unique_ptr<PartitionTask> task;
  uint64_t persons = 0;
  uint64_t records = 0;  // records consumed (for progress)
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

void match_partition(const std::vector<const Segment*>& segments, const LinkResult& links, Worker& worker,
                     PartitionWork& work) {
  auto& cursors = worker.cursors;
  cursors.resize(segments.size());
  for (size_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    cursors[seg_idx].pos = segment.lower_bound(work.lo);
    cursors[seg_idx].end = work.hi == kNoPerson ? segment.record_count() : segment.lower_bound(work.hi);
    work.records += cursors[seg_idx].end - cursors[seg_idx].pos;
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
    work.task->person(view);
    ++work.persons;
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

Status for_each_person(const std::vector<const Segment*>& segments, const LinkResult& links,
                       const MatchCallbacks& callbacks, MatchStats& stats, Progress* progress) {
  stats = MatchStats{};
  const std::vector<PersonKey> bounds = partition_bounds(segments);
  stats.partitions = bounds.size() - 1;
  uint64_t total_records = 0, done_records = 0;
  for (const Segment* segment : segments) total_records += segment->record_count();
  if (progress) progress->start("match + rules", total_records, "rec");
  tbb::enumerable_thread_specific<Worker> workers;
  size_t next_part = 0;
  Status status = run_ordered_pipeline<PartitionWork>(
      [&](PartitionWork& work) {
        if (next_part + 1 >= bounds.size()) return false;
        work.lo = bounds[next_part];
        work.hi = bounds[next_part + 1];
        work.task = callbacks.make_task();
        ++next_part;
        return true;
      },
      [&](PartitionWork& work) { match_partition(segments, links, workers.local(), work); },
      [&](PartitionWork& work) {
        CANBAO_RETURN_IF_ERROR(callbacks.finish_task(*work.task));
        if (callbacks.recycle_task) callbacks.recycle_task(std::move(work.task));
        stats.persons += work.persons;
        done_records += work.records;
        if (progress) progress->update(done_records);
        return Status::OK();
      });
  if (progress) progress->finish();
  return status;
}

}  // namespace canbao
