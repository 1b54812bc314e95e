// Deploying `canbao serve` (issue #14): TLS on IPv4 and IPv6 with a self-signed certificate made
// at test time (no committed keys), plain HTTP refused on a TLS port, a key others can read
// refused; the CLI's one-line refusals (port range, non-loopback without TLS, open token files),
// a port another serve holds, SIGTERM → exit 0, `canbao serve-token`; the counter page driven in
// headless Chromium.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <regex>

#include "canbao/serve/lookup_server.h"
#include "canbao/serve/tokens.h"
#include "serve_test_util.h"

namespace canbao {
namespace {

using namespace serve_test;
using testing::cli;
using testing::non_empty_lines;
using testing::run_command;
using testing::write_file;
namespace fs = std::filesystem;

bool ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

/// A tokens file (0600) admitting alice and bob.
std::string tokens_file(const TempDir& tmp) {
  const std::string path = tmp / "tokens";
  write_file(path, "alice " + sha256_hex(kAliceToken) + "\nbob " + sha256_hex(kBobToken) + "\n");
  ::chmod(path.c_str(), 0600);
  return path;
}

TEST(ServeTls, AnswersOverTlsOnIpv4AndIpv6) {
  REQUIRE_SAMPLE_INDEX();
  TempDir certs;
  std::vector<std::string> hosts = {"127.0.0.1"};
  if (ipv6_loopback()) hosts.push_back("::1");
  for (const std::string& host : hosts) {
    const std::string cert = certs / (host + "-cert.pem"), key = certs / (host + "-key.pem");
    ASSERT_TRUE(make_test_certificate(cert, key, host)) << "openssl could not make a test certificate";
    TestServer server(sample_index(), [&](ServeOptions& options) {
      options.listen.host = host;
      options.tls_cert = cert;
      options.tls_key = key;
    });
    ASSERT_TRUE(server.ok()) << server.error();
    httplib::SSLClient client(host, server.port());
    client.set_ca_cert_path(cert.c_str());
    client.enable_server_certificate_verification(true);
    client.set_keep_alive(true);
    const httplib::Headers alice = {{"Authorization", std::string("Bearer ") + kAliceToken}};
    for (int idx = 0; idx < 3; ++idx) {  // keep-alive over one TLS session
      auto response = client.Get("/v1/persons/" + std::string(kKnownId), alice);
      ASSERT_TRUE(response) << host << ": " << httplib::to_string(response.error());
      EXPECT_EQ(response->status, 200);
      EXPECT_EQ(response->body, server.index().current()->lookup(kKnownId).json);
    }
    auto response = client.Post("/v1/precheck", alice,
                                "{\"id\": \"" + std::string(kKnownId) + "\", \"scheme\": \"resident\", \"region\": \"350200\"}",
                                "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_NE(response->body.find("\"decision\": \"deny\""), std::string::npos) << response->body;
    response = client.Get("/v1/persons/" + std::string(kKnownId));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401);

    // Plain HTTP to the TLS port: no answer, the connection closed.
    RawClient plain(server.port(), host);
    ASSERT_TRUE(plain.connected());
    plain.send(http_request("GET", "/v1/persons/" + std::string(kKnownId), kAliceToken));
    EXPECT_TRUE(plain.read_responses(1, 3000).empty());
    const std::string client_field = host == "::1" ? " [::1]:" : " 127.0.0.1:";
    const auto lines = non_empty_lines(server.audit());
    ASSERT_EQ(lines.size(), 5u) << server.audit();
    EXPECT_NE(lines[0].find(" alice" + client_field), std::string::npos) << lines[0];
    EXPECT_EQ(server.audit().find(kKnownId), std::string::npos);
  }
}

TEST(ServeTls, PipelinedRequestsOverTlsAreAnsweredInOrder) {
  REQUIRE_SAMPLE_INDEX();
  TempDir certs;
  const std::string cert = certs / "cert.pem", key = certs / "key.pem";
  ASSERT_TRUE(make_test_certificate(cert, key));
  TestServer server(sample_index(), [&](ServeOptions& options) {
    options.tls_cert = cert;
    options.tls_key = key;
  });
  ASSERT_TRUE(server.ok()) << server.error();
  // 1,000 requests in one go (~150 KB: more than the server reads ahead of a request, so it
  // picks the rest up from TLS as it answers), every tenth a known ID. The answers (~200 KB) wait
  // in the socket buffers until the whole batch is sent (one thread: an SSL object is not shared).
  std::string batch;
  for (int idx = 0; idx < 1000; ++idx)
    batch += http_request("GET", "/v1/persons/" + std::string(idx % 10 ? "110101199003074477" : kKnownId), kAliceToken);
  RawClient client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.start_tls());
  ASSERT_TRUE(client.send(batch));
  const auto answers = client.read_responses(1000, 20000);
  ASSERT_EQ(answers.size(), 1000u);
  const std::string known = server.index().current()->lookup(kKnownId).json;
  for (size_t idx = 0; idx < answers.size(); ++idx) {
    EXPECT_EQ(answers[idx].status, idx % 10 ? 404 : 200) << idx;
    if (idx % 10 == 0) {
      EXPECT_EQ(answers[idx].body, known) << idx;
    }
  }
}

TEST(ServeTls, RefusesAKeyOthersCanReadAndAForeignKey) {
  REQUIRE_SAMPLE_INDEX();
  TempDir certs;
  const std::string cert = certs / "cert.pem", key = certs / "key.pem";
  const std::string other_cert = certs / "other.pem", other_key = certs / "other-key.pem";
  ASSERT_TRUE(make_test_certificate(cert, key));
  ASSERT_TRUE(make_test_certificate(other_cert, other_key));
  ::chmod(key.c_str(), 0644);
  TestServer open_key(sample_index(), [&](ServeOptions& options) {
    options.tls_cert = cert;
    options.tls_key = key;
  });
  ASSERT_FALSE(open_key.ok());
  EXPECT_NE(open_key.error().find("--tls-key " + key + ": open to group or others (mode 0644)"), std::string::npos)
      << open_key.error();
  ::chmod(key.c_str(), 0600);
  TestServer mismatched(sample_index(), [&](ServeOptions& options) {
    options.tls_cert = cert;
    options.tls_key = other_key;
  });
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().find("is not the key of --tls-cert"), std::string::npos) << mismatched.error();
  TestServer not_a_cert(sample_index(), [&](ServeOptions& options) {
    options.tls_cert = key;
    options.tls_key = key;
  });
  ASSERT_FALSE(not_a_cert.ok());
  EXPECT_NE(not_a_cert.error().find("not a PEM certificate"), std::string::npos) << not_a_cert.error();
}

TEST(ServeCli, RefusesBadPortsAddressesAndOpenTokenFilesInOneLine) {
  REQUIRE_SAMPLE_INDEX();
  TempDir tmp;
  const std::string tokens = tokens_file(tmp);
  write_file(tmp / "open-tokens", testing::read_file(tokens));
  ::chmod((tmp / "open-tokens").c_str(), 0644);
  const std::string serve = cli() + " serve --index " + sample_index() + " ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--port 70000 --tokens-file " + tokens, "--port 70000 is not a port number (0-65535)"},
      {"--port -1 --tokens-file " + tokens, "is not a port number"},
      {"--port 80x --tokens-file " + tokens, "--port 80x is not a port number"},
      {"--listen 127.0.0.1:65536 --tokens-file " + tokens, "the port must be a number from 0 to 65535"},
      {"--listen 0.0.0.0:0 --tokens-file " + tokens, "refusing plain HTTP on 0.0.0.0:0"},
      {"--listen [::]:0 --tokens-file " + tokens, "refusing plain HTTP on [::]:0"},
      {"--listen localhost:8080 --tokens-file " + tokens, "not a numeric IPv4 address"},
      {"--listen 127.0.0.1:0 --port 0 --tokens-file " + tokens, "give --listen or --port, not both"},
      {"--port 0", "give --tokens-file"},
      {"--port 0 --tokens-file " + tokens + " --token-file " + tokens, "give --tokens-file"},
      {"--port 0 --tokens-file " + tmp / "open-tokens", "chmod 600"},
      {"--port 0 --tokens-file " + tmp / "none", "cannot read"},
      {"--port 0 --tokens-file " + tokens + " --tls-cert " + tmp / "cert.pem", "--tls-cert and --tls-key go together"},
      {"--port 0 --tokens-file " + tokens + " --request-timeout 0", "--request-timeout"},
  };
  for (const auto& [arguments, expected] : cases) {
    const auto result = run_command(serve + arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.output;
    const auto lines = non_empty_lines(result.output);
    ASSERT_EQ(lines.size(), 1u) << arguments << "\n" << result.output;
    EXPECT_EQ(lines[0].rfind("canbao: serve: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(expected), std::string::npos) << arguments << "\n" << lines[0];
  }
}

TEST(ServeCli, SecondServeOnTheSamePortFailsAndSigtermExitsZero) {
  REQUIRE_SAMPLE_INDEX();
  TempDir tmp;
  const std::string tokens = tokens_file(tmp);
  Child first({cli(), "serve", "--index", sample_index(), "--port", "0", "--tokens-file", tokens, "--audit-log",
               tmp / "audit.log"},
              tmp / "first.err");
  ASSERT_TRUE(first.wait_for_stderr("canbao serve: http://127.0.0.1:")) << first.stderr_text();
  const int port = first.port();
  ASSERT_GT(port, 0) << first.stderr_text();

  const auto second = run_command(cli() + " serve --index " + sample_index() + " --port " + std::to_string(port) +
                                  " --tokens-file " + tokens);
  EXPECT_EQ(second.exit_code, 1) << second.output;
  const auto lines = non_empty_lines(second.output);
  ASSERT_EQ(lines.size(), 1u) << second.output;
  EXPECT_NE(lines[0].find("cannot listen on 127.0.0.1:" + std::to_string(port) + ": the port is in use"),
            std::string::npos)
      << lines[0];

  // The first one still answers, and an idle keep-alive connection does not delay its stop.
  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/v1/persons/" + std::string(kKnownId), {{"Authorization", std::string("Bearer ") + kBobToken}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  RawClient idle(port);
  ASSERT_TRUE(idle.connected());
  const auto started = std::chrono::steady_clock::now();
  first.signal(SIGTERM);
  ASSERT_TRUE(first.exited(10000)) << "SIGTERM did not stop serve";
  EXPECT_EQ(first.exit_code(), 0) << first.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(idle.wait_closed(1000));
  const std::string audit = testing::read_file(tmp / "audit.log");
  EXPECT_NE(audit.find(" bob 127.0.0.1:"), std::string::npos) << audit;
  struct stat info {};
  ASSERT_EQ(::stat((tmp / "audit.log").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(ServeCli, SigtermDuringRequestsExitsZero) {
  REQUIRE_SAMPLE_INDEX();
  TempDir tmp;
  write_file(tmp / "token", "shared-token-for-tests\n");
  ::chmod((tmp / "token").c_str(), 0600);
  Child serve({cli(), "serve", "--index", sample_index(), "--listen", "127.0.0.1:0", "--token-file", tmp / "token",
               "--threads", "2"},
              tmp / "serve.err");
  ASSERT_TRUE(serve.wait_for_stderr("canbao serve: http://127.0.0.1:")) << serve.stderr_text();
  const int port = serve.port();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::thread load([&] {
    httplib::Client client("127.0.0.1", port);
    client.set_keep_alive(true);
    while (!stop) {
      auto response = client.Get("/v1/persons/" + std::string(kKnownId), {{"Authorization", "Bearer shared-token-for-tests"}});
      if (!response) break;
      if (response->status == 200) ++answered;
    }
  });
  while (answered < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  serve.signal(SIGTERM);
  ASSERT_TRUE(serve.exited(10000));
  stop = true;
  load.join();
  EXPECT_EQ(serve.exit_code(), 0) << serve.stderr_text();
  // The single shared token is logged as its own user; the log went to stderr.
  EXPECT_NE(serve.stderr_text().find(" token-file 127.0.0.1:"), std::string::npos);
}

TEST(ServeCli, ServeTokenPrintsTheTokenOnceAndItsLine) {
  TempDir tmp;
  const auto made = run_command("(" + cli() + " serve-token counter.7 2>/dev/null)");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto lines = non_empty_lines(made.output);
  ASSERT_EQ(lines.size(), 2u) << made.output;
  const std::string& token = lines[0];
  EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9_-]{43}"))) << token;
  EXPECT_EQ(lines[1], "counter.7\t" + sha256_hex(token));
  write_file(tmp / "tokens", lines[1] + "\n");
  ::chmod((tmp / "tokens").c_str(), 0600);
  auto store = TokenStore::load_tokens_file(tmp / "tokens");
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(store->authenticate(token).value_or("?"), "counter.7");
  const auto bad = run_command(cli() + " serve-token 'two words'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(non_empty_lines(bad.output).size(), 1u) << bad.output;
}

TEST(CounterPage, LooksUpAndPrechecksInHeadlessChromium) {
  REQUIRE_SAMPLE_INDEX();
  const std::string chromium = testing::find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "Chromium is not installed (scripts/deps.sh installs Debian's `chromium`): the counter page was "
                    "not driven in a browser";
  TestServer server(sample_index());
  ASSERT_TRUE(server.ok()) << server.error();
  TempDir profile;
  const std::string flags = " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
                            "--disable-extensions --user-data-dir=" + profile.path() + " --virtual-time-budget=15000 ";
  // The fragment fills the form and runs the lookup and the pre-check; it never reaches the server.
  const std::string url = "'http://127.0.0.1:" + std::to_string(server.port()) + "/#id=" + kKnownId +
                          "&token=" + kAliceToken + "&scheme=resident&region=350200&run=1'";
  const auto dom = run_command(chromium + flags + "--dump-dom " + url + " 2>/dev/null");
  ASSERT_EQ(dom.exit_code, 0) << dom.output.substr(0, 2000);
  const std::string& html = dom.output;
  EXPECT_NE(html.find("data-done=\"1\""), std::string::npos) << html.substr(0, 4000);
  // The person: insured, the two normal records, the resident duplicate case.
  EXPECT_NE(html.find("data-token=\"insured\""), std::string::npos) << html.substr(0, 6000);
  EXPECT_NE(html.find("已参保 insured"), std::string::npos);
  EXPECT_NE(html.find("XM26601222"), std::string::npos);
  EXPECT_NE(html.find("NP110108920231"), std::string::npos);
  EXPECT_NE(html.find("exempt_freshman"), std::string::npos);
  // The pre-check: what `canbao precheck` says for the same request.
  const PrecheckAnswer answer =
      server.index().current()->precheck(*parse_precheck_request({kKnownId, "resident", "350200", "", ""}));
  EXPECT_NE(html.find("data-token=\"" + std::string(precheck_decision_name(answer.decision)) + "\""), std::string::npos);
  EXPECT_NE(html.find(std::string(answer.reason)), std::string::npos);
  // The browser's requests are in the log, the ID masked, the token nowhere.
  const std::string audit = server.audit();
  EXPECT_NE(audit.find(" alice 127.0.0.1:"), std::string::npos) << audit;
  EXPECT_NE(audit.find(" GET /v1/persons/110108********587X 200 "), std::string::npos) << audit;
  EXPECT_NE(audit.find(" POST /v1/precheck 200 "), std::string::npos) << audit;
  EXPECT_EQ(audit.find(kKnownId), std::string::npos) << audit;
  EXPECT_EQ(audit.find(kAliceToken), std::string::npos) << audit;

  // A wrong token shows the 401 line, not a person.
  const std::string wrong = "'http://127.0.0.1:" + std::to_string(server.port()) + "/counter#id=" + kKnownId +
                            "&token=nope&region=350200&run=1'";
  const auto refused = run_command(chromium + flags + "--dump-dom " + wrong + " 2>/dev/null");
  ASSERT_EQ(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("data-status=\"401\""), std::string::npos) << refused.output.substr(0, 4000);
  EXPECT_EQ(refused.output.find("XM26601222"), std::string::npos);
}

}  // namespace
}  // namespace canbao
