// The run manifest (SPEC §1): city, as_of, settings and the feeds.
#pragma once

#include <string>
#include <vector>

#include "canbao/adapter_abi.h"
#include "canbao/core/status.h"
#include "canbao/records/records.h"
#include "canbao/records/settings.h"

namespace canbao {

struct FeedSpec {
  Agency agency = Agency::kEnrollment;
  FeedMode mode = FeedMode::kAppend;  // SPEC §7 "mode": "append" (default) or "update"
  std::string path;           // as written in the manifest (used in quarantine.csv)
  std::string resolved_path;  // relative to the manifest's directory
  std::string format;         // "ndjson" or "csv" ("" when a plugin reads it)
  std::string encoding = "utf-8";
  /// Source column/key name per canbao_field; empty = the SPEC name.
  std::vector<std::string> columns = std::vector<std::string>(CANBAO_F_COUNT);
  std::vector<bool> column_given = std::vector<bool>(CANBAO_F_COUNT, false);
  std::string plugin;           // as written
  std::string resolved_plugin;  // absolute or relative to the manifest's directory
};

struct Manifest {
  std::string path;  // the manifest file
  std::string dir;   // its directory
  std::string city_text;
  std::string as_of_text;
  RunSettings settings;
  bool settings_given = false;  // the manifest has a "settings" object
  std::vector<FeedSpec> feeds;
  /// The manifest files whose feeds these are, in order (load_manifest_chain); one for a run.
  std::vector<std::string> chain;
};

/// Reads and validates a manifest. `today` is used when as_of is absent. Errors name the file and
/// the offending member: "manifest.json: feeds[2]: unknown agency 'foo'".
Status load_manifest(const std::string& path, Day today, Manifest& out);

/// Parses manifest JSON text (for tests and fuzzing); `path` is used for messages and for
/// resolving relative feed paths.
Status parse_manifest(const std::string& text, const std::string& path, Day today, Manifest& out);

/// SPEC §7 deliveries applied one at a time (`canbao apply`): the manifest of a run followed by
/// delivery manifests, each shaped like a run manifest and listing only its new feeds (paths
/// relative to its own directory, as written there). The feeds in order; `as_of` of the last;
/// the settings of the last manifest that has a "settings" object (plan_year from the as_of);
/// every manifest must name the same city. Errors name the manifest.
Status load_manifest_chain(const std::vector<std::string>& paths, Day today, Manifest& out);

/// Today's date in local time.
Day today_local();

}  // namespace canbao
