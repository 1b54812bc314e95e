#include "canbao/match/linker.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "canbao/core/text.h"

namespace canbao {

namespace {

const RecordHead& head_of(const char* record) { return *reinterpret_cast<const RecordHead*>(record); }

// Most names are already normal (no spaces, no dot variants): skip the copy for them.
bool needs_normalising(std::string_view name) {
  for (unsigned char c : name)
    if (c <= ' ' || c == '.' || c == 0xC2 || c == 0xE2 || c == 0xE3 || c == 0xEF) return true;
  return false;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

void normalised(std::string_view raw, std::string& scratch, std::string_view& out) {
  if (needs_normalising(raw)) {
    normalize_name(raw, scratch);
    out = scratch;
  } else {
    out = raw;
  }
}

}  // namespace

void link_fallback(const std::vector<const Segment*>& segments, LinkResult& out) {
  out = LinkResult{};
  // The pending records that could link: fields fine, and something to link by.
  struct Candidate {
    uint32_t segment, pending;
    std::string name;  // normalised
  };
  std::vector<Candidate> candidates;
  std::unordered_set<std::string, StringHash, std::equal_to<>> wanted_names;
  for (uint32_t seg_idx = 0; seg_idx < segments.size(); ++seg_idx) {
    const Segment& segment = *segments[seg_idx];
    for (uint32_t idx = 0; idx < segment.pending_count(); ++idx) {
      const PendingInfo& info = segment.pending_info()[idx];
      const RecordHead& head = head_of(segment.pending(idx));
      const std::string name = normalize_name(segment.str(head.name));
      if (!info.fields_ok || name.empty()) {
        out.unlinked.push_back({seg_idx, idx, false});
        continue;
      }
      candidates.push_back({seg_idx, idx, name});
      wanted_names.insert(name);
    }
  }
  if (candidates.empty()) return;

  // (normalised name -> persons bearing it), from every directly accepted record, in parallel.
  using NameIndex = std::unordered_map<std::string, std::vector<PersonKey>, StringHash, std::equal_to<>>;
  tbb::enumerable_thread_specific<NameIndex> partial;
  for (const Segment* segment : segments) {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, segment->record_count(), 1 << 16),
                      [&](const tbb::blocked_range<size_t>& range) {
                        NameIndex& local = partial.local();
                        std::string scratch;
                        std::string_view name;
                        for (size_t idx = range.begin(); idx != range.end(); ++idx) {
                          const RecordHead& head = head_of(segment->record(idx));
                          if (head.name.len == 0) continue;
                          normalised(segment->str(head.name), scratch, name);
                          if (!wanted_names.contains(name)) continue;
                          auto slot = local.find(name);
                          if (slot == local.end()) slot = local.emplace(std::string(name), std::vector<PersonKey>{}).first;
                          slot->second.push_back(head.key);
                        }
                      });
  }
  NameIndex persons_by_name;
  for (NameIndex& local : partial)
    for (auto& [name, keys] : local) {
      auto& all = persons_by_name[name];
      all.insert(all.end(), keys.begin(), keys.end());
    }
  for (auto& [name, keys] : persons_by_name) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }

  for (const Candidate& candidate : candidates) {
    const Segment& segment = *segments[candidate.segment];
    const PendingInfo& info = segment.pending_info()[candidate.pending];
    const RecordHead& head = head_of(segment.pending(candidate.pending));
    auto found = persons_by_name.find(candidate.name);
    const std::vector<PersonKey>* named = found == persons_by_name.end() ? nullptr : &found->second;
    // checksum_repair: the 17-digit prefix is a known person bearing this name.
    if (info.reject == IdReject::kBadChecksum && named &&
        std::binary_search(named->begin(), named->end(), info.repair_key)) {
      out.linked.push_back({info.repair_key, head.origin, candidate.segment, candidate.pending,
                            LinkMethod::kChecksumRepair});
      continue;
    }
    // name_birth: name + birth (+ sex where present) match exactly one known person.
    if (head.birth != kNoDay && named) {
      PersonKey match = kNoPerson;
      int matches = 0;
      for (PersonKey key : *named) {
        if (id_birth(key) != head.birth) continue;
        if (head.sex != Sex::kNone && id_is_male(key) != (head.sex == Sex::kMale)) continue;
        match = key;
        ++matches;
      }
      if (matches == 1) {
        out.linked.push_back({match, head.origin, candidate.segment, candidate.pending, LinkMethod::kNameBirth});
        continue;
      }
      if (matches > 1) {
        out.unlinked.push_back({candidate.segment, candidate.pending, true});
        continue;
      }
    }
    out.unlinked.push_back({candidate.segment, candidate.pending, false});
  }
  std::sort(out.linked.begin(), out.linked.end(), [](const LinkedRef& a, const LinkedRef& b) {
    return a.key != b.key ? a.key < b.key : a.origin < b.origin;
  });
  std::sort(out.unlinked.begin(), out.unlinked.end(), [&](const UnlinkedRef& a, const UnlinkedRef& b) {
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.pending < b.pending;
  });
}

}  // namespace canbao
