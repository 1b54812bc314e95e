#include "canbao/job/report_html.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <cstdio>
#include <utility>
#include <vector>

#include "canbao/core/date.h"
#include "canbao/core/text.h"

namespace canbao {

namespace {

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

std::string number(double value, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

using Bars = std::vector<std::pair<std::string, double>>;

// A horizontal bar chart as inline SVG. target (when ≥ 0) draws a vertical line at that value.
void bar_chart(std::string& html, std::string_view id, std::string_view title, const Bars& bars,
               double target = -1, int decimals = 0, double scale_max = 0) {
  constexpr int kWidth = 720, kLabel = 220, kBar = 22, kGap = 8, kTop = 10, kRight = 90;
  const int height = kTop * 2 + static_cast<int>(bars.size()) * (kBar + kGap);
  double max = scale_max;
  for (const auto& bar : bars) max = std::max(max, bar.second);
  if (target > max) max = target;
  if (max <= 0) max = 1;
  const double span = kWidth - kLabel - kRight;
  html += "<figure><figcaption>";
  append_escaped(html, title);
  html += "</figcaption><svg class=\"chart\" data-chart=\"";
  append_escaped(html, id);
  html += "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) + "\" height=\"" +
          std::to_string(std::max(height, 40)) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
          std::to_string(std::max(height, 40)) + "\" role=\"img\">";
  if (bars.empty()) html += "<text x=\"10\" y=\"25\" class=\"empty\">无 none</text>";
  int y = kTop;
  for (const auto& [label, value] : bars) {
    const double w = std::max(1.0, span * value / max);
    html += "<text x=\"" + std::to_string(kLabel - 8) + "\" y=\"" + std::to_string(y + 16) + "\" class=\"label\">";
    append_escaped(html, label);
    html += "</text><rect class=\"bar\" x=\"" + std::to_string(kLabel) + "\" y=\"" + std::to_string(y) +
            "\" width=\"" + number(w, 1) + "\" height=\"" + std::to_string(kBar) + "\"/>";
    html += "<text x=\"" + number(kLabel + w + 6, 1) + "\" y=\"" + std::to_string(y + 16) + "\" class=\"value\">" +
            number(value, decimals) + "</text>";
    y += kBar + kGap;
  }
  if (target >= 0) {
    const double x = kLabel + span * target / max;
    html += "<line class=\"target\" x1=\"" + number(x, 1) + "\" x2=\"" + number(x, 1) + "\" y1=\"2\" y2=\"" +
            std::to_string(std::max(height, 40) - 2) + "\"/>";
    html += "<text class=\"target-label\" x=\"" + number(x + 4, 1) + "\" y=\"" + std::to_string(kTop) + "\">目标 target " +
            number(target, 2) + "</text>";
  }
  html += "</svg></figure>\n";
}

Bars bars_of(const Counts& counts, std::string (*label)(const std::string&) = nullptr) {
  Bars bars;
  for (const auto& [name, count] : counts)
    bars.emplace_back(label ? label(name) : (name.empty() ? std::string("(无 none)") : name), static_cast<double>(count));
  return bars;
}

std::string state_label(const std::string& state) {
  if (state == "lapsed") return "断保 lapsed";
  if (state == "never") return "未参保 never";
  return state;
}

std::string group_label(const std::string& group) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"newborn", "新生儿 newborn"}, {"assisted", "困难群体 assisted"}, {"student", "学生 student"},
      {"employed", "就业人员 employed"}, {"self_employed", "个体工商户 self-employed"},
      {"pensioner", "退休人员 pensioner"}, {"other", "其他 other"}};
  for (const auto& [key, name] : kNames)
    if (group == key) return name;
  return group;
}

std::string wait_label(const std::string& bucket) {
  if (bucket.size() > 2 && bucket[1] == ' ') {
    const std::string rest = bucket.substr(2);
    if (rest == "immediate") return "即时 from start";
    if (rest == "within 3 months") return "3个月内 ≤3 months";
    if (rest == "3-6 months") return "3–6个月 3–6 months";
    if (rest == "over 6 months") return "6个月以上 >6 months";
    return rest;
  }
  return bucket;
}

// SPEC §7: the plan rate of each district at every run in the state, as lines against the target
// (x: runs by as_of; y: rate 0–1).
void rate_over_time_chart(std::string& html, const RunReport& report, double target) {
  const auto& runs = report.plan_history;
  std::map<std::string, std::vector<std::pair<size_t, double>>> lines;  // district → (run, rate)
  for (size_t run = 0; run < runs.size(); ++run)
    for (const auto& cells : runs[run].second) {
      if (cells.size() < 6 || cells[0].size() != 6 || cells[5].empty()) continue;  // districts with a rate
      lines[cells[0]].emplace_back(run, std::strtod(cells[5].c_str(), nullptr));
    }
  constexpr int kWidth = 720, kHeight = 260, kLeft = 50, kRight = 110, kTop = 14, kBottom = 40;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const auto x_of = [&](size_t run) { return kLeft + (runs.size() > 1 ? plot_w * run / (runs.size() - 1) : plot_w / 2); };
  const auto y_of = [&](double rate) { return kTop + plot_h * (1.0 - std::clamp(rate, 0.0, 1.0)); };
  html += "<figure><figcaption>各区参保率变化 Enrollment rate by district, run by run (SPEC §7, N 二 稳中有升)</figcaption>"
          "<svg class=\"chart\" data-chart=\"rate-over-time\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
          std::to_string(kWidth) + "\" height=\"" + std::to_string(kHeight) + "\" viewBox=\"0 0 " +
          std::to_string(kWidth) + " " + std::to_string(kHeight) + "\" role=\"img\">";
  for (size_t run = 0; run < runs.size(); ++run)
    html += "<text class=\"value\" x=\"" + number(x_of(run) - 30, 1) + "\" y=\"" + std::to_string(kHeight - 12) + "\">" +
            format_date(runs[run].first) + "</text>";
  if (target >= 0)
    html += "<line class=\"target\" x1=\"" + std::to_string(kLeft) + "\" x2=\"" + number(kLeft + plot_w, 1) + "\" y1=\"" +
            number(y_of(target), 1) + "\" y2=\"" + number(y_of(target), 1) + "\"/><text class=\"target-label\" x=\"" +
            number(kLeft + plot_w + 4, 1) + "\" y=\"" + number(y_of(target) + 4, 1) + "\">目标 " + number(target, 2) + "</text>";
  static const char* kColours[] = {"#3c78b4", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d35400"};
  size_t colour = 0;
  for (const auto& [district, points] : lines) {
    std::string path;
    for (const auto& [run, rate] : points) path += number(x_of(run), 1) + "," + number(y_of(rate), 1) + " ";
    const char* stroke = kColours[colour++ % std::size(kColours)];
    html += "<polyline class=\"rate-line\" data-district=\"" + district + "\" fill=\"none\" stroke-width=\"2\" stroke=\"" +
            stroke + "\" points=\"" + path + "\"/>";
    html += "<text class=\"value\" fill=\"" + std::string(stroke) + "\" x=\"" + number(x_of(points.back().first) + 6, 1) +
            "\" y=\"" + number(y_of(points.back().second) + 4, 1) + "\">" + district + " " + number(points.back().second, 4) +
            "</text>";
  }
  html += "</svg></figure>\n";
}

// SPEC §7: the case ledger run by run, and the previous outreach list's conversion by district.
void over_time_section(std::string& html, const RunReport& report, double target) {
  html += "<h2>登记册动态 The registry over time (SPEC §7)</h2>\n";
  rate_over_time_chart(html, report, target);
  html += "<table class=\"campaign\"><caption>重复参保清理 Cleanup of duplicate enrollment, run by run (X 五)</caption>"
          "<tr><th>评估日 as of</th><th>新立案 opened</th><th>处理中 open</th><th>已移交 escalated</th>"
          "<th>逾期 overdue</th><th>豁免 exempt</th><th>已解决 resolved</th></tr>";
  for (const auto& [as_of, counts] : report.campaign) {
    html += "<tr><td>" + format_date(as_of) + "</td>";
    for (const char* key : {"opened", "open", "escalated", "overdue", "exempt", "resolved"}) {
      const auto found = counts.find(key);
      html += "<td>" + std::to_string(found == counts.end() ? 0 : found->second) + "</td>";
    }
    html += "</tr>";
  }
  html += "</table>\n";
  if (!report.has_previous_run) {
    html += "<p class=\"note\">首次运行：尚无上期外展名单 First run in this state: no earlier outreach list.</p>\n";
    return;
  }
  html += "<table class=\"conversion\"><caption>外展转化 Outreach conversion: of the persons on the outreach list of " +
          format_date(report.previous_as_of) +
          ", insured now</caption><tr><th>区 district</th><th>上期名单 listed</th><th>现已参保 insured now</th><th>转化率 share</th></tr>";
  for (const auto& [district, counts] : report.conversion) {
    const auto [listed, insured] = counts;
    html += "<tr><td>" + (district == kNoRegion ? std::string("-") : std::to_string(district)) + "</td><td>" +
            std::to_string(listed) + "</td><td>" + std::to_string(insured) + "</td><td>" +
            (listed ? number(100.0 * insured / listed, 1) + "%" : std::string("-")) + "</td></tr>";
  }
  html += "</table>\n";
}

}  // namespace

std::string build_report_html(const RunReport& report) {
  const RunSettings& settings = report.manifest.settings;
  std::string html;
  html.reserve(64 << 10);
  html +=
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>全民参保计划 年度报告 · canbao</title><style>"
      "body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;margin:24px auto;max-width:980px;color:#222}"
      "h1{font-size:24px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}"
      "figure{margin:12px 0}figcaption{font-weight:bold;margin-bottom:4px}"
      "svg.chart .bar{fill:#3c78b4}svg.chart .label{text-anchor:end;font-size:13px}svg.chart .value{font-size:12px}"
      "svg.chart .target{stroke:#c0392b;stroke-width:2;stroke-dasharray:5 3}svg.chart .target-label{fill:#c0392b;font-size:12px}"
      "table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
      "th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:12px}"
      "</style></head><body>\n";
  html += "<h1>全民参保计划 年度报告 <small>Universal enrollment — annual report</small></h1>\n<p>统筹区 City ";
  append_escaped(html, report.manifest.city_text);
  html += " · 评估日 as of " + format_date(settings.as_of) + " · 计划年度 plan year " +
          std::to_string(settings.plan_year != 0 ? settings.plan_year : ymd_from_day(settings.as_of).year + 1) +
          " · 目标参保率 target rate ";
  append_escaped(html, settings.target_rate_text);
  html += "</p>\n";

  // R9 plan: the table exactly as plan.csv, and the rate chart from the same rows.
  html += "<h2>年度参保扩面计划 Annual enrollment plan (R9)</h2>\n";
  Bars rates, subsidies;
  html += "<table class=\"plan\"><tr>";
  for (std::string_view header = kPlanHeader; !header.empty() && header != "\n";) {
    const size_t cut = std::min(header.find(','), header.find('\n'));
    html += "<th>";
    append_escaped(html, header.substr(0, cut));
    html += "</th>";
    header.remove_prefix(std::min(header.size(), cut + 1));
  }
  html += "</tr>";
  // The cells of plan.csv (output/csv_rows.h), row by row.
  for (const PlanRow& row : report.plan.rows(settings)) {
    html += "<tr class=\"plan-row\">";
    for (const std::string& cell : plan_row_cells(row, settings)) {
      html += "<td>";
      append_escaped(html, cell);
      html += "</td>";
    }
    html += "</tr>";
  }
  html += "</table>\n";
  for (const PlanRow& row : report.plan.rows(settings)) {
    if (!row.label.empty()) continue;  // districts only
    const std::string district = plan_row_label(row);
    if (row.has_rate) rates.emplace_back(district, static_cast<double>(row.rate_per_10000) / 10000.0);
    subsidies.emplace_back(district, static_cast<double>(row.tally.subsidy_deduction_yuan));
  }
  bar_chart(html, "plan-rate", "各区参保率 Enrollment rate by district (R9)", rates, settings.target_rate, 4, 1.0);

  if (!report.plan_history.empty()) over_time_section(html, report, settings.target_rate);

  html += "<h2>未参保人员 Uninsured persons (R1/R2)</h2>\n";
  bar_chart(html, "uninsured-state", "按参保状态 By coverage state (R1)", bars_of(report.outcomes.outreach_states, state_label));
  bar_chart(html, "uninsured-group", "按人群 By group (R2)", bars_of(report.outcomes.outreach_groups, group_label));

  // SPEC §9: newborns without ID (N 八 新生儿) and the self-employed (个体工商户).
  html += "<h2>新生儿与个体工商户 Newborns and the self-employed (SPEC §9)</h2>\n<table class=\"agencies\">"
          "<tr><th>项目 item</th><th>人数 count</th></tr><tr><td>无身份证号出生记录 birth records without ID</td><td>" +
          std::to_string(report.newborns_without_id) + "</td></tr><tr><td>新生儿名单 newborns.csv rows</td><td>" +
          std::to_string(report.newborn_rows) + "</td></tr><tr><td>个体工商户 self-employed persons</td><td>" +
          std::to_string(report.outcomes.self_employed) + "</td></tr></table>\n";
  bar_chart(html, "newborn-channel", "新生儿名单按渠道 newborns.csv by channel", bars_of(report.newborn_channels));

  html += "<h2>重复参保 Duplicate enrollment (R3/R4)</h2>\n";
  bar_chart(html, "duplicate-type", "按类型 Cases by type (R3)", bars_of(report.outcomes.duplicate_types));
  bar_chart(html, "duplicate-resolution", "按处理方式 Cases by resolution (R4)", bars_of(report.outcomes.duplicate_resolutions));

  html += "<h2>处理事项 Actions (R5, R7, R8)</h2>\n";
  bar_chart(html, "action-type", "按事项 By action", bars_of(report.outcomes.actions));
  Counts handlers;  // every other region in one bar
  for (const auto& [handler, count] : report.outcomes.action_handlers)
    handlers[handler.rfind("region:", 0) == 0 ? "region:* 异地 other regions" : handler + " 本地"] += count;
  bar_chart(html, "action-handler", "按经办方 By handler (X 五(三))", bars_of(handlers));
  bar_chart(html, "action-refund", "按退费类别 By refund class (N 六, X 四)", bars_of(report.outcomes.action_refunds));
  bar_chart(html, "subsidy-district", "财政补助扣减（元）Subsidy deductions by district, yuan (R5)", subsidies);

  html += "<h2>待遇等待期 Benefit waiting periods (R6)</h2>\n";
  bar_chart(html, "benefit-wait", "待遇起始距参保开始 Benefit start after the record's start",
            bars_of(report.outcomes.benefit_waits, wait_label));

  html += "<h2>数据质量 Data quality</h2>\n<table class=\"feeds\"><tr><th>数据源 feed</th><th>部门 agency</th>"
          "<th>读入 read</th><th>接收 accepted</th><th>补链 linked</th><th>隔离 quarantined</th></tr>";
  Bars quarantined;
  for (const FeedCounts& feed : report.feeds) {
    html += "<tr><td>";
    append_escaped(html, feed.path);
    html += "</td><td>";
    append_escaped(html, feed.agency);
    html += "</td><td>" + std::to_string(feed.read) + "</td><td>" + std::to_string(feed.accepted) + "</td><td>" +
            std::to_string(feed.linked) + "</td><td>" + std::to_string(feed.quarantined) + "</td></tr>";
    quarantined.emplace_back(feed.path, static_cast<double>(feed.quarantined));
  }
  html += "</table>\n";
  bar_chart(html, "quarantine-feed", "各数据源隔离记录 Quarantined records per feed", quarantined);
  bar_chart(html, "quarantine-reason", "隔离原因 Quarantine reasons", bars_of(report.quarantine_reasons));
  html += "<table class=\"quarantine\"><tr><th>数据源 feed</th><th>隔离原因 reason</th><th>记录 records</th></tr>";
  for (const FeedCounts& feed : report.feeds)
    for (const auto& [reason, count] : feed.quarantine_reasons) {
      html += "<tr><td>";
      append_escaped(html, feed.path);
      html += "</td><td>";
      append_escaped(html, reason);
      html += "</td><td>" + std::to_string(count) + "</td></tr>";
    }
  html += "</table>\n";
  bar_chart(html, "link-method", "补链方式 Fallback links by method (SPEC §2)", bars_of(report.links));

  html += "<h2>运行耗时 Run timings</h2>\n";
  Bars timings;
  for (const auto& [stage, seconds] : report.timings)
    if (stage != "total") timings.emplace_back(stage, seconds);
  bar_chart(html, "timings", "各阶段耗时（秒）Seconds per stage", timings, -1, 3);
  html += "<p class=\"note\">canbao · " + std::to_string(report.threads) + " thread(s) · ";
  append_escaped(html, report.manifest.path);
  html += "</p>\n";
  // For checks in a real browser: every chart records the size it was laid out at.
  html += "<script>window.addEventListener('load',function(){document.querySelectorAll('svg.chart').forEach("
          "function(s){var r=s.getBoundingClientRect();s.setAttribute('data-rendered-width',Math.round(r.width));"
          "s.setAttribute('data-rendered-height',Math.round(r.height));});document.body.setAttribute('data-ready','1');});"
          "</script>\n</body></html>\n";
  return html;
}

}  // namespace canbao
