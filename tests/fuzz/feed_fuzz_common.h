// Feeding arbitrary bytes through a built-in adapter and the decoder, as ingestion does.
#pragma once

#include <string>
#include <string_view>

#include "canbao/index/segment_builder.h"
#include "canbao/index/segment_reader.h"
#include "canbao/ingest/adapter_registry.h"
#include "canbao/ingest/ingest.h"
#include "fuzz_common.h"

namespace canbao::fuzz {

/// The first byte picks the agency (and, for CSV, the encoding); the rest is the feed. Checks that
/// every line is accounted for: accepted + held back (bad ID) + quarantined never exceeds the
/// physical lines, and segments can be sorted and their strings read.
inline void ingest_feed_bytes(const char* format, const uint8_t* data, size_t size) {
  static const auto registry = AdapterRegistry::MakeWithBuiltins().value();
  const canbao_adapter* adapter = registry->find(format);
  check(adapter != nullptr);
  if (size == 0) return;
  FeedSpec feed;
  feed.agency = static_cast<Agency>(data[0] % kAgencyCount);
  feed.path = std::string("fuzz.") + format;
  feed.resolved_path = feed.path;
  feed.format = format;
  feed.encoding = (data[0] & 0x80) ? "gbk" : "utf-8";
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  SegmentData out;
  // Small chunks, so chunk boundaries land everywhere.
  const Status status = ingest_bytes(adapter, feed, 0, as_of(), text.data(), text.size(), 64, out);
  if (!status.ok()) {
    check(!status.message().empty());
    return;
  }
  check(out.record_count() + out.pending_count() + out.quarantine.size() <= out.lines + 1);
  sort_segment_records(out);
  check(out.order.size() == out.record_count());
}

}  // namespace canbao::fuzz
