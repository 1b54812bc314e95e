// `canbao serve` (issues #5, #14) over real HTTP on loopback, in-process: per-user bearer tokens
// (401 before routing), GET /v1/persons/{id} as `canbao query`, POST /v1/precheck as `canbao
// precheck` and its 400s, the audit log (one line per request, never a full citizen ID in any
// path form, no control byte), pipelining and keep-alive, and the limits: 10k headers refused
// with the memory flat, oversized bodies and heads, a slow client that holds no worker, the
// connection cap. TLS, the CLI and the counter page: serve_deploy_test.cpp.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <regex>
#include <set>
#include <sstream>

#include "canbao/core/text.h"
#include "canbao/serve/audit_log.h"
#include "canbao/serve/lookup_server.h"
#include "canbao/serve/tokens.h"
#include "serve_test_util.h"

namespace canbao {
namespace {

using namespace serve_test;
using testing::cli;
using testing::run_command;
using testing::write_file;
namespace fs = std::filesystem;

constexpr std::string_view kId = "350203198805208738";  // a sample-city person

/// The audit log's lines once it has at least `count` (lines are written after each answer).
std::vector<std::string> audit_lines(const TestServer& server, size_t count, int timeout_ms = 3000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::string> lines;
  do {
    lines = testing::non_empty_lines(server.audit());
    if (lines.size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return lines;
}

/// A field of an audit line (0-based; fields are separated by single spaces).
std::string field(const std::string& line, int index) {
  std::istringstream in(line);
  std::string part;
  for (int idx = 0; idx <= index; ++idx) in >> part;
  return part;
}

// ---- pieces ----------------------------------------------------------------------------------

TEST(Serve, ConstantTimeEqualsComparesWholeSecrets) {
  EXPECT_TRUE(constant_time_equals("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3creT", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3cre", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3crets", "s3cret"));
  EXPECT_FALSE(constant_time_equals("", "s3cret"));
}

TEST(Serve, MasksEveryCitizenIdForm) {
  EXPECT_EQ(mask_citizen_ids("/v1/persons/350203198805208738"), "/v1/persons/350203********8738");
  EXPECT_EQ(mask_citizen_ids("/v1/persons/11010820030214587x?again=11010820030214587X"),
            "/v1/persons/110108********587x?again=110108********587X");
  EXPECT_EQ(mask_citizen_ids("/x/350203880520873"), "/x/350203*****0873");     // legacy 15 digits
  EXPECT_EQ(mask_citizen_ids("/x/35020319880520873"), "/x/350203*******0873");  // 17 digits
  EXPECT_EQ(mask_citizen_ids("/x/12345678901234/y"), "/x/12345678901234/y");    // 14: not an ID
  EXPECT_EQ(mask_citizen_ids("0350203198805208738350203198805208738"),
            "035020***************************8738");  // two run together
  // Full-width digits (SPEC §2 normalises them): masked per character.
  EXPECT_EQ(mask_citizen_ids("/v1/persons/３５０２０３１９８８０５２０８７３８"),
            "/v1/persons/３５０２０３********８７３８");
  EXPECT_EQ(percent_decode_fully("%2533%35%30%32%30%33198805208738"), "350203198805208738");
  EXPECT_EQ(percent_decode_fully("100%"), "100%");
  EXPECT_EQ(loggable_target("/v1/persons/%33%35%30%32%30%33%31%39%38%38%30%35%32%30%38%37%33%38"),
            "/v1/persons/350203********8738");
}

TEST(Serve, LogFieldsEscapeControlBytesSpacesAndNonAscii) {
  EXPECT_EQ(escape_log_field("/a\x1b[31mb"), "/a\\x1b[31mb");
  EXPECT_EQ(escape_log_field("a b\nc\\d"), "a\\x20b\\x0ac\\x5cd");
  EXPECT_EQ(escape_log_field("/陈"), "/\\xe9\\x99\\x88");
  EXPECT_EQ(escape_log_field(""), "-");
  EXPECT_EQ(loggable_target("/v1/persons/%0a2026-01-01T00:00:00.000Z%20admin"),
            "/v1/persons/\\x0a2026-01-01T00:00:00.000Z\\x20admin");
}

TEST(Serve, AuditLineHasItsSevenFields) {
  AuditEntry entry;
  entry.when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1779264902417));
  entry.user = "alice";
  entry.client = "127.0.0.1:50412";
  entry.method = "GET";
  entry.target = "/v1/persons/350203198805208738";
  entry.status = 200;
  entry.latency_ms = 0.4123;
  EXPECT_EQ(format_audit_line(entry),
            "2026-05-20T08:15:02.417Z alice 127.0.0.1:50412 GET /v1/persons/350203********8738 200 0.412ms\n");
  entry.user = "";
  entry.method = "";
  entry.target = "";
  entry.status = 0;
  EXPECT_EQ(format_audit_line(entry), "2026-05-20T08:15:02.417Z - 127.0.0.1:50412 - - - 0.412ms\n");
  entry.user = "350203198805208738";  // every field is masked, a user name that is an ID too
  entry.method = "GET\r\n";
  EXPECT_EQ(format_audit_line(entry),
            "2026-05-20T08:15:02.417Z 350203********8738 127.0.0.1:50412 GET\\x0d\\x0a - - 0.412ms\n");
}

TEST(Serve, ListenAddressesAreIpv4OrBracketedIpv6) {
  auto v4 = parse_listen_address("127.0.0.1:8443");
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8443);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(format_listen_address(*v6), "[::1]:0");
  for (const char* bad : {"127.0.0.1", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:", "localhost:8080", "::1:8080",
                          "[::1]8080", "[::1]", "[nope]:80", "1.2.3:80", "127.0.0.1:80x"}) {
    auto parsed = parse_listen_address(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().message().find('\n'), std::string::npos);
      EXPECT_NE(parsed.status().message().find(bad), std::string::npos) << parsed.status().message();
    }
  }
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.3.2.1"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_TRUE(is_loopback_address("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback_address("0.0.0.0"));
  EXPECT_FALSE(is_loopback_address("::"));
  EXPECT_FALSE(is_loopback_address("10.1.2.3"));
  EXPECT_FALSE(is_loopback_address("::ffff:10.1.2.3"));
}

TEST(Serve, PlainHttpOnlyOnLoopbackUnlessInsecure) {
  ServeOptions options;
  options.tokens = test_tokens();
  EXPECT_TRUE(check_serve_options(options).ok());
  options.listen = *parse_listen_address("0.0.0.0:8080");
  const Status refused = check_serve_options(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("refusing plain HTTP on 0.0.0.0:8080"), std::string::npos) << refused.message();
  options.insecure = true;
  EXPECT_TRUE(check_serve_options(options).ok());
  options.insecure = false;
  options.tls_cert = "cert.pem";
  EXPECT_FALSE(check_serve_options(options).ok());  // a certificate without its key
  options.tls_key = "key.pem";
  EXPECT_TRUE(check_serve_options(options).ok());
  options.listen.port = 65536;
  EXPECT_FALSE(check_serve_options(options).ok());
  options.listen.port = 8443;
  options.tokens = TokenStore();
  EXPECT_FALSE(check_serve_options(options).ok());
}

TEST(Serve, TokensFileMustBePrivateAndWellFormed) {
  TempDir tmp;
  const std::string alice = sha256_hex(kAliceToken), bob = sha256_hex(kBobToken);
  const auto tokens_file = [&](const std::string& name, const std::string& text, mode_t mode = 0600) {
    write_file(tmp / name, text);
    ::chmod((tmp / name).c_str(), mode);
    return tmp / name;
  };
  auto store = TokenStore::load_tokens_file(
      tokens_file("good", "# counter staff\nalice\t" + alice + "\n\n  bob   " + bob + "  \r\n"));
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->authenticate(kAliceToken).value_or("?"), "alice");
  EXPECT_EQ(store->authenticate(kBobToken).value_or("?"), "bob");
  EXPECT_FALSE(store->authenticate("alice-s3cret-token-012345678").has_value());
  EXPECT_FALSE(store->authenticate("").has_value());
  EXPECT_EQ(store->authenticate_header(std::string("Bearer ") + kAliceToken).value_or("?"), "alice");
  EXPECT_EQ(store->authenticate_header(std::string("bearer  ") + kBobToken).value_or("?"), "bob");
  EXPECT_FALSE(store->authenticate_header(std::string("Basic ") + kAliceToken).has_value());
  EXPECT_FALSE(store->authenticate_header(kAliceToken).has_value());

  const std::vector<std::pair<std::string, std::string>> refused = {
      {tokens_file("open", "alice " + alice + "\n", 0644), "chmod 600"},
      {tokens_file("group", "alice " + alice + "\n", 0640), "mode 0640"},
      {tokens_file("short", "alice abc123\n"), "64 hex digits"},
      {tokens_file("clear", "alice " + std::string(kAliceToken) + "\n"), "64 hex digits"},
      {tokens_file("one-field", alice + "\n"), "two fields"},
      {tokens_file("three", "alice " + alice + " extra\n"), "two fields"},
      {tokens_file("user", "al ice " + alice + "\n"), "two fields"},
      {tokens_file("badname", "al/ice " + alice + "\n"), "user name"},
      {tokens_file("twice", "alice " + alice + "\nalice " + bob + "\n"), "listed twice"},
      {tokens_file("shared", "alice " + alice + "\nbob " + alice + "\n"), "a token of their own"},
      {tokens_file("empty", "# nobody yet\n"), "no `user sha256hex` line"},
      {tmp / "missing", "cannot read"},
      {tmp.path(), "not a regular file"},
  };
  ::chmod(tmp.path().c_str(), 0700);
  for (const auto& [path, expected] : refused) {
    auto loaded = TokenStore::load_tokens_file(path);
    ASSERT_FALSE(loaded.ok()) << path;
    const std::string& message = loaded.status().message();
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find(alice), std::string::npos) << "an error line repeats no hash";
  }
}

TEST(Serve, SingleTokenFileStillWorksWhenPrivate) {
  TempDir tmp;
  write_file(tmp / "token", "  abc123\n");
  ::chmod((tmp / "token").c_str(), 0600);
  auto store = TokenStore::load_token_file(tmp / "token");
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->authenticate("abc123").value_or("?"), TokenStore::kSingleTokenUser);
  ::chmod((tmp / "token").c_str(), 0644);
  EXPECT_FALSE(TokenStore::load_token_file(tmp / "token").ok());
  write_file(tmp / "empty", " \n");
  ::chmod((tmp / "empty").c_str(), 0600);
  EXPECT_FALSE(TokenStore::load_token_file(tmp / "empty").ok());
  EXPECT_FALSE(TokenStore::load_token_file(tmp / "missing").ok());
}

TEST(Serve, MadeTokenAuthenticatesItsUserOnly) {
  auto made = make_token("counter.3");
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(made->token.size(), 43u);
  EXPECT_EQ(made->line, "counter.3\t" + sha256_hex(made->token));
  auto other = make_token("counter.3");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->token, made->token);
  TokenStore store;
  ASSERT_TRUE(store.add_hashed("counter.3", made->line.substr(10)));
  EXPECT_EQ(store.authenticate(made->token).value_or("?"), "counter.3");
  EXPECT_FALSE(store.authenticate(other->token).has_value());
  EXPECT_FALSE(make_token("no spaces please").ok());
  EXPECT_FALSE(make_token("").ok());
}

TEST(Serve, AuditLogFileIsCreatedPrivateAndMustStaySo) {
  TempDir tmp;
  auto log = AuditLog::open_file(tmp / "audit.log");
  ASSERT_TRUE(log.ok()) << log.status().message();
  struct stat info {};
  ASSERT_EQ(::stat((tmp / "audit.log").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  AuditEntry entry;
  entry.when = std::chrono::system_clock::now();
  entry.target = "/v1/persons/350203198805208738";
  (*log)->write(entry);
  (*log)->write(entry);
  log = Result<std::shared_ptr<AuditLog>>(Status::Error("closed"));
  EXPECT_EQ(testing::non_empty_lines(testing::read_file(tmp / "audit.log")).size(), 2u);
  auto again = AuditLog::open_file(tmp / "audit.log");  // appends
  ASSERT_TRUE(again.ok());
  ::chmod((tmp / "audit.log").c_str(), 0644);
  auto open = AuditLog::open_file(tmp / "audit.log");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos) << open.status().message();
}

// ---- over HTTP ---------------------------------------------------------------------------------

TEST(ServeHttp, AnswersLookupsWithPerUserTokens) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  httplib::Client client("127.0.0.1", server.port());
  const std::string id = kKnownId;

  auto response = client.Get("/v1/persons/" + id);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(response->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(response->body.find(id), std::string::npos);
  response = client.Get("/v1/persons/" + id, {{"Authorization", "Bearer alice-s3cret-token-012345678"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);

  for (const char* token : {kAliceToken, kBobToken}) {
    response = client.Get("/v1/persons/" + id, {{"Authorization", std::string("Bearer ") + token}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(response->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(response->body, server.index().current()->lookup(id).json);
    EXPECT_NE(response->body.find("\"duplicate_cases\": [{"), std::string::npos);
  }
  const httplib::Headers alice = {{"Authorization", std::string("Bearer ") + kAliceToken}};
  response = client.Get("/v1/persons/350203198805208739", alice);  // bad check character
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("\"reason\": \"bad_checksum\""), std::string::npos);
  response = client.Get("/v1/persons/110101199003074477", alice);  // valid, not in the city
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  response = client.Get("/v2/other", alice);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_NE(response->body.find("no such resource"), std::string::npos);

  // The user of each line is the one whose token the request carried.
  const auto lines = audit_lines(server, 7);
  ASSERT_EQ(lines.size(), 7u) << server.audit();
  const std::vector<std::string> users = {"-", "-", "alice", "bob", "alice", "alice", "alice"};
  const std::vector<std::string> statuses = {"401", "401", "200", "200", "400", "404", "404"};
  for (size_t idx = 0; idx < lines.size(); ++idx) {
    EXPECT_EQ(field(lines[idx], 1), users[idx]) << lines[idx];
    EXPECT_EQ(field(lines[idx], 5), statuses[idx]) << lines[idx];
  }
}

TEST(ServeHttp, TokenIsCheckedBeforeAnyRoute) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  httplib::Client client("127.0.0.1", server.port());
  // Without a token a malformed pre-check is 401, not 400, and an unknown path 401, not 404: the
  // handlers never ran.
  auto response = client.Post("/v1/precheck", "{not json", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  response = client.Post("/v1/precheck", {{"Authorization", "Bearer wrong"}}, "{not json", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  response = client.Get("/no/such/thing");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  response = client.Delete("/v1/persons/" + std::string(kKnownId));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  // The counter page alone opens without one (it holds no data).
  response = client.Get("/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(response->get_header_value("Content-Security-Policy").find("connect-src 'self'"), std::string::npos);
  EXPECT_NE(response->body.find("参保预检"), std::string::npos);
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_EQ(response->body.find("http://"), std::string::npos);
  EXPECT_EQ(response->body.find("https://"), std::string::npos);
  EXPECT_EQ(response->body.find(" src="), std::string::npos);
}

TEST(ServeHttp, PrecheckAnswersExactlyAsTheCli) {
  const std::string example = testing::city_over_time();
  if (!fs::exists(example + "/precheck.csv")) GTEST_SKIP() << "city-over-time not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + example + "/manifest-run3.json --out " + tmp / "run3");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  TestServer server(tmp / "run3.index");
  ASSERT_TRUE(server.ok()) << server.error();
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  const httplib::Headers bob = {{"Authorization", std::string("Bearer ") + kBobToken}};
  const std::string table = testing::read_file(example + "/precheck.csv");
  size_t pos = 0;
  std::vector<std::string> cells;
  ASSERT_TRUE(next_csv_record(table, pos, cells));  // header
  int rows = 0;
  while (next_csv_record(table, pos, cells)) {
    ASSERT_GE(cells.size(), 7u);
    const std::string &id = cells[1], &scheme = cells[2], &region = cells[3], &date = cells[4], &start = cells[5];
    std::string body = "{\"id\": \"" + id + "\", \"scheme\": \"" + scheme + "\", \"region\": \"" + region + "\"";
    std::string command = cli() + " precheck --index " + tmp / "run3.index" + " " + id + " --scheme " + scheme +
                          " --region " + region;
    if (!date.empty()) {
      body += ", \"date\": \"" + date + "\"";
      command += " --date " + date;
    } else {
      body += ", \"date\": null";
    }
    if (!start.empty()) {
      body += ", \"start\": \"" + start + "\"";
      command += " --start " + start;
    }
    body += "}";
    const auto printed = run_command(command + " 2>/dev/null");
    ASSERT_EQ(printed.exit_code, 0) << command << "\n" << printed.output;
    auto response = client.Post("/v1/precheck", bob, body, "application/json");
    ASSERT_TRUE(response) << body;
    EXPECT_EQ(response->status, 200) << body << " → " << response->body;
    EXPECT_EQ(response->body + "\n", printed.output) << cells[0];
    EXPECT_NE(response->body.find("\"decision\": \"" + cells[6] + "\""), std::string::npos) << cells[0];
    ++rows;
  }
  EXPECT_GE(rows, 20);
}

TEST(ServeHttp, PrecheckRefusesMalformedBodiesWithOneLine) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers alice = {{"Authorization", std::string("Bearer ") + kAliceToken}};
  const std::string id = kKnownId;
  const std::string good = "\"id\": \"" + id + "\", \"scheme\": \"resident\", \"region\": \"350200\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty body"},
      {"   ", "empty body"},
      {"{", "not valid JSON"},
      {"{\"id\": \"" + id + "\",}", "not valid JSON"},
      {"{" + good + "} {}", "not valid JSON"},
      {"{" + good + ", \"date\": \"\xff\xfe\"}", "not valid JSON"},
      {"[\"" + id + "\"]", "must be a JSON object"},
      {"\"" + id + "\"", "must be a JSON object"},
      {"{\"scheme\": \"resident\", \"region\": \"350200\"}", "missing field \"id\""},
      {"{\"id\": \"" + id + "\", \"region\": \"350200\"}", "missing field \"scheme\""},
      {"{\"id\": \"" + id + "\", \"scheme\": \"resident\"}", "missing field \"region\""},
      {"{" + good + ", \"strat\": \"2026-01-01\"}", "unknown field \"strat\""},
      {"{" + good + ", \"id\": \"" + id + "\"}", "field \"id\" given twice"},
      {"{\"id\": \"" + id + "\", \"scheme\": \"resident\", \"region\": 350200}", "\"region\" must be a string"},
      {"{\"id\": 11010820030214587, \"scheme\": \"resident\", \"region\": \"350200\"}", "\"id\" must be a string"},
      {"{" + good + ", \"date\": 20261122}", "\"date\" must be a string"},
      {"{\"id\": \"" + id + "\", \"scheme\": \"retired\", \"region\": \"350200\"}", "unknown scheme 'retired'"},
      {"{\"id\": \"" + id + "\", \"scheme\": \"resident\", \"region\": \"35020\"}", "region '35020' is not 6 digits"},
      {"{" + good + ", \"date\": \"2026-13-01\"}", "unparsable date '2026-13-01'"},
      {"{" + good + ", \"start\": \"yesterday\"}", "unparsable start 'yesterday'"},
  };
  for (const auto& [body, expected] : cases) {
    auto response = client.Post("/v1/precheck", alice, body, "application/json");
    ASSERT_TRUE(response) << body;
    EXPECT_EQ(response->status, 400) << body;
    std::string error = response->body;  // the JSON string unescaped enough for the quotes
    for (size_t at; (at = error.find("\\\"")) != std::string::npos;) error.erase(at, 1);
    EXPECT_NE(error.find(expected), std::string::npos) << body << " → " << response->body;
    EXPECT_EQ(response->body.find('\n'), std::string::npos) << response->body;
    EXPECT_EQ(response->body.rfind("{\"error\": ", 0), 0u) << response->body;
  }
  auto response = client.Post("/v1/precheck", alice, "{" + good + "}", "text/plain");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 415);
  response = client.Get("/v1/precheck", alice);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->get_header_value("Allow"), "POST");
  // null date/start are the defaults; whitespace up to the body limit is still a body.
  response = client.Post("/v1/precheck", alice, "{" + good + ", \"date\": null, \"start\": null}", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  const std::string plain = response->body;
  std::string padded = "{" + good + "}";
  padded.insert(1, 64 * 1024 - padded.size(), ' ');
  response = client.Post("/v1/precheck", alice, padded, "application/json; charset=utf-8");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, plain);
  response = client.Post("/v1/precheck", alice, padded + " ", "application/json");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  // No line of the log holds the ID sent in the bodies.
  const auto lines = audit_lines(server, cases.size() + 5);
  EXPECT_EQ(lines.size(), cases.size() + 5);
  EXPECT_EQ(server.audit().find(id), std::string::npos);
}

TEST(ServeHttp, AuditLogNeverHoldsAFullIdInAnyPathForm) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string id(kId);
  const std::string full_width = "３５０２０３１９８８０５２０８７３８";
  std::string encoded, double_encoded, encoded_full_width;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : id) {
    encoded += std::string("%3") + c;
    double_encoded += std::string("%253") + c;
  }
  for (const char c : full_width) {
    const auto byte = static_cast<unsigned char>(c);
    encoded_full_width += std::string("%") + kHex[byte >> 4] + kHex[byte & 15];
  }
  const std::string token = kAliceToken;
  const std::vector<std::string> requests = {
      http_request("GET", "/v1/persons/" + id, token),
      http_request("GET", "/v1/persons/" + id, ""),                                 // 401
      http_request("GET", "//v1/persons/" + id, token),
      http_request("GET", "/V1/PERSONS/" + id, token),
      http_request("GET", "http://localhost/v1/persons/" + id, token),               // absolute-form
      http_request("GET", "/v1/persons/x?id=" + id + "&again=" + id, token),
      http_request("GET", "/v1/persons/" + encoded, token),
      http_request("GET", "/v1/persons/" + double_encoded, token),
      http_request("GET", "/v1/persons/" + full_width, token),
      http_request("GET", "/v1/persons/" + encoded_full_width, token),
      http_request("GET", "/v1/persons/11010820030214587x", token),
      http_request("GET", "/v1/persons/350203880520873", token),                      // 15-digit legacy
      http_request("GET", "/v1/persons/0" + id + "123", token),
      http_request("GET", "/v1/persons;id=" + id + "#" + id, token),
      http_request("GET", "/v1/persons/%1b[31m" + id + "%1b[0m", token),
      http_request("GET", "/v1/persons/%0a2026-01-01T00:00:00.000Z%20root%20" + id, token),
      http_request("GET", "/v1/persons/" + id + "%00" + id, token),
      http_request("POST", "/v1/precheck", token,
                   "{\"id\": \"" + id + "\", \"scheme\": \"resident\", \"region\": \"350200\"}"),
      http_request("POST", "/v1/precheck/" + id, token, "{}"),                        // 404
      http_request("GET", "/v1/persons/" + id + " HTTP/1.1\r\nX-Smuggled: 1", token), // a line injected
      "GET /v1/persons/\x1b[2J" + id + " HTTP/1.1\r\nHost: x\r\n\r\n",                  // raw ESC: 400
      id + " /v1/persons/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n",                      // method: 400
      http_request("GET", "/v1/persons/" + id, token, "", "X-Id: " + id + "\r\n"),    // ID in a header
      "GET /v1/persons/" + id + " HTTP/2.0\r\n\r\n",                                   // 505
      http_request("GET", "/v1/persons/" + id, token, "", "Transfer-Encoding: chunked\r\n"),  // 411
  };
  for (const std::string& request : requests) {
    RawClient client(server.port());
    ASSERT_TRUE(client.connected());
    client.send(request);
    const auto answers = client.read_responses(1);
    EXPECT_EQ(answers.size(), 1u) << request;
  }
  // Heads refused by the loop: 10k headers (431) with the ID in the path.
  {
    RawClient client(server.port());
    std::string head = "GET /v1/persons/" + id + " HTTP/1.1\r\n";
    for (int idx = 0; idx < 200; ++idx) head += "X-Filler-" + std::to_string(idx) + ": " + id + "\r\n";
    client.send(head + "\r\n");
    const auto answers = client.read_responses(1);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].status, 431);
  }
  const size_t expected_lines = requests.size() + 1;
  const auto lines = audit_lines(server, expected_lines);
  const std::string log = server.audit();
  ASSERT_EQ(lines.size(), expected_lines) << log;
  for (const std::string& full : {id, id.substr(0, 17), std::string("11010820030214587"), std::string("350203880520873"),
                                  full_width, std::string(kAliceToken)})
    EXPECT_EQ(log.find(full), std::string::npos) << "in the log: " << full << "\n" << log;
  for (const char c : log) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (byte >= 0x20 && byte < 0x7F)) << "raw byte " << int(byte) << " in the log";
    if (!(c == '\n' || (byte >= 0x20 && byte < 0x7F))) break;
  }
  const std::regex shape(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (alice|-) (127\.0\.0\.1:\d+) \S+ \S+ (\d{3}|-) \d+\.\d{3}ms)");
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, shape)) << line;
  EXPECT_NE(log.find(" GET /v1/persons/350203********8738 200 "), std::string::npos) << log;
  EXPECT_NE(log.find(" - 127.0.0.1:"), std::string::npos) << "the 401 has no user";
  EXPECT_NE(log.find("/v1/persons/\\x1b[31m350203********8738\\x1b[0m"), std::string::npos) << log;
  EXPECT_NE(log.find("/v1/persons/\\x0a2026-01-01T00:00:00.000Z\\x20root\\x20350203********8738"), std::string::npos)
      << log;
  EXPECT_NE(log.find(" 431 "), std::string::npos);
  EXPECT_NE(log.find(" 505 "), std::string::npos);
  EXPECT_NE(log.find(" 411 "), std::string::npos);
}

TEST(ServeHttp, PipelinedRequestsAreAllAnsweredInOrder) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string precheck_body = "{\"id\": \"" + std::string(kKnownId) + "\", \"scheme\": \"resident\", \"region\": \"350200\"}";
  PrecheckRequest expected_request = *parse_precheck_request({kKnownId, "resident", "350200", "", ""});
  const std::string expected_precheck = format_precheck_json(server.index().current()->precheck(expected_request));
  const std::string requests = http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken) +
                               http_request("POST", "/v1/precheck", kBobToken, precheck_body) +
                               http_request("GET", "/v1/persons/110101199003074477", kAliceToken) +
                               http_request("GET", "/v1/persons/" + std::string(kKnownId), "") +
                               http_request("GET", "/v1/persons/" + std::string(kKnownId), kBobToken, "",
                                            "Connection: close\r\n");
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(requests));  // one send: five requests
  const auto answers = client.read_responses(5);
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_EQ(answers[0].body, server.index().current()->lookup(kKnownId).json);
  EXPECT_EQ(answers[1].status, 200);
  EXPECT_EQ(answers[1].body, expected_precheck);
  EXPECT_EQ(answers[2].status, 404);
  EXPECT_EQ(answers[3].status, 401);
  EXPECT_EQ(answers[4].status, 200);
  EXPECT_NE(answers[4].head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(client.wait_closed(2000)) << "Connection: close is honoured";

  // The same bytes dribbled in pieces that cut lines, heads and bodies anywhere.
  RawClient pieces(server.port());
  ASSERT_TRUE(pieces.connected());
  for (size_t pos = 0; pos < requests.size(); pos += 37) {
    ASSERT_TRUE(pieces.send(requests.substr(pos, 37)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto again = pieces.read_responses(5);
  ASSERT_EQ(again.size(), 5u);
  for (size_t idx = 0; idx < 5; ++idx) {
    EXPECT_EQ(again[idx].status, answers[idx].status);
    EXPECT_EQ(again[idx].body, answers[idx].body);
  }
  // The log has the ten in order, each with its user.
  const auto lines = audit_lines(server, 10);
  ASSERT_EQ(lines.size(), 10u);
  const std::vector<std::string> users = {"alice", "bob", "alice", "-", "bob"};
  for (size_t idx = 0; idx < 10; ++idx) EXPECT_EQ(field(lines[idx], 1), users[idx % 5]) << lines[idx];
}

TEST(ServeHttp, ExpectContinueIsAnsweredBeforeTheBodyComes) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string body = "{\"id\": \"" + std::string(kKnownId) + "\", \"scheme\": \"employee\", \"region\": \"350203\"}";
  RawClient client(server.port());
  ASSERT_TRUE(client.send("POST /v1/precheck HTTP/1.1\r\nAuthorization: Bearer " + std::string(kAliceToken) +
                          "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  auto answers = client.read_responses(1);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 100);
  ASSERT_TRUE(client.send(body));
  answers = client.read_responses(1);
  ASSERT_EQ(answers.size(), 1u) << "one interim answer, then the final one";
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_EQ(answers[0].body, format_precheck_json(server.index().current()->precheck(
                                 *parse_precheck_request({kKnownId, "employee", "350203", "", ""}))));
}

TEST(ServeHttp, KeepAliveServesManyRequestsOnOneConnection) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  const httplib::Headers alice = {{"Authorization", std::string("Bearer ") + kAliceToken}};
  for (int idx = 0; idx < 20; ++idx) {
    auto response = client.Get("/v1/persons/" + std::string(kKnownId), alice);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_NE(response->get_header_value("Keep-Alive").find("timeout=5"), std::string::npos);
  }
  const auto lines = audit_lines(server, 20);
  ASSERT_EQ(lines.size(), 20u);
  std::set<std::string> clients;
  for (const std::string& line : lines) clients.insert(field(line, 2));
  EXPECT_EQ(clients.size(), 1u) << "one connection for all twenty";
}

TEST(ServeHttp, IdleKeepAliveConnectionsAreClosedAfterTheirTimeout) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index(), [](ServeOptions& options) { options.limits.keep_alive_timeout_ms = 300; });
  ASSERT_TRUE(server.ok()) << server.error();
  RawClient client(server.port());
  ASSERT_TRUE(client.send(http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken)));
  const auto answers = client.read_responses(1);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 200);
  const auto idle_from = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.wait_closed(3000));
  EXPECT_GE(std::chrono::steady_clock::now() - idle_from, std::chrono::milliseconds(250));
  RawClient silent(server.port());  // connected, never a byte: closed too, and not logged
  EXPECT_TRUE(silent.wait_closed(3000));
  EXPECT_EQ(audit_lines(server, 1).size(), 1u);
}

TEST(ServeHttp, TenThousandHeadersAreRefusedWithMemoryFlat) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  std::string flood = "GET /v1/persons/" + std::string(kKnownId) + " HTTP/1.1\r\nAuthorization: Bearer " +
                      kAliceToken + "\r\n";
  for (int idx = 0; idx < 10000; ++idx)
    flood += "X-Filler-" + std::to_string(idx) + ": " + std::string(80, 'a' + idx % 26) + "\r\n";
  flood += "\r\n";  // ~1 MB of head
  const long before = rss_kib(::getpid());
  for (int round = 0; round < 30; ++round) {
    RawClient client(server.port());
    ASSERT_TRUE(client.connected());
    client.send(flood);  // the server may stop reading and close early
    const auto answers = client.read_responses(1);
    ASSERT_EQ(answers.size(), 1u) << "round " << round;
    EXPECT_EQ(answers[0].status, 431);
    EXPECT_NE(answers[0].body.find("more than 64 header fields"), std::string::npos) << answers[0].body;
  }
  const long after = rss_kib(::getpid());
  // 30 MB of headers went in; the server kept at most one request's worth per connection.
  EXPECT_LT(after - before, 12 * 1024) << "RSS grew from " << before << " KiB to " << after << " KiB";
  // Still serving.
  httplib::Client client("127.0.0.1", server.port());
  auto response = client.Get("/v1/persons/" + std::string(kKnownId), {{"Authorization", std::string("Bearer ") + kAliceToken}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST(ServeHttp, OversizedBodiesAndHeadsAreRefused) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  const auto answer = [&](const std::string& bytes) {
    RawClient client(server.port());
    client.send(bytes);
    const auto answers = client.read_responses(1, 3000);
    return answers.empty() ? RawResponse{} : answers[0];
  };
  // Content-Length over the limit: 413 at once, without waiting for (or reading) the body.
  const auto started = std::chrono::steady_clock::now();
  RawResponse response = answer("POST /v1/precheck HTTP/1.1\r\nAuthorization: Bearer " + std::string(kAliceToken) +
                                "\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{");
  EXPECT_EQ(response.status, 413);
  EXPECT_NE(response.body.find("body larger than 65536 bytes"), std::string::npos) << response.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  response = answer(http_request("POST", "/v1/precheck", kAliceToken, "", "Transfer-Encoding: chunked\r\n") + "5\r\n{}{}{\r\n0\r\n\r\n");
  EXPECT_EQ(response.status, 411);
  response = answer("GET /v1/persons/" + std::string(9000, '1') + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(response.status, 414);
  response = answer("GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
  EXPECT_EQ(response.status, 431);
  EXPECT_NE(response.body.find("request head larger than 16384 bytes"), std::string::npos) << response.body;
  response = answer("GET / HTTP/1.1\nHost: x\n\n");
  EXPECT_EQ(response.status, 400);
  response = answer("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n");
  EXPECT_EQ(response.status, 400);
  response = answer("POST /v1/precheck HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}");
  EXPECT_EQ(response.status, 400);
  response = answer("GARBAGE\r\n\r\n");
  EXPECT_EQ(response.status, 400);
  // Each one logged.
  EXPECT_EQ(audit_lines(server, 8).size(), 8u) << server.audit();
}

TEST(ServeHttp, SlowClientDoesNotHoldAWorker) {
  REQUIRE_SAMPLE_INDEX();
  // One worker and a 1.5 s request deadline: a client sending a byte every 100 ms never gets the
  // worker, the others are answered meanwhile, and it gets 408 at its deadline.
  TestServer server(sample_index(), [](ServeOptions& options) {
    options.threads = 1;
    options.limits.request_timeout_ms = 1500;
  });
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string slow_request = http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken);
  std::atomic<int> slow_status{0};
  std::atomic<long> slow_ms{0};
  const auto started = std::chrono::steady_clock::now();
  std::thread slow([&] {
    RawClient client(server.port());
    std::vector<RawResponse> answers;
    for (const char c : slow_request) {  // a byte every 100 ms until an answer comes
      if (!client.send(std::string(1, c))) break;
      answers = client.read_responses(1, 100);
      if (!answers.empty()) break;
    }
    if (answers.empty()) answers = client.read_responses(1, 5000);
    slow_ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started).count());
    if (!answers.empty()) slow_status = answers[0].status;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers bob = {{"Authorization", std::string("Bearer ") + kBobToken}};
  for (int idx = 0; idx < 5; ++idx) {
    auto response = client.Get("/v1/persons/" + std::string(kKnownId), bob);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
  }
  // All five were answered while the slow client was still sending (its deadline is at 1.5 s):
  // had it held the one worker, the first of them would have waited for its 408.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1400));
  slow.join();
  EXPECT_EQ(slow_status.load(), 408);
  EXPECT_GE(slow_ms.load(), 1400);
  EXPECT_LT(slow_ms.load(), 4000);
  const auto lines = audit_lines(server, 6);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_NE(server.audit().find(" 408 "), std::string::npos);
}

TEST(ServeHttp, ConnectionsBeyondTheCapGet503) {
  REQUIRE_SAMPLE_INDEX();
  TestServer server(sample_index(), [](ServeOptions& options) { options.limits.max_connections = 3; });
  ASSERT_TRUE(server.ok()) << server.error();
  std::vector<std::unique_ptr<RawClient>> held;
  for (int idx = 0; idx < 3; ++idx) {
    held.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(held.back()->connected());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all three accepted
  RawClient extra(server.port());
  extra.send(http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken));
  auto answers = extra.read_responses(1);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 503);
  EXPECT_NE(answers[0].head.find("Retry-After: 1"), std::string::npos);
  // The held ones are served; one closed makes room.
  held[0]->send(http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken));
  answers = held[0]->read_responses(1);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 200);
  held.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawClient next(server.port());
  next.send(http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken));
  answers = next.read_responses(1);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_NE(server.audit().find(" - - 503 "), std::string::npos) << server.audit();
}

}  // namespace
}  // namespace canbao
