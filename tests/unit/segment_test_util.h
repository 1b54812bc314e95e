// Test helper: NDJSON feeds ingested into real segments (feed i = segment i), for tests of the
// stages after ingestion (record_id screen, fallback linking).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/index/segment_builder.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/ingest/ingest.h"
#include "test_util.h"

namespace canbao::testing {

struct NdjsonFeed {
  Agency agency = Agency::kEnrollment;
  FeedMode mode = FeedMode::kAppend;
  std::string text;
};

struct Segments {
  std::vector<std::unique_ptr<Segment>> owned;
  std::vector<const Segment*> list;
};

/// The as_of feeds are ingested at unless told otherwise.
inline Day default_as_of() { return day_from_ymd(2026, 11, 22); }

/// Ingests `feeds` at `as_of` into segments under `tmp` (segment i's file named by `first_file +
/// i`). Fails the test (ASSERT) on error.
inline void ingest_ndjson(const TempDir& tmp, const std::vector<NdjsonFeed>& feeds, Segments& out,
                          Day as_of = default_as_of(), uint32_t first_file = 0) {
  auto registry = AdapterRegistry::MakeWithBuiltins().value();
  for (uint32_t idx = 0; idx < feeds.size(); ++idx) {
    FeedSpec spec;
    spec.agency = feeds[idx].agency;
    spec.mode = feeds[idx].mode;
    spec.path = "f" + std::to_string(idx) + ".ndjson";
    SegmentData data;
    const Status status = ingest_bytes(registry->find("ndjson"), spec, idx, as_of,
                                       feeds[idx].text.data(), feeds[idx].text.size(), 1 << 14, data);
    ASSERT_TRUE(status.ok()) << status.message();
    sort_segment_records(data);
    const std::string path = tmp / ("seg" + std::to_string(first_file + idx));
    ASSERT_TRUE(write_segment(data, path).ok());
    auto opened = Segment::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    out.owned.push_back(std::move(opened).value());
    out.list.push_back(out.owned.back().get());
  }
}

}  // namespace canbao::testing
