#include "daemon/http/server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace vsrd::daemon::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// How long closing after an error answer waits for the peer to stop sending (see
// LingeringClose).
constexpr auto kLingerTimeout = std::chrono::seconds(1);
// After an accept error (out of file descriptors), wait this long before accepting again
// instead of spinning on the error.
constexpr auto kAcceptPause = std::chrono::milliseconds(50);

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

Response TextResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = std::string(kTextPlain);
  response.body = std::move(body);
  return response;
}

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text`; nullopt on a malformed escape (a server must not guess what "%zz"
// meant).
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Fills request.path and request.query from a request target. False with `problem` set when
// the target is refused (see Server's contract).
bool ParseTarget(std::string_view target, Request& request, std::string& problem) {
  if (target.empty() || target.front() != '/') {
    problem = "the request target must be an absolute path such as /status";
    return false;
  }
  if (target.find('#') != std::string_view::npos) {
    problem = "the request target must not contain a fragment";
    return false;
  }
  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  const std::string_view raw_query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  std::string path;
  std::size_t start = 1;  // after the leading '/'
  for (;;) {
    const std::size_t slash = raw_path.find('/', start);
    const std::string_view raw_segment = raw_path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const auto segment = PercentDecode(raw_segment, false);
    if (!segment) {
      problem = "the request path has a malformed %-escape";
      return false;
    }
    if (std::any_of(segment->begin(), segment->end(), IsControl)) {
      problem = "the request path must not contain control characters";
      return false;
    }
    if (segment->find('/') != std::string::npos) {
      problem = "the request path must not contain an encoded '/'";
      return false;
    }
    if (*segment == "." || *segment == "..") {
      problem = "the request path must not contain \".\" or \"..\" segments";
      return false;
    }
    path += '/';
    path += *segment;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }

  std::map<std::string, std::string> query;
  std::size_t begin = 0;
  while (!raw_query.empty()) {
    const std::size_t amp = raw_query.find('&', begin);
    const std::string_view part = raw_query.substr(
        begin, amp == std::string_view::npos ? std::string_view::npos : amp - begin);
    if (!part.empty()) {
      const std::size_t equals = part.find('=');
      const auto key = PercentDecode(part.substr(0, equals), true);
      const auto value = equals == std::string_view::npos
                             ? std::optional<std::string>(std::string())
                             : PercentDecode(part.substr(equals + 1), true);
      if (!key || !value) {
        problem = "the request query has a malformed %-escape";
        return false;
      }
      if (std::any_of(key->begin(), key->end(), IsControl) ||
          std::any_of(value->begin(), value->end(), IsControl)) {
        problem = "the request query must not contain control characters";
        return false;
      }
      query[*key] = *value;
    }
    if (amp == std::string_view::npos) break;
    begin = amp + 1;
  }
  request.path = std::move(path);
  request.query = std::move(query);
  return true;
}

BeastResponse ToBeastResponse(const Response& response, unsigned version, bool keep_alive) {
  const int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
  BeastResponse out{static_cast<bhttp::status>(status), version};
  out.set(bhttp::field::server, "vsrd");
  out.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) out.insert(name, value);
  const bool no_body = status < 200 || status == 204 || status == 304;
  if (!no_body) out.body() = response.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// The answer to a request that could not be read, or nullopt when there is nobody to answer
// (the peer left, the read timed out, a socket error).
std::optional<Response> AnswerToReadError(const ErrorCode& error) {
  if (error == bhttp::error::body_limit) {
    return TextResponse(413, "request body too large\n");
  }
  if (error == bhttp::error::header_limit) {
    return TextResponse(431, "request header fields too large\n");
  }
  if (error == bhttp::error::end_of_stream || error == bhttp::error::partial_message ||
      error == bhttp::error::short_read) {
    return std::nullopt;
  }
  if (error.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
    return TextResponse(400, fmt::format("malformed HTTP request: {}\n", error.message()));
  }
  return std::nullopt;
}

// Closes after an error answer while the peer may still be sending (the rest of an oversized
// body): closing with unread bytes would send a RST that can destroy the answer in flight, so
// send FIN first and discard what arrives until the peer closes or kLingerTimeout passes.
net::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  ErrorCode ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);  // one deadline for all the reads below
  std::array<char, std::size_t{4} * 1024> scratch{};
  for (;;) {
    const auto [error, bytes] = co_await stream.async_read_some(net::buffer(scratch), kUseTuple);
    if (error) break;
  }
  stream.close();
}

std::string LowerFirst(std::string text) {
  if (!text.empty()) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return text;
}

}  // namespace

std::optional<ListenAddress> ParseListenAddress(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  bool bracketed = false;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    bracketed = true;
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs brackets
  }
  if (!bracketed && host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const auto [end, parse_error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || parse_error != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return std::nullopt;
  }
  ErrorCode error;
  const net::ip::address ip = net::ip::make_address(std::string(host), error);
  if (error || ip.is_v6() != bracketed) return std::nullopt;
  return ListenAddress{ip.to_string(), static_cast<unsigned short>(port), ip.is_v6()};
}

std::string FormatListenAddress(const ListenAddress& address) {
  if (address.v6) return fmt::format("[{}]:{}", address.host, address.port);
  return fmt::format("{}:{}", address.host, address.port);
}

class Server::Impl {
 public:
  Impl(const std::string& listen, Handler handler, ServerOptions options,
       std::shared_ptr<spdlog::logger> logger);
  ~Impl() {
    try {
      Stop();
    } catch (const std::exception& error) {
      // Only a failing mutex or join gets here; a destructor must not throw.
      logger_->error("http: stopping the server failed: {}", error.what());
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void Start();
  void Stop();
  unsigned short Port() const { return endpoint_.port(); }
  std::string Address() const {
    return FormatListenAddress(
        {endpoint_.address().to_string(), endpoint_.port(), endpoint_.address().is_v6()});
  }

 private:
  enum class Role { kServing, kRejecting };

  // Registers a connection's stream for Stop while its coroutine runs. Everything it touches
  // is used on the io thread only.
  class Tracked {
   public:
    Tracked(Impl& impl, beast::tcp_stream& stream, Role role)
        : impl_(impl), stream_(&stream), role_(role) {
      impl_.streams_.insert(stream_);
      ++(role_ == Role::kServing ? impl_.serving_ : impl_.rejecting_);
    }
    ~Tracked() {
      impl_.streams_.erase(stream_);
      --(role_ == Role::kServing ? impl_.serving_ : impl_.rejecting_);
    }
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;

   private:
    Impl& impl_;
    beast::tcp_stream* stream_;
    Role role_;
  };

  void Spawn(net::awaitable<void> task);
  net::awaitable<void> Accept();
  net::awaitable<void> Serve(tcp::socket socket);
  net::awaitable<void> Reject(tcp::socket socket);
  Response Call(const Request& request);
  void CloseAll();

  Handler handler_;
  ServerOptions options_;
  std::shared_ptr<spdlog::logger> logger_;

  // Used on the io thread only once Start() ran.
  std::set<beast::tcp_stream*> streams_;
  std::size_t serving_ = 0;
  std::size_t rejecting_ = 0;
  bool stopping_ = false;
  bool overflow_logged_ = false;

  std::mutex control_mutex_;  // Start/Stop
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;

  // Declared after everything the coroutines use: Stop() lets every coroutine finish before
  // the thread is joined, and any frame left (none when Start never ran) is destroyed by
  // ~io_context while those members still exist.
  net::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  tcp::endpoint endpoint_;
};

Server::Impl::Impl(const std::string& listen, Handler handler, ServerOptions options,
                   std::shared_ptr<spdlog::logger> logger)
    : handler_(std::move(handler)), options_(options), logger_(std::move(logger)) {
  if (!logger_) logger_ = std::make_shared<spdlog::logger>("http");  // no sinks: silent
  const auto address = ParseListenAddress(listen);
  if (!address) {
    throw std::runtime_error(fmt::format(
        "listen {}: not an address such as 127.0.0.1:9464, [::1]:9464 or localhost:9464", listen));
  }
  ErrorCode error;
  const tcp::endpoint endpoint(net::ip::make_address(address->host), address->port);
  acceptor_.open(endpoint.protocol(), error);
  // SO_REUSEADDR: a restarted daemon must bind while its old connections sit in TIME_WAIT.
  if (!error) acceptor_.set_option(net::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(net::socket_base::max_listen_connections, error);
  if (!error) endpoint_ = acceptor_.local_endpoint(error);
  if (error) {
    ErrorCode ignored;
    acceptor_.close(ignored);
    throw std::runtime_error(fmt::format("listen {}: {}", listen, LowerFirst(error.message())));
  }
}

void Server::Impl::Start() {
  const std::lock_guard lock(control_mutex_);
  if (started_ || stopped_) return;
  started_ = true;
  Spawn(Accept());
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& error) {
      logger_->error("http: server thread ended by an exception: {}", error.what());
    }
  });
}

void Server::Impl::Stop() {
  const std::lock_guard lock(control_mutex_);
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    net::post(io_, [this] { CloseAll(); });
    thread_.join();
  } else {
    ErrorCode ignored;
    acceptor_.close(ignored);
  }
}

void Server::Impl::CloseAll() {
  stopping_ = true;
  ErrorCode ignored;
  acceptor_.close(ignored);
  // Each pending operation completes with operation_aborted and its coroutine ends; io_.run()
  // then runs out of work and the thread ends.
  for (beast::tcp_stream* stream : streams_) stream->close();
}

void Server::Impl::Spawn(net::awaitable<void> task) {
  net::co_spawn(io_, std::move(task), [logger = logger_](const std::exception_ptr& failure) {
    // A bug or resource exhaustion in one connection ends that connection, not the server.
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      logger->error("http: connection ended by an exception: {}", error.what());
    } catch (...) {
      logger->error("http: connection ended by an unknown exception");
    }
  });
}

net::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (stopping_ || !acceptor_.is_open()) co_return;
    if (error) {
      logger_->warn("http: accept failed: {}", error.message());
      net::steady_timer pause(io_, kAcceptPause);
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    if (serving_ < options_.max_connections) {
      overflow_logged_ = false;
      Spawn(Serve(std::move(socket)));
    } else if (rejecting_ < options_.max_connections) {
      if (!overflow_logged_) {
        logger_->warn("http: {} connections open, the limit; answering 503 to new ones", serving_);
        overflow_logged_ = true;
      }
      Spawn(Reject(std::move(socket)));
    } else {
      ErrorCode ignored;
      socket.close(ignored);
    }
  }
}

net::awaitable<void> Server::Impl::Reject(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const Tracked tracked(*this, stream, Role::kRejecting);
  if (stopping_) co_return;
  Response answer = TextResponse(503, "too many connections\n");
  answer.headers.emplace_back("Retry-After", "1");
  BeastResponse response = ToBeastResponse(answer, 11, false);
  stream.expires_after(options_.write_timeout);
  const auto [error, bytes] = co_await bhttp::async_write(stream, response, kUseTuple);
  if (!error) co_await LingeringClose(stream);
}

Response Server::Impl::Call(const Request& request) {
  try {
    return handler_(request);
  } catch (const std::exception& error) {
    logger_->error("http: {} {} failed: {}", request.method, request.path, error.what());
  } catch (...) {
    logger_->error("http: {} {} failed with an unknown exception", request.method, request.path);
  }
  return TextResponse(500, "internal server error\n");
}

net::awaitable<void> Server::Impl::Serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  const Tracked tracked(*this, stream, Role::kServing);
  beast::flat_buffer buffer;
  const auto header_limit = static_cast<std::uint32_t>(
      std::min<std::size_t>(options_.header_limit, std::numeric_limits<std::uint32_t>::max()));
  while (!stopping_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(options_.body_limit);

    // One deadline for the idle wait and the whole request.
    stream.expires_after(options_.read_timeout);
    auto [error, bytes] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
    const auto started = std::chrono::steady_clock::now();
    if (!error && !parser.is_done() &&
        beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      // curl and others wait for this before sending a body.
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, parser.get().version()};
      std::tie(error, bytes) = co_await bhttp::async_write(stream, go_on, kUseTuple);
      if (error) co_return;
    }
    if (!error && !parser.is_done()) {
      std::tie(error, bytes) = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
    }
    if (error) {
      if (stopping_) co_return;
      const std::optional<Response> answer = AnswerToReadError(error);
      if (!answer) co_return;
      logger_->debug("http: refused a request: {} -> {}", error.message(), answer->status);
      BeastResponse response = ToBeastResponse(*answer, 11, false);
      stream.expires_after(options_.write_timeout);
      std::tie(error, bytes) = co_await bhttp::async_write(stream, response, kUseTuple);
      if (!error) co_await LingeringClose(stream);
      co_return;
    }

    BeastRequest message = parser.release();
    const unsigned version = message.version();
    const bool head = message.method() == bhttp::verb::head;
    bool keep_alive = message.keep_alive();
    Request request;
    std::string problem;
    Response response;
    if (ParseTarget(message.target(), request, problem)) {
      request.method = head ? "GET" : std::string(message.method_string());
      request.body = std::move(message.body());
      response = Call(request);
    } else {
      request.method = std::string(message.method_string());
      request.path = "(refused target)";
      response = TextResponse(400, problem + "\n");
      keep_alive = false;
    }
    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    logger_->debug("http: {} {} {} {:.1f}ms", message.method_string(), request.path,
                   response.status, elapsed.count());

    BeastResponse out = ToBeastResponse(response, version, keep_alive);
    stream.expires_after(options_.write_timeout);
    if (head) {
      // The Content-Length a GET would get, and no body (RFC 9110 section 9.3.2).
      bhttp::response_serializer<bhttp::string_body> serializer(out);
      std::tie(error, bytes) = co_await bhttp::async_write_header(stream, serializer, kUseTuple);
    } else {
      std::tie(error, bytes) = co_await bhttp::async_write(stream, out, kUseTuple);
    }
    if (error) co_return;
    if (!keep_alive) {
      ErrorCode ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.close();
      co_return;
    }
  }
}

Server::Server(const std::string& listen, Handler handler, ServerOptions options,
               std::shared_ptr<spdlog::logger> logger)
    : impl_(std::make_unique<Impl>(listen, std::move(handler), options, std::move(logger))) {}

Server::~Server() = default;

void Server::Start() { impl_->Start(); }

void Server::Stop() { impl_->Stop(); }

unsigned short Server::Port() const { return impl_->Port(); }

std::string Server::Address() const { return impl_->Address(); }

}  // namespace vsrd::daemon::http
