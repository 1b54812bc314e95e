#include "canbao/manifest/manifest.h"

#include <simdjson.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "canbao/core/text.h"
#include "canbao/records/fields.h"

namespace canbao {

namespace fs = std::filesystem;
namespace od = simdjson::ondemand;

Day today_local() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return day_from_ymd(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

namespace {

std::string base_name(const std::string& path) { return fs::path(path).filename().string(); }

// Reads a JSON value as text: strings unescaped, numbers as their literal.
simdjson::error_code value_text(od::value value, std::string& out) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type == od::json_type::string) {
    std::string_view text;
    if (auto err = value.get_string().get(text)) return err;
    out.assign(text);
    return simdjson::SUCCESS;
  }
  if (type == od::json_type::number) {
    out.assign(trim_ascii(value.raw_json_token()));
    return simdjson::SUCCESS;
  }
  return simdjson::INCORRECT_TYPE;
}

Status parse_feed(od::object feed_obj, size_t feed_idx, const std::string& where, const std::string& dir,
                  FeedSpec& feed) {
  const std::string at = where + ": feeds[" + std::to_string(feed_idx) + "]";
  bool have_agency = false;
  bool have_path = false;
  for (auto field : feed_obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::Error(at + ": malformed JSON");
    od::value value = field.value();
    std::string text;
    if (key == "columns") {
      od::object columns;
      if (value.get_object().get(columns)) return Status::Error(at + ": 'columns' must be an object");
      for (auto column : columns) {
        std::string_view spec_name;
        if (column.unescaped_key().get(spec_name)) return Status::Error(at + ": malformed JSON");
        const int field_id = field_from_name(spec_name);
        if (field_id < 0)
          return Status::Error(at + ": columns: '" + std::string(spec_name) + "' is not a SPEC §3 field");
        std::string source;
        if (value_text(column.value(), source) || source.empty())
          return Status::Error(at + ": columns." + std::string(spec_name) + " must be a non-empty string");
        feed.columns[field_id] = source;
        feed.column_given[field_id] = true;
      }
      continue;
    }
    if (value_text(value, text)) return Status::Error(at + ": '" + std::string(key) + "' must be a string");
    if (key == "agency") {
      if (!parse_agency(text, feed.agency)) return Status::Error(at + ": unknown agency '" + text + "'");
      have_agency = true;
    } else if (key == "path") {
      feed.path = text;
      have_path = true;
    } else if (key == "format") {
      if (text != "ndjson" && text != "csv")
        return Status::Error(at + ": format must be 'ndjson' or 'csv', not '" + text + "'");
      feed.format = text;
    } else if (key == "encoding") {
      std::string lower;
      for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (lower == "utf-8" || lower == "utf8") {
        feed.encoding = "utf-8";
      } else if (lower == "gbk" || lower == "gb2312" || lower == "gb18030" || lower == "cp936") {
        feed.encoding = "gbk";
      } else {
        return Status::Error(at + ": encoding must be 'utf-8' or 'gbk', not '" + text + "'");
      }
    } else if (key == "plugin") {
      feed.plugin = text;
    } else if (key == "mode") {  // SPEC §7
      if (text == "append") {
        feed.mode = FeedMode::kAppend;
      } else if (text == "update") {
        feed.mode = FeedMode::kUpdate;
      } else {
        return Status::Error(at + ": mode must be 'append' or 'update', not '" + text + "'");
      }
    }
    // Other keys are ignored (SPEC §1 names no others).
  }
  if (!have_agency) return Status::Error(at + ": missing 'agency'");
  if (!have_path || feed.path.empty()) return Status::Error(at + ": missing 'path'");
  const fs::path rel(feed.path);
  const fs::path normal = rel.lexically_normal();
  if (rel.is_absolute() || (!normal.empty() && *normal.begin() == ".."))
    return Status::Error(at + ": path '" + feed.path + "' points outside the manifest's directory");
  feed.resolved_path = (fs::path(dir) / normal).string();
  if (!feed.plugin.empty()) {
    const fs::path plugin(feed.plugin);
    feed.resolved_plugin = plugin.is_absolute() ? plugin.string() : (fs::path(dir) / plugin).string();
  } else if (feed.format.empty()) {
    const std::string ext = rel.extension().string();
    if (ext == ".ndjson" || ext == ".jsonl" || ext == ".json") {
      feed.format = "ndjson";
    } else if (ext == ".csv") {
      feed.format = "csv";
    } else {
      return Status::Error(at + ": cannot tell the format of '" + feed.path +
                           "' from its extension; give \"format\": \"ndjson\" or \"csv\"");
    }
  }
  return Status::OK();
}

}  // namespace

Status parse_manifest(const std::string& text, const std::string& path, Day today, Manifest& out) {
  out = Manifest{};
  out.path = path;
  out.dir = fs::path(path).parent_path().string();
  if (out.dir.empty()) out.dir = ".";
  const std::string where = base_name(path);
  simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return Status::Error(where + ": malformed JSON");
  od::object root;
  if (const auto err = doc.get_object().get(root)) {
    return Status::Error(where + (err == simdjson::INCORRECT_TYPE ? ": the manifest must be a JSON object"
                                                                   : ": malformed JSON"));
  }
  bool have_city = false;
  bool have_feeds = false;
  out.settings.as_of = today;
  try {
    for (auto field : root) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return Status::Error(where + ": malformed JSON");
      od::value value = field.value();
      if (key == "city") {
        if (value_text(value, out.city_text)) return Status::Error(where + ": 'city' must be a string");
        if (out.city_text.size() != 6 || out.city_text.find_first_not_of("0123456789") != std::string::npos)
          return Status::Error(where + ": 'city' must be a 6-digit administrative code, not '" + out.city_text + "'");
        out.settings.city = std::stoi(out.city_text);
        have_city = true;
      } else if (key == "as_of") {
        if (value_text(value, out.as_of_text)) return Status::Error(where + ": 'as_of' must be a date string");
        const auto day = parse_date(out.as_of_text);
        if (!day) return Status::Error(where + ": 'as_of' is not a date: '" + out.as_of_text + "'");
        out.settings.as_of = *day;
      } else if (key == "settings") {
        out.settings_given = true;
        od::object settings;
        if (value.get_object().get(settings)) return Status::Error(where + ": 'settings' must be an object");
        for (auto setting : settings) {
          std::string_view name;
          if (setting.unescaped_key().get(name)) return Status::Error(where + ": malformed JSON");
          std::string number;
          if (value_text(setting.value(), number))
            return Status::Error(where + ": settings." + std::string(name) + " must be a number");
          char* end = nullptr;
          const double parsed = std::strtod(number.c_str(), &end);
          if (number.empty() || *end != '\0' || !std::isfinite(parsed))
            return Status::Error(where + ": settings." + std::string(name) + " must be a number, not '" + number + "'");
          if (name == "target_rate") {
            if (parsed < 0 || parsed > 1)
              return Status::Error(where + ": settings.target_rate must be between 0 and 1");
            out.settings.target_rate = parsed;
            out.settings.target_rate_text = number;
          } else if (name == "resident_subsidy_yuan") {
            if (parsed < 0 || parsed != std::floor(parsed) || parsed > 1e12)
              return Status::Error(where + ": settings.resident_subsidy_yuan must be whole yuan ≥ 0");
            out.settings.resident_subsidy_yuan = static_cast<int64_t>(parsed);
          } else if (name == "notice_days") {
            if (parsed < 0 || parsed != std::floor(parsed) || parsed > 36500)
              return Status::Error(where + ": settings.notice_days must be a whole number of days ≥ 0");
            out.settings.notice_days = static_cast<int>(parsed);
          }
        }
      } else if (key == "feeds") {
        od::array feeds;
        if (value.get_array().get(feeds)) return Status::Error(where + ": 'feeds' must be an array");
        size_t feed_idx = 0;
        for (auto element : feeds) {
          od::object feed_obj;
          if (element.get_object().get(feed_obj))
            return Status::Error(where + ": feeds[" + std::to_string(feed_idx) + "] must be an object");
          FeedSpec feed;
          CANBAO_RETURN_IF_ERROR(parse_feed(feed_obj, feed_idx, where, out.dir, feed));
          out.feeds.push_back(std::move(feed));
          ++feed_idx;
        }
        have_feeds = true;
      }
    }
  } catch (const simdjson::simdjson_error&) {
    return Status::Error(where + ": malformed JSON");
  }
  if (!have_city) return Status::Error(where + ": missing 'city'");
  if (!have_feeds || out.feeds.empty()) return Status::Error(where + ": 'feeds' is missing or empty");
  if (out.as_of_text.empty()) out.as_of_text = format_date(out.settings.as_of);
  if (!as_of_in_range(out.settings.as_of))
    return Status::Error(where + ": 'as_of' " + out.as_of_text + " is outside " + std::string(kAsOfRangeText) +
                         " (the dates canbao evaluates)");
  out.settings.plan_year = ymd_from_day(out.settings.as_of).year + 1;
  return Status::OK();
}

Status load_manifest(const std::string& path, Day today, Manifest& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open manifest: " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  CANBAO_RETURN_IF_ERROR(parse_manifest(buffer.str(), path, today, out));
  out.chain = {path};
  return Status::OK();
}

Status load_manifest_chain(const std::vector<std::string>& paths, Day today, Manifest& out) {
  if (paths.empty()) return Status::Error("no manifest");
  CANBAO_RETURN_IF_ERROR(load_manifest(paths[0], today, out));
  for (size_t idx = 1; idx < paths.size(); ++idx) {
    Manifest next;
    CANBAO_RETURN_IF_ERROR(load_manifest(paths[idx], today, next));
    if (next.settings.city != out.settings.city)
      return Status::Error(base_name(paths[idx]) + ": city " + next.city_text + " is not the city of the earlier runs (" +
                           out.city_text + ")");
    const RunSettings before = out.settings;
    if (next.settings_given) out.settings = next.settings;
    out.settings.as_of = next.settings.as_of;
    out.settings.plan_year = next.settings.plan_year;
    out.settings.city = before.city;
    out.as_of_text = next.as_of_text;
    out.path = next.path;
    out.dir = next.dir;
    out.settings_given = out.settings_given || next.settings_given;
    for (FeedSpec& feed : next.feeds) out.feeds.push_back(std::move(feed));
    out.chain.push_back(paths[idx]);
  }
  return Status::OK();
}

}  // namespace canbao
