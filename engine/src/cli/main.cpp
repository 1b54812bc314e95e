// canbao command-line interface.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "canbao/core/crash_report.h"
#include "canbao/core/date.h"
#include "canbao/dist/mpi_ranks.h"
#include "canbao/job/run_job.h"
#include "canbao/query/person_index.h"
#include "canbao/serve/lookup_server.h"
#include "canbao/synth/synth.h"

namespace {

std::unique_ptr<tbb::global_control> limit_threads(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<size_t>(threads));
}

int effective_threads(int threads) { return threads > 0 ? threads : tbb::info::default_concurrency(); }

// Issue #17: under mpirun, the ranks of the run (null: one process). Only rank 0 prints: every
// rank gets the same agreed error, said once.
std::unique_ptr<canbao::Ranks> g_ranks;
bool quiet_rank() { return g_ranks != nullptr && !g_ranks->leader(); }

// Set once rank 0 has said how the run ended: a SIGTERM after that (mpirun ending the other ranks)
// adds nothing.
volatile sig_atomic_t g_outcome_said = 0;

int fail(const canbao::Status& status) {
  if (!quiet_rank()) std::fprintf(stderr, "canbao: %s\n", status.message().c_str());
  std::fflush(stderr);
  g_outcome_said = 1;
  // Issue #17: every rank has the same (agreed) error; none leaves before rank 0 has printed it,
  // or mpirun would end rank 0 first (a rank's non-zero exit aborts the job).
  if (g_ranks != nullptr && !g_ranks->solo()) (void)g_ranks->agree("exit", canbao::Status::OK());
  return 1;
}

// Issue #17: mpirun ends every rank (SIGTERM, then SIGKILL) when one dies. Rank 0 says so in one
// line; its staging directory (never renamed into place) is removed by the next run.
void on_job_stopped(int) {
  if (g_outcome_said) ::_exit(1);
  static const char kLine[] =
      "canbao: the run across MPI ranks was stopped (a rank died, or mpirun was interrupted); no outputs were written\n";
  [[maybe_unused]] const ssize_t written = ::write(2, kLine, sizeof(kLine) - 1);
  ::_exit(1);
}

// Issue #17: joins the MPI job when mpirun started this process.
int join_ranks(int* argc, char*** argv) {
  if (!canbao::launched_by_mpi()) return 0;
  auto started = canbao::start_mpi_ranks(argc, argv);
  if (!started.ok()) return fail(started.status());
  g_ranks = std::move(started).value();
  struct sigaction action {};
  action.sa_handler = g_ranks->leader() ? on_job_stopped : [](int) { ::_exit(1); };
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  return 0;
}

// Issue #14: damaged index files that a run rebuilt, one line each on stderr.
void print_index_repairs(const canbao::RunReport& report) {
  for (const std::string& line : report.index_repairs) std::fprintf(stderr, "canbao: %s\n", line.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  canbao::install_crash_reporter();  // a crashing adapter plugin is named (core/crash_report.h)
  CLI::App app{"canbao — universal medical-insurance enrollment reconciliation (参保对账)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", CANBAO_VERSION_STRING);

  // run, apply (SPEC §7: a delivery added to the index of the earlier runs): the same options
  canbao::RunOptions run_options;
  std::string split_by;
  std::string split_format = "csv";
  auto* run = app.add_subcommand("run", "Ingest every feed of a manifest, cross-match all persons, apply SPEC R1–R9 "
                                        "and write the outputs (registry, outreach, duplicates, actions, benefits, "
                                        "plan, quarantine, summary.json)");
  auto* apply = app.add_subcommand("apply", "SPEC §7 daily delivery: add a delivery manifest's feeds after those of the "
                                            "index's earlier runs (only the new files are read) and run as `run` does");
  for (CLI::App* command : {run, apply}) {
    command->add_option("manifest", run_options.manifest_path,
                        command == run ? "Manifest JSON (SPEC §1) listing every feed so far"
                                       : "Delivery manifest JSON: city, as_of, optional settings, the new feeds only")
        ->required();
    command->add_option("--out", run_options.out_dir, "Output directory (replaced as a whole when the run succeeds)")
        ->required();
    command->add_option("--index", run_options.index_dir, "Index directory of memory-mapped segments (default: OUT.index)");
    command->add_option("--state", run_options.state_path,
                        "SPEC §7 state (SQLite) that each run continues: runs, plan rows, the case ledger (default: "
                        "OUT.state.db)");
    command->add_option("--threads", run_options.threads, "Worker threads (default: all cores)");
    command->add_flag("--rebuild-index", run_options.force_rebuild, "Re-ingest every feed even if its segment is current");
    command->add_option("--split-by", split_by, "Also write outreach/<district>.csv per home district for community workers")
        ->check(CLI::IsMember({"district"}));
    command->add_flag("--mask-ids", run_options.exports.mask_ids,
                      "In the split outreach lists, keep the first 6 and last 4 ID characters (350203********1234)");
    command->add_flag("--mask-names", run_options.exports.mask_names,
                      "In the split outreach lists, keep the first character of names (陈**)");
    command->add_option("--split-format", split_format,
                        "Format of the split outreach lists: csv, xlsx (a workbook per district, every cell text) or both")
        ->check(CLI::IsMember({"csv", "xlsx", "both"}))
        ->default_val(split_format);
    command->add_flag("--bom", run_options.bom,
                      "Start every CSV with the UTF-8 byte-order mark (so Excel/WPS on Chinese Windows read it as UTF-8)");
  }

  // ingest
  canbao::RunOptions ingest_options;
  auto* ingest = app.add_subcommand("ingest", "Ingest (or reuse) the manifest's feeds into the memory-mapped index only");
  ingest->add_option("manifest", ingest_options.manifest_path, "Manifest JSON (SPEC §1)")->required();
  ingest->add_option("--index", ingest_options.index_dir, "Index directory")->required();
  ingest->add_option("--threads", ingest_options.threads, "Worker threads (default: all cores)");
  ingest->add_flag("--rebuild-index", ingest_options.force_rebuild, "Re-ingest every feed");

  // synth
  canbao::SynthOptions synth_options;
  std::string query_index;
  std::vector<std::string> query_ids;
  auto* query = app.add_subcommand("query", "Real-time lookup (实时查询): coverage state, normal records, duplicate "
                                            "case and home district of citizen IDs, from an index written by `run` "
                                            "or `ingest` (one JSON line per ID; exit 1 if any ID is invalid or unknown)");
  query->add_option("--index", query_index, "Index directory (OUT.index of a run)")->required();
  std::string query_state, serve_state;
  query->add_option("--state", query_state,
                    "SPEC §7 state whose open cases are shown (default: OUT.state.db beside OUT.index, if there)");
  query->add_option("ids", query_ids, "Citizen ID numbers")->required();

  // precheck (SPEC §8)
  std::string precheck_index, precheck_id, precheck_scheme, precheck_region, precheck_date, precheck_start;
  auto* precheck = app.add_subcommand("precheck", "Pre-check at the source (SPEC §8, X 六(二)): may this person enrol "
                                                  "in scheme S in region R on date D, and what must happen to the "
                                                  "records they hold; one JSON answer from the latest run's index "
                                                  "(exit 0 for any answer, 2 for a malformed request)");
  precheck->add_option("--index", precheck_index, "Index directory (OUT.index of the latest run)")->required();
  precheck->add_option("id", precheck_id, "Citizen ID number")->required();
  precheck->add_option("--scheme", precheck_scheme, "employee or resident")->required();
  precheck->add_option("--region", precheck_region, "Region of the enrolment (6 digits)")->required();
  precheck->add_option("--date", precheck_date, "Date t of the enrolment (default: the index's as_of)");
  precheck->add_option("--start", precheck_start, "Start of the enrolment (default: t)");

  std::string serve_index, serve_token_file, serve_tokens_file, serve_listen, serve_port, serve_tls_cert, serve_tls_key,
      serve_audit_log;
  int serve_threads = 0;
  bool serve_quiet = false, serve_insecure = false;
  canbao::ServeLimits serve_limits;
  double serve_request_timeout = serve_limits.request_timeout_ms / 1000.0;
  auto* serve = app.add_subcommand(
      "serve", "Real-time lookup and SPEC §8 pre-check over HTTP/1.1 (TLS with --tls-cert/--tls-key): GET /v1/persons/{id}, "
               "POST /v1/precheck {id, scheme, region, date?, start?}, the counter page at GET /; every request but the "
               "page needs `Authorization: Bearer <token>` of a user in --tokens-file (401 otherwise) and gets one "
               "audit-log line (IDs masked)");
  serve->add_option("--index", serve_index, "Index directory (OUT.index of a run)")->required();
  serve->add_option("--state", serve_state,
                    "SPEC §7 state whose open cases are shown (default: OUT.state.db beside OUT.index, if there)");
  serve->add_option("--listen", serve_listen,
                    "ADDR:PORT to listen on: a numeric IPv4 address or [IPv6]; an address that is not loopback needs "
                    "--tls-cert/--tls-key (or --insecure) (default: 127.0.0.1:8080)");
  serve->add_option("--port", serve_port, "Port on 127.0.0.1, 0-65535 (0: any free port); the same as --listen 127.0.0.1:PORT");
  serve->add_option("--tls-cert", serve_tls_cert, "PEM certificate (chain) for HTTPS");
  serve->add_option("--tls-key", serve_tls_key, "PEM private key of --tls-cert (a private file: mode 0600)");
  serve->add_flag("--insecure", serve_insecure, "Allow plain HTTP on an address that is not loopback (behind a TLS proxy)");
  serve->add_option("--tokens-file", serve_tokens_file,
                    "Users and the SHA-256 of their tokens, one `user sha256hex` line each (mode 0600; `canbao "
                    "serve-token USER` makes a line)");
  serve->add_option("--token-file", serve_token_file, "One shared bearer token (issue #5; mode 0600), logged as user token-file");
  serve->add_option("--audit-log", serve_audit_log, "Append the audit log to this file (created 0600) instead of stderr");
  serve->add_flag("--quiet", serve_quiet, "No audit log on stderr (--audit-log still writes its file)");
  serve->add_option("--threads", serve_threads, "Request workers (default: 2 per core, at least 4)");
  serve->add_option("--max-connections", serve_limits.max_connections,
                    "Open connections at most; one more gets 503 and is closed")
      ->default_val(serve_limits.max_connections);
  serve->add_option("--request-timeout", serve_request_timeout,
                    "Seconds from a request's first byte to its last (and for a TLS handshake): 408 after")
      ->default_val(serve_request_timeout);

  std::string token_user;
  auto* serve_token = app.add_subcommand("serve-token", "Make a bearer token for a user of `canbao serve`: prints the "
                                                        "token (once: only its SHA-256 is kept) and the line to add "
                                                        "to the --tokens-file");
  serve_token->add_option("user", token_user, "User name: 1-64 characters of A-Z a-z 0-9 . _ @ -")->required();

  auto* synth = app.add_subcommand("synth", "Write a deterministic synthetic city (feeds, manifest.json, truth file)");
  synth->add_option("--persons", synth_options.persons, "Number of persons")->default_val(synth_options.persons);
  synth->add_option("--seed", synth_options.seed, "Random seed")->default_val(synth_options.seed);
  synth->add_option("--out", synth_options.out_dir, "Output directory")->required();
  synth->add_option("--as-of", synth_options.as_of, "Evaluation date written into the manifest")->default_val(synth_options.as_of);
  synth->add_option("--uninsured-rate", synth_options.uninsured_rate, "Share of target persons planted uninsured")
      ->default_val(synth_options.uninsured_rate);
  synth->add_option("--duplicate-rate", synth_options.duplicate_rate, "Share of persons planted with a duplicate case")
      ->default_val(synth_options.duplicate_rate);
  synth->add_option("--dirty-rate", synth_options.dirty_rate, "Share of records planted with a dirty ID")
      ->default_val(synth_options.dirty_rate);
  synth->add_option("--threads", synth_options.threads, "Worker threads (default: all cores)");

  // eval
  std::string truth_path, eval_out;
  auto* eval = app.add_subcommand("eval", "Score a run's outputs against a synthetic city's truth file "
                                          "(precision and recall per planted category)");
  eval->add_option("--truth", truth_path, "Truth file written by `canbao synth`")->required();
  eval->add_option("--out", eval_out, "Output directory of `canbao run`")->required();

  // demo
  uint64_t demo_persons = 200000;
  std::string demo_dir = "canbao-demo";
  int demo_threads = 0;
  auto* demo = app.add_subcommand("demo", "The embedded default job: synthesize a city, reconcile it, print the "
                                          "headline numbers and where the outputs are");
  demo->add_option("--persons", demo_persons, "Persons in the synthetic city")->default_val(demo_persons);
  demo->add_option("--dir", demo_dir, "Working directory (city/, out/, out.index/)")->default_val(demo_dir);
  demo->add_option("--threads", demo_threads, "Worker threads (default: all cores)");

  CLI11_PARSE(app, argc, argv);

  if (run->parsed() || apply->parsed() || ingest->parsed()) {
    if (int code = join_ranks(&argc, &argv); code != 0) return code;
    run_options.ranks = g_ranks.get();
    ingest_options.ranks = g_ranks.get();
  }
  if (run->parsed() || apply->parsed()) {
    run_options.apply = apply->parsed();
    auto control = limit_threads(run_options.threads);
    run_options.threads = effective_threads(run_options.threads);
    run_options.progress = ::isatty(2);
    run_options.exports.split_by_district = split_by == "district";
    if ((run_options.exports.mask_ids || run_options.exports.mask_names) && !run_options.exports.split_by_district)
      return fail(canbao::Status::Error("--mask-ids/--mask-names apply to the lists written with --split-by district "
                                        "(the bureau's own outputs keep full IDs)"));
    run_options.exports.csv = split_format != "xlsx";
    run_options.exports.xlsx = split_format != "csv";
    if (split_format != "csv" && !run_options.exports.split_by_district)
      return fail(canbao::Status::Error("--split-format applies to the lists written with --split-by district"));
    canbao::RunReport report;
    const auto status = canbao::run_job(run_options, report);
    if (!quiet_rank()) print_index_repairs(report);
    if (!status.ok()) return fail(status);
    if (!quiet_rank()) std::fputs(canbao::format_run_summary(report).c_str(), stdout);
    return 0;
  }
  if (ingest->parsed()) {
    auto control = limit_threads(ingest_options.threads);
    ingest_options.threads = effective_threads(ingest_options.threads);
    ingest_options.progress = ::isatty(2);
    canbao::RunReport report;
    const auto status = canbao::run_ingest(ingest_options, report);
    if (!quiet_rank()) print_index_repairs(report);
    if (!status.ok()) return fail(status);
    if (quiet_rank()) return 0;
    std::printf("canbao ingest: index %s%s\n", report.index_dir.c_str(),
                g_ranks != nullptr && g_ranks->size() > 1
                    ? (" (" + std::to_string(g_ranks->size()) + " ranks)").c_str()
                    : "");
    for (const auto& feed : report.feeds)
      std::printf("  %-28s %-16s read %10llu  accepted %10llu  rejected-id %8llu  %s\n", feed.path.c_str(),
                  feed.agency.c_str(), static_cast<unsigned long long>(feed.read),
                  static_cast<unsigned long long>(feed.accepted), static_cast<unsigned long long>(feed.quarantined),
                  feed.reused ? "(index reused: feed unchanged)" : "(ingested)");
    return 0;
  }
  if (query->parsed()) {
    auto opened = canbao::PersonIndex::Open(query_index, query_state);
    if (!opened.ok()) return fail(opened.status());
    const std::unique_ptr<canbao::PersonIndex> index = std::move(opened).value();
    int exit_code = 0;
    for (const std::string& id : query_ids) {
      const canbao::PersonAnswer answer = index->lookup(id);
      std::printf("%s\n", answer.json.c_str());
      if (!answer.found) exit_code = 1;
    }
    return exit_code;
  }
  if (precheck->parsed()) {
    // A malformed request (unknown scheme, region not 6 digits, unparsable date) is an error, not
    // an answer: one line, exit 2, before the index is opened.
    auto request = canbao::parse_precheck_request(
        {precheck_id, precheck_scheme, precheck_region, precheck_date, precheck_start});
    if (!request.ok()) {
      std::fprintf(stderr, "canbao: %s\n", request.status().message().c_str());
      return 2;
    }
    auto opened = canbao::PersonIndex::Open(precheck_index);
    if (!opened.ok()) return fail(opened.status());
    const canbao::PrecheckAnswer answer = (*opened)->precheck(std::move(request).value());
    std::printf("%s\n", canbao::format_precheck_json(answer).c_str());
    return 0;
  }
  if (serve_token->parsed()) {
    auto made = canbao::make_token(token_user);
    if (!made.ok()) {
      std::fprintf(stderr, "canbao: %s\n", made.status().message().c_str());
      return 2;
    }
    std::fprintf(stderr, "canbao serve-token: the token for %s (shown once; hand it to the user):\n", token_user.c_str());
    std::printf("%s\n", made->token.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "canbao serve-token: the line to add to the --tokens-file (then restart canbao serve):\n");
    std::printf("%s\n", made->line.c_str());
    return 0;
  }
  if (serve->parsed()) {
    // A request that cannot be served as given (port out of range, an address to refuse, no
    // token, files that are not private) is one line and exit 2, before the index is opened.
    const auto usage = [](const std::string& message) {
      std::fprintf(stderr, "canbao: %s\n", message.c_str());
      return 2;
    };
    canbao::ServeOptions options;
    if (!serve_listen.empty() && !serve_port.empty()) return usage("serve: give --listen or --port, not both");
    if (!serve_listen.empty()) {
      auto address = canbao::parse_listen_address(serve_listen);
      if (!address.ok()) return usage("serve: " + address.status().message());
      options.listen = *address;
    } else if (!serve_port.empty()) {
      if (serve_port.size() > 5 || serve_port.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(serve_port) > 65535)
        return usage("serve: --port " + serve_port + " is not a port number (0-65535)");
      options.listen.port = std::stoi(serve_port);
    }
    options.tls_cert = serve_tls_cert;
    options.tls_key = serve_tls_key;
    options.insecure = serve_insecure;
    options.threads = serve_threads;
    if (!(serve_request_timeout > 0 && serve_request_timeout <= 3600))
      return usage("serve: --request-timeout must be between 0 and 3600 seconds");
    serve_limits.request_timeout_ms = static_cast<int>(serve_request_timeout * 1000);
    options.limits = serve_limits;
    if (serve_tokens_file.empty() == serve_token_file.empty())
      return usage("serve: give --tokens-file (per-user tokens) or --token-file (one shared token)");
    auto tokens = serve_tokens_file.empty() ? canbao::TokenStore::load_token_file(serve_token_file)
                                            : canbao::TokenStore::load_tokens_file(serve_tokens_file);
    if (!tokens.ok()) return usage("serve: " + tokens.status().message());
    options.tokens = std::move(tokens).value();
    if (!serve_audit_log.empty()) {
      auto audit = canbao::AuditLog::open_file(serve_audit_log);
      if (!audit.ok()) return usage("serve: " + audit.status().message());
      options.audit = *audit;
    } else if (!serve_quiet) {
      options.audit = canbao::AuditLog::to_stderr();
    }
    if (auto status = canbao::check_serve_options(options); !status.ok()) return usage(status.message());
    // SIGINT/SIGTERM are taken by a thread of their own (sigwait) that stops the server cleanly;
    // blocked before any thread starts (opening the index may start TBB's), so every thread
    // inherits the mask and none is killed by the signal's default action.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto opened = canbao::LiveIndex::Open(serve_index, serve_state);
    if (!opened.ok()) return fail(opened.status());
    const std::unique_ptr<canbao::LiveIndex> index = std::move(opened).value();
    canbao::LookupServer server(*index, options);
    if (auto status = server.bind(); !status.ok()) return fail(status);
    std::thread stopper([&server, signals] {
      int signal = 0;
      sigwait(&signals, &signal);
      server.stop();
    });
    std::fprintf(stderr,
                 "canbao serve: %s/ (counter page), GET /v1/persons/{id}, POST /v1/precheck (index %s, generation "
                 "%llu, %zu user%s, audit log %s)\n",
                 server.url().c_str(), serve_index.c_str(), static_cast<unsigned long long>(index->current()->generation()),
                 options.tokens.size(), options.tokens.size() == 1 ? "" : "s",
                 !serve_audit_log.empty() ? serve_audit_log.c_str() : serve_quiet ? "off" : "stderr");
    // SPEC §7: a run or apply switches the index to a new generation; the watcher opens it and
    // moves the lookups to it, no restart, no failed answer (index.json looked at once a second).
    std::mutex watch_mutex;
    std::condition_variable watch_wake;
    bool watch_stop = false;
    std::thread watcher([&] {
      std::string last_error;  // said once, not every second
      std::unique_lock<std::mutex> lock(watch_mutex);
      while (!watch_wake.wait_for(lock, std::chrono::seconds(1), [&] { return watch_stop; })) {
        lock.unlock();
        auto switched = index->refresh();
        if (!switched.ok() && switched.status().message() != last_error) {
          last_error = switched.status().message();
          std::fprintf(stderr, "canbao serve: still on generation %llu: %s\n",
                       static_cast<unsigned long long>(index->current()->generation()), switched.status().message().c_str());
        } else if (switched.ok() && *switched) {
          last_error.clear();
          std::fprintf(stderr, "canbao serve: now on generation %llu (as_of %s)\n",
                       static_cast<unsigned long long>(index->current()->generation()),
                       canbao::format_date(index->current()->settings().as_of).c_str());
        }
        lock.lock();
      }
    });
    const auto status = server.listen();
    if (stopper.joinable()) {
      pthread_kill(stopper.native_handle(), SIGTERM);  // listen ended on its own: release the waiter
      stopper.join();
    }
    {
      const std::lock_guard<std::mutex> lock(watch_mutex);
      watch_stop = true;
    }
    watch_wake.notify_all();
    watcher.join();
    return status.ok() ? 0 : fail(status);
  }
  if (synth->parsed()) {
    auto control = limit_threads(synth_options.threads);
    canbao::SynthReport report;
    std::string error;
    if (!canbao::run_synth(synth_options, report, error)) return fail(canbao::Status::Error(error));
    std::fputs(canbao::format_synth_report(report).c_str(), stdout);
    return 0;
  }
  if (eval->parsed()) {
    canbao::EvalReport report;
    std::string error;
    if (!canbao::run_eval(truth_path, eval_out, report, error)) return fail(canbao::Status::Error(error));
    std::printf("%-40s %10s %10s %10s %9s %9s\n", "category", "planted", "reported", "matched", "precision", "recall");
    for (const auto& category : report.categories)
      std::printf("%-40s %10llu %10llu %10llu %8.2f%% %8.2f%%\n", category.name.c_str(),
                  static_cast<unsigned long long>(category.planted), static_cast<unsigned long long>(category.reported),
                  static_cast<unsigned long long>(category.matched), 100 * category.precision(), 100 * category.recall());
    std::printf("%s\n", report.perfect() ? "eval: 100% precision and recall on every planted category"
                                         : "eval: NOT perfect (see the rows above)");
    return report.perfect() ? 0 : 3;
  }
  if (demo->parsed()) {
    auto control = limit_threads(demo_threads);
    canbao::SynthOptions options;
    options.persons = demo_persons;
    options.out_dir = demo_dir + "/city";
    canbao::SynthReport synth_report;
    std::string error;
    std::printf("canbao demo: synthesizing a city of %llu persons in %s/city ...\n",
                static_cast<unsigned long long>(demo_persons), demo_dir.c_str());
    if (!canbao::run_synth(options, synth_report, error)) return fail(canbao::Status::Error(error));
    canbao::RunOptions job;
    job.manifest_path = synth_report.manifest_path;
    job.out_dir = demo_dir + "/out";
    job.threads = effective_threads(demo_threads);
    job.progress = ::isatty(2);
    canbao::RunReport report;
    if (auto status = canbao::run_job(job, report); !status.ok()) return fail(status);
    std::fputs(canbao::format_run_summary(report).c_str(), stdout);
    return 0;
  }
  return 0;
}
