#include "canbao/match/matcher.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <memory>

#include "canbao/core/ordered_pipeline.h"

namespace canbao {

namespace {

// --- packed (mapped) record → resolved view ----------------------------------------------------

void append_record(PersonView& view, Agency agency, const char* packed, const Segment& segment, LinkMethod link) {
  with_agency(agency, [&](auto tag) {
    constexpr Agency kAgency = decltype(tag)::value;
    resolve_record(*reinterpret_cast<const typename PackedOf<kAgency>::type*>(packed), segment.feed_index(), link,
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
    if (ref.removed) continue;  // SPEC §7: replaced or deleted by an update feed
    const Segment& segment = *segments[ref.segment];
    append_record(view, segment.agency(), segment.pending(ref.pending), segment, ref.method);
    agencies |= 1u << static_cast<int>(segment.agency());
  }
  if (agencies) restore_order(view, agencies);
  return pos;
}

// SPEC §7 update feeds of the agencies other than enrollment: a snapshot per person. Of each such
// agency, the records of feeds before the last update feed that names the person (by a record or a
// delete row) are dropped, and delete rows are no records. A dropped record counts for the first
// update feed after its own that names the person: `replaced` when that feed has a record of the
// person, else `deleted`. `counts` (per feed: replaced, deleted) may be null.
struct UpdateCounts {
  std::vector<uint64_t> replaced, deleted;  // per feed
};

template <typename R>
void apply_person_updates(std::vector<R>& records, const std::vector<const Segment*>& segments, UpdateCounts* counts) {
  thread_local std::vector<std::pair<uint32_t, bool>> updates;  // (update feed, names with a record)
  updates.clear();
  for (const R& record : records) {
    if (!segments[record.origin.feed]->is_update()) continue;
    if (updates.empty() || updates.back().first != record.origin.feed) updates.emplace_back(record.origin.feed, false);
    updates.back().second |= record.op == RecordOp::kUpsert;
  }
  if (updates.empty()) return;  // delete rows exist only in update feeds
  const uint32_t cut = updates.back().first;
  size_t kept = 0;
  for (size_t idx = 0; idx < records.size(); ++idx) {
    R& record = records[idx];
    if (record.origin.feed < cut) {
      if (counts != nullptr && record.op == RecordOp::kUpsert) {
        const auto by = std::upper_bound(updates.begin(), updates.end(), record.origin.feed,
                                         [](uint32_t feed, const auto& update) { return feed < update.first; });
        (by->second ? counts->replaced : counts->deleted)[by->first] += 1;
      }
      continue;
    }
    if (record.op == RecordOp::kDelete) continue;
    if (kept != idx) records[kept] = std::move(record);
    ++kept;
  }
  records.resize(kept);
}

void apply_updates(PersonView& view, const std::vector<const Segment*>& segments, bool any_update,
                   UpdateCounts* counts) {
  if (!any_update) return;
  for_each_agency([&](auto tag) {
    constexpr Agency kAgency = decltype(tag)::value;
    if constexpr (kAgency != Agency::kEnrollment)  // enrollment: by record_id (match/record_ids.h)
      apply_person_updates(view.records<kAgency>(), segments, counts);
  });
}

bool has_update_feed(const std::vector<const Segment*>& segments) {
  return std::any_of(segments.begin(), segments.end(), [](const Segment* segment) { return segment->is_update(); });
}

// Whether a directly accepted record is skipped: a duplicate_record_id or (SPEC §7) an enrollment
// record replaced or deleted by an update feed. [begin, end) are the refs of the person's key.
bool skip_ref(const std::vector<ExcludedRef>& refs, size_t begin, size_t end, size_t segment, size_t index) {
  for (size_t pos = begin; pos < end; ++pos)
    if (refs[pos].segment == segment && refs[pos].index == index) return true;
  return false;
}

// The refs of `key` in `refs` (sorted by key): moves `pos` to the first and returns the end.
size_t refs_of(const std::vector<ExcludedRef>& refs, size_t& pos, PersonKey key) {
  while (pos < refs.size() && refs[pos].key < key) ++pos;
  size_t end = pos;
  while (end < refs.size() && refs[end].key == key) ++end;
  return end;
}

struct Cursor {
  size_t pos, end;
};

// A record of a small segment, merged through a sorted list (see match_partition).
struct SmallRef {
  PersonKey key;
  uint32_t segment;
  uint32_t pos;
  bool operator<(const SmallRef& other) const {
    return key != other.key ? key < other.key : segment != other.segment ? segment < other.segment : pos < other.pos;
  }
};

struct Worker {
  PersonView view;
  std::vector<Cursor> cursors;
  std::vector<uint32_t> scanned;  // segments walked by cursor in this partition
  std::vector<SmallRef> small;    // records of the other segments in this partition, sorted
};

struct PartitionWork {
  PersonKey lo = 0, hi = kNoPerson;  // [lo, hi)
  size_t part = 0;                   // index of the partition: bounds[part] = lo
  std::unique_ptr<PartitionTask> task;
  UpdateCounts updates;  // SPEC §7 records replaced / deleted, per feed
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

// Segments walked by cursor per person (the rest are merged through one sorted list): a run with a
// year of daily deliveries has hundreds of feeds, and looking at every feed's cursor for every
// person would cost persons × feeds.
constexpr size_t kScannedSegments = 8;

// Chooses the segments walked by cursor in this partition (the kScannedSegments with the most
// records in it) and lists the records of the others in (key, segment, position) order.
void plan_partition(const std::vector<const Segment*>& segments, Worker& worker) {
  auto& cursors = worker.cursors;
  auto& scanned = worker.scanned;
  scanned.clear();
  worker.small.clear();
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx)
    if (cursors[seg_idx].pos < cursors[seg_idx].end) scanned.push_back(seg_idx);
  if (scanned.size() <= kScannedSegments) return;
  std::stable_sort(scanned.begin(), scanned.end(), [&](uint32_t a, uint32_t b) {
    return cursors[a].end - cursors[a].pos > cursors[b].end - cursors[b].pos;
  });
  for (size_t idx = kScannedSegments; idx < scanned.size(); ++idx) {
    const uint32_t seg_idx = scanned[idx];
    const Segment& segment = *segments[seg_idx];
    for (size_t pos = cursors[seg_idx].pos; pos < cursors[seg_idx].end; ++pos)
      worker.small.push_back({segment.key_at(pos), seg_idx, static_cast<uint32_t>(pos)});
  }
  scanned.resize(kScannedSegments);
  std::sort(scanned.begin(), scanned.end());
  std::sort(worker.small.begin(), worker.small.end());
}

// Where every partition starts in every segment: starts[segment][part] is the first record whose
// key is not below bounds[part], found by one galloping walk through each segment. A binary search
// per segment per partition instead cost ~20 cache misses each, and a year of daily deliveries
// gives hundreds of segments: the largest item of a run's profile after 100 deliveries at 5M.
std::vector<std::vector<uint64_t>> partition_starts(const std::vector<const Segment*>& segments,
                                                    const std::vector<PersonKey>& bounds) {
  std::vector<std::vector<uint64_t>> starts(segments.size());
  tbb::parallel_for(size_t{0}, segments.size(), [&](size_t seg_idx) { segments[seg_idx]->lower_bounds(bounds, starts[seg_idx]); });
  return starts;
}

void match_partition(const std::vector<const Segment*>& segments, const LinkResult& links,
                     const std::vector<std::vector<uint64_t>>& starts, Worker& worker, PartitionWork& work) {
  auto& cursors = worker.cursors;
  cursors.resize(segments.size());
  for (size_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    cursors[seg_idx].pos = starts[seg_idx][work.part];
    cursors[seg_idx].end = starts[seg_idx][work.part + 1];
    work.records += cursors[seg_idx].end - cursors[seg_idx].pos;
  }
  plan_partition(segments, worker);
  const auto& scanned = worker.scanned;
  const auto& small = worker.small;
  size_t small_pos = 0;
  const auto& linked = links.linked;
  size_t link_pos = static_cast<size_t>(
      std::lower_bound(linked.begin(), linked.end(), work.lo, [](const LinkedRef& ref, PersonKey key) { return ref.key < key; }) -
      linked.begin());
  // Records quarantined as duplicate_record_id, and (SPEC §7) enrollment records removed by an
  // update feed: skipped.
  const auto& excluded = links.excluded;
  size_t ex_pos = static_cast<size_t>(
      std::lower_bound(excluded.begin(), excluded.end(), ExcludedRef{work.lo, 0, 0}) - excluded.begin());
  const auto& removed = links.removed_direct;
  size_t rm_pos = static_cast<size_t>(
      std::lower_bound(removed.begin(), removed.end(), ExcludedRef{work.lo, 0, 0}) - removed.begin());
  const bool any_update = has_update_feed(segments);
  work.updates.replaced.assign(segments.size(), 0);
  work.updates.deleted.assign(segments.size(), 0);
  for (;;) {
    PersonKey key = kNoPerson;
    for (const uint32_t seg_idx : scanned) {
      const Cursor& cursor = cursors[seg_idx];
      if (cursor.pos < cursor.end) key = std::min(key, segments[seg_idx]->key_at(cursor.pos));
    }
    if (small_pos < small.size()) key = std::min(key, small[small_pos].key);
    if (link_pos < linked.size() && linked[link_pos].key < work.hi) key = std::min(key, linked[link_pos].key);
    if (key == kNoPerson) break;
    PersonView& view = worker.view;
    view.clear();
    view.key = key;
    const size_t ex_end = refs_of(excluded, ex_pos, key);
    const size_t rm_end = refs_of(removed, rm_pos, key);
    const auto add_direct = [&](uint32_t seg_idx, size_t pos) {
      if (skip_ref(excluded, ex_pos, ex_end, seg_idx, pos) || skip_ref(removed, rm_pos, rm_end, seg_idx, pos)) return;
      const Segment& segment = *segments[seg_idx];
      append_record(view, segment.agency(), segment.record(pos), segment, LinkMethod::kDirect);
    };
    for (const uint32_t seg_idx : scanned) {
      const Segment& segment = *segments[seg_idx];
      Cursor& cursor = cursors[seg_idx];
      for (; cursor.pos < cursor.end && segment.key_at(cursor.pos) == key; ++cursor.pos) add_direct(seg_idx, cursor.pos);
    }
    unsigned merged_agencies = 0;  // agencies given records out of (segment, position) order
    for (; small_pos < small.size() && small[small_pos].key == key; ++small_pos) {
      add_direct(small[small_pos].segment, small[small_pos].pos);
      merged_agencies |= 1u << static_cast<int>(segments[small[small_pos].segment]->agency());
    }
    if (merged_agencies) restore_order(view, merged_agencies);
    link_pos = add_linked(segments, linked, link_pos, key, view);
    apply_updates(view, segments, any_update, &work.updates);
    if (view.empty()) continue;  // every record of this key was a duplicate_record_id, replaced or deleted
    work.task->person(view);
    ++work.persons;
  }
}

}  // namespace

void gather_persons(const std::vector<const Segment*>& segments, const LinkResult& links,
                    std::span<const PersonKey> keys, PersonView& view,
                    const std::function<void(size_t, PersonView&)>& f) {
  std::vector<size_t> positions(segments.size(), 0);  // per segment: every record before it is below the key
  const auto& linked = links.linked;
  size_t link_pos = 0;
  const bool any_update = has_update_feed(segments);
  for (size_t idx = 0; idx < keys.size(); ++idx) {
    const PersonKey key = keys[idx];
    view.clear();
    view.key = key;
    for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
      const Segment& segment = *segments[seg_idx];
      // The first key by binary search (a single lookup: query, serve, precheck), the next ones by
      // galloping from the previous key's position.
      size_t pos = positions[seg_idx] =
          idx == 0 ? segment.lower_bound(key) : segment.lower_bound_from(positions[seg_idx], key);
      for (; pos < segment.record_count() && segment.key_at(pos) == key; ++pos) {
        const ExcludedRef ref{key, seg_idx, static_cast<uint32_t>(pos)};
        if (std::binary_search(links.excluded.begin(), links.excluded.end(), ref) ||
            std::binary_search(links.removed_direct.begin(), links.removed_direct.end(), ref))
          continue;
        append_record(view, segment.agency(), segment.record(pos), segment, LinkMethod::kDirect);
      }
    }
    link_pos = static_cast<size_t>(
        std::lower_bound(linked.begin() + static_cast<std::ptrdiff_t>(link_pos), linked.end(), key,
                         [](const LinkedRef& ref, PersonKey k) { return ref.key < k; }) -
        linked.begin());
    add_linked(segments, linked, link_pos, key, view);
    apply_updates(view, segments, any_update, nullptr);  // only delete rows left: an empty view
    f(idx, view);
  }
}

void gather_person(const std::vector<const Segment*>& segments, const LinkResult& links, PersonKey key,
                   PersonView& view) {
  gather_persons(segments, links, std::span<const PersonKey>(&key, 1), view, [](size_t, PersonView&) {});
}

Status for_each_person(const std::vector<const Segment*>& segments, const LinkResult& links,
                       const MatchCallbacks& callbacks, MatchStats& stats, Progress* progress) {
  stats = MatchStats{};
  const std::vector<PersonKey> bounds = partition_bounds(segments);
  const std::vector<std::vector<uint64_t>> starts = partition_starts(segments, bounds);
  stats.partitions = bounds.size() - 1;
  uint64_t total_records = 0, done_records = 0;
  for (const Segment* segment : segments) total_records += segment->record_count();
  if (progress) progress->start("match + rules", total_records, "rec");
  tbb::enumerable_thread_specific<Worker> workers;
  size_t next_part = 0;
  Status status = run_ordered_pipeline<PartitionWork>(
      [&](PartitionWork& work) {
        if (next_part + 1 >= bounds.size()) return false;
        work.part = next_part;
        work.lo = bounds[next_part];
        work.hi = bounds[next_part + 1];
        work.task = callbacks.make_task();
        ++next_part;
        return true;
      },
      [&](PartitionWork& work) { match_partition(segments, links, starts, workers.local(), work); },
      [&](PartitionWork& work) {
        CANBAO_RETURN_IF_ERROR(callbacks.finish_task(*work.task));
        if (callbacks.recycle_task) callbacks.recycle_task(std::move(work.task));
        stats.persons += work.persons;
        if (stats.replaced.size() < segments.size()) {
          stats.replaced.resize(segments.size(), 0);
          stats.deleted.resize(segments.size(), 0);
        }
        for (size_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
          stats.replaced[seg_idx] += work.updates.replaced[seg_idx];
          stats.deleted[seg_idx] += work.updates.deleted[seg_idx];
        }
        done_records += work.records;
        if (progress) progress->update(done_records);
        return Status::OK();
      });
  if (progress) progress->finish();
  return status;
}

}  // namespace canbao
