#include "canbao/serve/lookup_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include "canbao/core/text.h"
#include "counter_page.h"
#include "http_connections.h"

namespace canbao {

namespace {

std::string error_json(std::string_view error) {
  std::string json = "{\"error\": ";
  append_json_string(json, error);
  json += "}";
  return json;
}

void answer_error(httplib::Response& response, int status, std::string_view error) {
  response.status = status;
  response.set_content(error_json(error), "application/json");
}

/// What the pre-routing handler and the logger of one request share (a worker answers one
/// request at a time, so a thread_local holds the one under way).
struct RequestState {
  std::string user;
  int status = 0;
};
thread_local RequestState* t_request = nullptr;

/// cpp-httplib's parsing and routing, run by the connection layer on one buffered request.
class Router : public httplib::Server {
 public:
  bool process(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return process_request(stream, close_connection, connection_closed, nullptr);
  }
};

bool is_json_content_type(std::string_view type) {
  type = trim_ascii(type.substr(0, type.find(';')));
  constexpr std::string_view kJson = "application/json";
  if (type.size() != kJson.size()) return false;
  for (size_t idx = 0; idx < type.size(); ++idx)
    if (std::tolower(static_cast<unsigned char>(type[idx])) != kJson[idx]) return false;
  return true;
}

/// The POST /v1/precheck body as the text fields `canbao precheck` takes, or one line for a 400.
/// simdjson's On-Demand API, as the rest of the engine (its DOM parser's layout did not match
/// Debian's library: it crashed at thread exit and read a bogus pointer under UBSan).
Result<std::array<std::string, 5>> parse_precheck_body(std::string_view body) {
  namespace od = simdjson::ondemand;
  constexpr std::string_view kShape = "{\"id\", \"scheme\", \"region\", \"date\"?, \"start\"?}";
  if (trim_ascii(body).empty()) return Status::Error("empty body: expected a JSON object " + std::string(kShape));
  const auto malformed = [](simdjson::error_code error) {
    return Status::Error(std::string("body is not valid JSON: ") + simdjson::error_message(error));
  };
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document document;
  if (const auto error = parser.iterate(padded).get(document); error) return malformed(error);
  od::object object;
  if (const auto error = document.get_object().get(object); error) {
    if (error == simdjson::INCORRECT_TYPE) return Status::Error("body must be a JSON object " + std::string(kShape));
    return malformed(error);
  }
  static constexpr std::array<std::string_view, 5> kFields = {"id", "scheme", "region", "date", "start"};
  std::array<std::string, 5> fields;
  std::array<bool, 5> seen{};
  for (auto entry : object) {
    od::field field;
    if (const auto error = std::move(entry).get(field); error) return malformed(error);
    std::string_view key;
    if (const auto error = field.unescaped_key().get(key); error) return malformed(error);
    const auto known = std::find(kFields.begin(), kFields.end(), key);
    if (known == kFields.end()) {
      std::string shown;
      append_json_string(shown, key.substr(0, 40));
      return Status::Error("unknown field " + shown + " (the fields are id, scheme, region, date, start)");
    }
    const size_t slot = static_cast<size_t>(known - kFields.begin());
    if (seen[slot]) return Status::Error("field \"" + std::string(key) + "\" given twice");
    seen[slot] = true;
    od::value value = field.value();
    bool null = false;
    if (const auto error = value.is_null().get(null); error) return malformed(error);
    if (null && slot >= 3) continue;  // date/start null: the default
    std::string_view text;
    if (const auto error = value.get_string().get(text); error) {
      if (error == simdjson::INCORRECT_TYPE) return Status::Error("field \"" + std::string(key) + "\" must be a string");
      return malformed(error);
    }
    fields[slot] = std::string(text);
  }
  const char* rest = nullptr;
  if (document.current_location().get(rest) != simdjson::OUT_OF_BOUNDS)  // OUT_OF_BOUNDS: all read
    return Status::Error("body is not valid JSON: more after the object");
  for (size_t slot = 0; slot < 3; ++slot)
    if (!seen[slot]) return Status::Error("missing field \"" + std::string(kFields[slot]) + "\"");
  return fields;
}

bool valid_port(int port) { return port >= 0 && port <= 65535; }

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const std::string shown(text);
  std::string_view host, port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Status::Error("--listen " + shown + ": expected [IPv6]:PORT, e.g. [::1]:8443");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    in6_addr probe{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &probe) != 1)
      return Status::Error("--listen " + shown + ": '" + std::string(host) + "' is not an IPv6 address");
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return Status::Error("--listen " + shown + ": expected ADDR:PORT, e.g. 127.0.0.1:8443 or [::1]:8443");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    in_addr probe{};
    if (host.find(':') != std::string_view::npos)
      return Status::Error("--listen " + shown + ": put an IPv6 address in brackets, e.g. [::1]:8443");
    if (::inet_pton(AF_INET, std::string(host).c_str(), &probe) != 1)
      return Status::Error("--listen " + shown + ": '" + std::string(host) +
                           "' is not a numeric IPv4 address (host names are not looked up)");
  }
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string_view::npos ||
      !valid_port(std::stoi(std::string(port_text))))
    return Status::Error("--listen " + shown + ": the port must be a number from 0 to 65535");
  ListenAddress address;
  address.host = std::string(host);
  address.port = std::stoi(std::string(port_text));
  return address;
}

std::string format_listen_address(const ListenAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

bool is_loopback_address(std::string_view host) {
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

Status check_serve_options(const ServeOptions& options) {
  if (!valid_port(options.listen.port))
    return Status::Error("serve: port " + std::to_string(options.listen.port) + " is out of range (0-65535)");
  if (options.tls_cert.empty() != options.tls_key.empty())
    return Status::Error("serve: --tls-cert and --tls-key go together (the certificate and its private key)");
  if (options.tls_cert.empty() && !options.insecure && !is_loopback_address(options.listen.host))
    return Status::Error("serve: refusing plain HTTP on " + format_listen_address(options.listen) +
                         ", which is not a loopback address: give --tls-cert and --tls-key (or --insecure "
                         "behind a TLS proxy on a trusted network)");
  if (options.tokens.empty()) return Status::Error("serve: no bearer token: give --tokens-file (or --token-file)");
  const ServeLimits& limits = options.limits;
  if (limits.max_headers == 0 || limits.max_head_bytes < 256 || limits.request_timeout_ms <= 0 ||
      limits.keep_alive_timeout_ms <= 0 || limits.write_timeout_ms <= 0 || limits.max_connections == 0 ||
      limits.max_requests_per_connection == 0)
    return Status::Error("serve: a limit is zero or too small (headers, head bytes, timeouts, connections)");
  if (options.threads < 0) return Status::Error("serve: --threads must not be negative");
  return Status::OK();
}

struct LookupServer::Impl {
  const LiveIndex& index;
  ServeOptions options;
  Router router;
  std::unique_ptr<serve_internal::Connections> connections;
  std::atomic<bool> stop_requested{false};

  Impl(const LiveIndex& live, ServeOptions serve_options) : index(live), options(std::move(serve_options)) {}

  void routes() {
    // Every answer: not cached (person data), not sniffed.
    router.set_default_headers({{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});
    router.set_payload_max_length(options.limits.max_body_bytes);
    router.set_keep_alive_max_count(options.limits.max_requests_per_connection);
    router.set_keep_alive_timeout(std::max(1, options.limits.keep_alive_timeout_ms / 1000));
    // The bearer token before any route: 401 without a user's token. The counter page itself
    // holds no data and is the one thing a browser can open without one.
    router.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
      const bool page = (request.method == "GET" || request.method == "HEAD") &&
                        (request.path == "/" || request.path == "/counter");
      if (page) return httplib::Server::HandlerResponse::Unhandled;
      const auto user = options.tokens.authenticate_header(request.get_header_value("Authorization"));
      if (user) {
        if (t_request) t_request->user = std::string(*user);
        return httplib::Server::HandlerResponse::Unhandled;
      }
      response.set_header("WWW-Authenticate", "Bearer");
      answer_error(response, 401, "missing or wrong bearer token");
      return httplib::Server::HandlerResponse::Handled;
    });
    const auto page = [](const httplib::Request&, httplib::Response& response) {
      response.set_header("Content-Security-Policy",
                          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                          "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                          "frame-ancestors 'none'");
      response.set_header("Referrer-Policy", "no-referrer");
      response.set_content(std::string(counter_page_html()), "text/html; charset=utf-8");
    };
    router.Get("/", page);
    router.Get("/counter", page);
    router.Get(R"(/v1/persons/([^/]*))", [this](const httplib::Request& request, httplib::Response& response) {
      const PersonAnswer answer = index.current()->lookup(request.matches[1].str());
      response.status = !answer.valid ? 400 : !answer.found ? 404 : 200;
      response.set_content(answer.json, "application/json");
    });
    // SPEC §8 over HTTP: the same parse → precheck → format as `canbao precheck`.
    router.Post("/v1/precheck", [this](const httplib::Request& request, httplib::Response& response) {
      if (request.has_header("Content-Type") && !is_json_content_type(request.get_header_value("Content-Type")))
        return answer_error(response, 415, "Content-Type must be application/json");
      auto fields = parse_precheck_body(request.body);
      if (!fields.ok()) return answer_error(response, 400, fields.status().message());
      const auto& text = *fields;
      auto parsed = parse_precheck_request({text[0], text[1], text[2], text[3], text[4]});
      if (!parsed.ok()) return answer_error(response, 400, parsed.status().message());
      const PrecheckAnswer answer = index.current()->precheck(std::move(parsed).value());
      response.set_content(format_precheck_json(answer), "application/json");
    });
    router.Get("/v1/precheck", [](const httplib::Request&, httplib::Response& response) {
      response.set_header("Allow", "POST");
      answer_error(response, 405, "use POST /v1/precheck with a JSON body");
    });
    router.set_error_handler([](const httplib::Request&, httplib::Response& response) {
      if (response.body.empty())
        answer_error(response, response.status,
                     response.status == 404 ? "no such resource: GET /v1/persons/{id}, POST /v1/precheck, GET /"
                                            : "HTTP " + std::to_string(response.status));
    });
    router.set_logger([](const httplib::Request&, const httplib::Response& response) {
      if (t_request) t_request->status = response.status;
    });
  }

  serve_internal::Answer handle(httplib::Stream& stream, const serve_internal::Request& request) {
    RequestState state;
    t_request = &state;
    bool connection_closed = false;
    const bool ok = router.process(stream, request.last, connection_closed);
    t_request = nullptr;
    return {state.status, std::move(state.user), !ok || connection_closed};
  }
};

LookupServer::LookupServer(const LiveIndex& index, ServeOptions options)
    : impl_(std::make_unique<Impl>(index, std::move(options))) {
  impl_->routes();
}

LookupServer::~LookupServer() = default;

Status LookupServer::bind() {
  CANBAO_RETURN_IF_ERROR(check_serve_options(impl_->options));
  serve_internal::Connections::Config config;
  config.listen = impl_->options.listen;
  config.tls_cert = impl_->options.tls_cert;
  config.tls_key = impl_->options.tls_key;
  config.limits = impl_->options.limits;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.threads = impl_->options.threads > 0 ? impl_->options.threads : std::max(4, 2 * cores);
  config.audit = impl_->options.audit;
  impl_->connections = std::make_unique<serve_internal::Connections>(
      std::move(config), [impl = impl_.get()](httplib::Stream& stream, const serve_internal::Request& request) {
        return impl->handle(stream, request);
      });
  return impl_->connections->bind();
}

int LookupServer::port() const { return impl_->connections ? impl_->connections->port() : 0; }

std::string LookupServer::url() const {
  ListenAddress bound = impl_->options.listen;
  bound.port = port();
  return std::string(impl_->connections && impl_->connections->tls() ? "https://" : "http://") +
         format_listen_address(bound);
}

Status LookupServer::listen() {
  if (!impl_->connections) return Status::Error("serve: listen() before a successful bind()");
  if (impl_->stop_requested) impl_->connections->stop();
  return impl_->connections->run();
}

void LookupServer::stop() {
  impl_->stop_requested = true;
  if (impl_->connections) impl_->connections->stop();
}

}  // namespace canbao
