// `canbao serve` (issue #5): GET /v1/persons/{id} on loopback with a bearer token — 401 without
// or with a wrong one, 400 for an ID SPEC §2 rejects, 404 for an unknown person or path, 200 with
// the same JSON as `canbao query`; the access log never holds a full ID.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "canbao/serve/lookup_server.h"
#include "test_util.h"

namespace canbao {
namespace {

using testing::cli;
using testing::run_command;
using testing::shared_dir;
using testing::TempDir;
namespace fs = std::filesystem;

TEST(Serve, ConstantTimeEqualsComparesWholeSecrets) {
  EXPECT_TRUE(constant_time_equals("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3creT", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3cre", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3crets", "s3cret"));
  EXPECT_FALSE(constant_time_equals("", "s3cret"));
}

TEST(Serve, LogPathsCarryMaskedIdsOnly) {
  EXPECT_EQ(loggable_path("/v1/persons/350203198805208738"), "/v1/persons/350203********8738");
  EXPECT_EQ(loggable_path("/v1/persons/12345"), "/v1/persons/*****");
  EXPECT_EQ(loggable_path("/health"), "/health");
}

TEST(Serve, TokenFileIsTrimmedAndMustNotBeEmpty) {
  TempDir tmp;
  testing::write_file(tmp / "token", "  abc123\n");
  std::string token;
  ASSERT_TRUE(read_token_file(tmp / "token", token).ok());
  EXPECT_EQ(token, "abc123");
  testing::write_file(tmp / "empty", " \n");
  EXPECT_FALSE(read_token_file(tmp / "empty", token).ok());
  EXPECT_FALSE(read_token_file(tmp / "missing", token).ok());
}

TEST(Serve, AnswersOverHttpWithTokenAndStatusCodes) {
  const std::string city = testing::sample_city();
  if (!fs::exists(city + "/manifest.json")) GTEST_SKIP() << "shared/examples/sample-city not found";
  TempDir tmp;
  const auto run = run_command(cli() + " run " + city + "/manifest.json --out " + tmp / "out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto opened = LiveIndex::Open(tmp / "out.index");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  const std::unique_ptr<LiveIndex> index = std::move(opened).value();
  ServeOptions options;
  options.port = 0;
  options.token = "t0ken-for-tests";
  options.threads = 2;
  options.access_log = false;
  LookupServer server(*index, options);
  ASSERT_TRUE(server.bind().ok());
  std::thread listener([&server] { EXPECT_TRUE(server.listen().ok()); });

  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer t0ken-for-tests"}};
  const std::string id = "11010820030214587X";  // a sample-city person with a duplicate case

  auto response = client.Get("/v1/persons/" + id);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(response->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(response->body.find(id), std::string::npos);

  response = client.Get("/v1/persons/" + id, {{"Authorization", "Bearer t0ken-for-test"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);

  response = client.Get("/v1/persons/" + id, auth);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(response->body, index->current()->lookup(id).json);
  EXPECT_NE(response->body.find("\"duplicate_cases\": [{"), std::string::npos);

  response = client.Get("/v1/persons/350203198805208739", auth);  // bad check character
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("\"reason\": \"bad_checksum\""), std::string::npos);

  response = client.Get("/v1/persons/110101199003074477", auth);  // valid, not in the city
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);

  response = client.Get("/v2/other", auth);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);

  server.stop();
  listener.join();
}

}  // namespace
}  // namespace canbao
