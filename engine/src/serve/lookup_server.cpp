#include "canbao/serve/lookup_server.h"

#include <httplib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "canbao/core/text.h"

namespace canbao {

namespace {

constexpr std::string_view kPersonsPrefix = "/v1/persons/";

std::string error_json(std::string_view error) {
  std::string json = "{\"error\": ";
  append_json_string(json, error);
  json += "}";
  return json;
}

}  // namespace

Status read_token_file(const std::string& path, std::string& token) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read token file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  token = std::string(trim_space(buffer.str()));
  if (token.empty()) return Status::Error(path + ": token file is empty");
  return Status::OK();
}

bool constant_time_equals(std::string_view presented, std::string_view expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t idx = 0; idx < expected.size(); ++idx) {
    const unsigned char have = idx < presented.size() ? static_cast<unsigned char>(presented[idx]) : 0;
    diff |= static_cast<unsigned char>(have ^ static_cast<unsigned char>(expected[idx]));
  }
  return diff == 0;
}

std::string loggable_path(std::string_view path) {
  if (path.substr(0, kPersonsPrefix.size()) != kPersonsPrefix) return std::string(path.substr(0, 64));
  return std::string(kPersonsPrefix) + mask_id(path.substr(kPersonsPrefix.size(), 64));
}

struct LookupServer::Impl {
  const LiveIndex& index;
  ServeOptions options;
  httplib::Server server;
  std::mutex log_mutex;
};

LookupServer::LookupServer(const LiveIndex& index, ServeOptions options)
    : impl_(new Impl{index, std::move(options), {}, {}}) {
  Impl& impl = *impl_;
  // cpp-httplib serves a keep-alive connection on one pool thread until it closes, so the pool
  // bounds the connections served at once: 64 by default (threads mostly wait on sockets).
  const int threads = impl.options.threads > 0 ? impl.options.threads : 64;
  impl.server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  impl.server.set_keep_alive_max_count(100000);
  impl.server.set_tcp_nodelay(true);  // small JSON answers: no Nagle / delayed-ACK stalls (~40 ms)
  // Every request: bearer token first, then the route.
  impl.server.set_pre_routing_handler([&impl](const httplib::Request& request, httplib::Response& response) {
    const std::string auth = request.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    const bool ok = auth.size() > kBearer.size() && std::string_view(auth).substr(0, kBearer.size()) == kBearer &&
                    constant_time_equals(std::string_view(auth).substr(kBearer.size()), impl.options.token);
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    response.status = 401;
    response.set_header("WWW-Authenticate", "Bearer");
    response.set_content(error_json("missing or wrong bearer token"), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  impl.server.Get(R"(/v1/persons/([^/]*))", [&impl](const httplib::Request& request, httplib::Response& response) {
    const PersonAnswer answer = impl.index.current()->lookup(request.matches[1].str());
    response.status = !answer.valid ? 400 : !answer.found ? 404 : 200;
    response.set_content(answer.json, "application/json");
  });
  impl.server.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.body.empty())
      response.set_content(error_json(response.status == 404 ? "no such resource: use GET /v1/persons/{id}"
                                                             : "HTTP " + std::to_string(response.status)),
                           "application/json");
  });
  if (impl.options.access_log) {
    impl.server.set_logger([&impl](const httplib::Request& request, const httplib::Response& response) {
      const std::string line = request.method + " " + loggable_path(request.path) + " " + std::to_string(response.status) + "\n";
      std::lock_guard<std::mutex> lock(impl.log_mutex);
      std::fputs(line.c_str(), stderr);
    });
  }
}

LookupServer::~LookupServer() = default;

Status LookupServer::bind() {
  if (impl_->options.token.empty()) return Status::Error("serve: an empty bearer token is not allowed");
  if (impl_->options.port == 0) {
    port_ = impl_->server.bind_to_any_port("127.0.0.1");
  } else {
    port_ = impl_->server.bind_to_port("127.0.0.1", impl_->options.port) ? impl_->options.port : -1;
  }
  if (port_ <= 0)
    return Status::Error("serve: cannot bind 127.0.0.1:" + std::to_string(impl_->options.port) + ": " +
                         std::strerror(errno));
  return Status::OK();
}

Status LookupServer::listen() {
  if (!impl_->server.listen_after_bind()) return Status::Error("serve: the listener stopped with an error");
  return Status::OK();
}

void LookupServer::stop() { impl_->server.stop(); }

}  // namespace canbao
