// SPEC §1 manifest: settings, feeds, formats from extensions, columns, clear one-line errors.
#include <gtest/gtest.h>

#include "canbao/ingest/adapter_registry.h"
#include "canbao/manifest/manifest.h"
#include "test_util.h"

namespace canbao {
namespace {

const Day kToday = day_from_ymd(2026, 11, 23);

Status parse(const std::string& json, Manifest& out) { return parse_manifest(json, "/data/city/manifest.json", kToday, out); }

TEST(Manifest, ReadsSettingsFeedsAndColumns) {
  Manifest m;
  const Status status = parse(R"({"city": "350200", "as_of": "2026-11-22",
    "settings": {"target_rate": 0.950, "resident_subsidy_yuan": 700, "notice_days": 30},
    "feeds": [{"agency": "enrollment", "path": "a/enrollment.ndjson"},
              {"agency": "enrollment", "path": "np.jsonl"},
              {"agency": "public_security", "path": "ps.csv", "encoding": "GBK", "columns": {"id": "公民身份号码"}},
              {"agency": "enrollment", "path": "legacy.dat", "plugin": "lib/libcanbao_legacy.so"}]})", m);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(m.settings.city, 350200);
  EXPECT_EQ(format_date(m.settings.as_of), "2026-11-22");
  EXPECT_EQ(m.settings.plan_year, 2027);
  EXPECT_EQ(m.settings.target_rate_text, "0.950");  // as written, for plan.csv
  EXPECT_EQ(m.settings.resident_subsidy_yuan, 700);
  ASSERT_EQ(m.feeds.size(), 4u);
  EXPECT_EQ(m.feeds[0].format, "ndjson");
  EXPECT_EQ(m.feeds[0].resolved_path, "/data/city/a/enrollment.ndjson");
  EXPECT_EQ(m.feeds[1].format, "ndjson");
  EXPECT_EQ(m.feeds[2].format, "csv");
  EXPECT_EQ(m.feeds[2].encoding, "gbk");
  EXPECT_EQ(m.feeds[2].columns[CANBAO_F_ID], "公民身份号码");
  EXPECT_TRUE(m.feeds[2].column_given[CANBAO_F_ID]);
  EXPECT_EQ(m.feeds[3].resolved_plugin, "/data/city/lib/libcanbao_legacy.so");
}

TEST(Manifest, AsOfDefaultsToToday) {
  Manifest m;
  ASSERT_TRUE(parse(R"({"city": "350200", "feeds": [{"agency": "tax", "path": "t.ndjson"}]})", m).ok());
  EXPECT_EQ(m.settings.as_of, kToday);
  EXPECT_EQ(m.settings.plan_year, 2027);
}

TEST(Manifest, ClearErrors) {
  Manifest m;
  auto error = [&](const std::string& json) { return parse(json, m).message(); };
  EXPECT_EQ(error("{not json"), "manifest.json: malformed JSON");
  EXPECT_EQ(error(R"({"city": "350200", "feeds": [{"agency": "police", "path": "p.csv"}]})"),
            "manifest.json: feeds[0]: unknown agency 'police'");
  EXPECT_EQ(error(R"({"city": "350200", "feeds": [{"agency": "tax", "path": "../elsewhere/t.ndjson"}]})"),
            "manifest.json: feeds[0]: path '../elsewhere/t.ndjson' points outside the manifest's directory");
  EXPECT_EQ(error(R"({"city": "350200", "feeds": [{"agency": "tax", "path": "/etc/passwd"}]})"),
            "manifest.json: feeds[0]: path '/etc/passwd' points outside the manifest's directory");
  EXPECT_EQ(error(R"({"city": "3502", "feeds": []})"),
            "manifest.json: 'city' must be a 6-digit administrative code, not '3502'");
  EXPECT_EQ(error(R"({"city": "350200", "feeds": [{"agency": "tax", "path": "t.txt"}]})"),
            "manifest.json: feeds[0]: cannot tell the format of 't.txt' from its extension; give \"format\": "
            "\"ndjson\" or \"csv\"");
  EXPECT_EQ(error(R"({"city": "350200", "feeds": [{"agency": "tax", "path": "t.csv", "columns": {"idd": "x"}}]})"),
            "manifest.json: feeds[0]: columns: 'idd' is not a SPEC §3 field");
  EXPECT_EQ(error(R"({"city": "350200", "as_of": "2026-02-30", "feeds": [{"agency": "tax", "path": "t.csv"}]})"),
            "manifest.json: 'as_of' is not a date: '2026-02-30'");
}

TEST(Manifest, FeedModeAppendOrUpdate) {  // SPEC §7: "mode" append (default) / update, else an error
  Manifest m;
  ASSERT_TRUE(parse(R"({"city": "350200", "feeds": [{"agency": "tax", "path": "t.csv"},
      {"agency": "hr", "path": "h.csv", "mode": "update"}, {"agency": "hr", "path": "g.csv", "mode": "append"}]})", m).ok());
  EXPECT_EQ(m.feeds[0].mode, FeedMode::kAppend);
  EXPECT_EQ(m.feeds[1].mode, FeedMode::kUpdate);
  EXPECT_EQ(m.feeds[2].mode, FeedMode::kAppend);
  EXPECT_EQ(parse(R"({"city": "350200", "feeds": [{"agency": "hr", "path": "h.csv", "mode": "updates"}]})", m).message(),
            "manifest.json: feeds[0]: mode must be 'append' or 'update', not 'updates'");
  EXPECT_EQ(parse(R"({"city": "350200", "feeds": [{"agency": "hr", "path": "h.csv", "mode": "Update"}]})", m).message(),
            "manifest.json: feeds[0]: mode must be 'append' or 'update', not 'Update'");
}

TEST(Manifest, MissingFileIsAnError) {
  Manifest m;
  const Status status = load_manifest("/nonexistent/manifest.json", kToday, m);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent/manifest.json: cannot open manifest"), std::string::npos);
}

TEST(AdapterRegistry, BuiltinsAndPluginErrors) {
  auto registry = AdapterRegistry::MakeWithBuiltins().value();
  ASSERT_TRUE(registry);
  EXPECT_NE(registry->find("ndjson"), nullptr);
  EXPECT_NE(registry->find("csv"), nullptr);
  EXPECT_EQ(registry->register_adapter("csv", registry->find("csv")).message(), "adapter 'csv' is already registered");
  EXPECT_EQ(registry->load_plugin("/nonexistent/libx.so").status().message(), "plugin not found: /nonexistent/libx.so");
  const std::string bad_abi = CANBAO_TEST_BAD_ABI_PLUGIN;
  EXPECT_EQ(registry->load_plugin(bad_abi).status().message(), bad_abi + ": adapter ABI version 99, this canbao needs 1");
  const std::string no_entry = CANBAO_TEST_NO_ENTRY_PLUGIN;
  EXPECT_EQ(registry->load_plugin(no_entry).status().message(),
            no_entry + ": no symbol canbao_adapter_entry (not a canbao adapter plugin)");
  const auto adapter = registry->load_plugin(CANBAO_LEGACY_PLUGIN);
  ASSERT_TRUE(adapter.ok());
  EXPECT_EQ((*adapter)->abi_version, CANBAO_ADAPTER_ABI_VERSION);
  EXPECT_EQ(*registry->load_plugin(CANBAO_LEGACY_PLUGIN), *adapter);  // loaded once
}

}  // namespace
}  // namespace canbao
