#include "simulator/server/server.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <csignal>
#include <exception>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "simulator/server/conversion.hpp"

namespace vsrd::simulator::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using Strand = net::strand<net::io_context::executor_type>;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// How long closing may wait for the peer (its TLS close_notify, or unread bytes to drain).
constexpr auto kCloseTimeout = std::chrono::seconds(2);
// What a kGarbage reply sends instead of a response: no HTTP parser accepts it as a status line.
constexpr std::string_view kGarbage = "\x15\x03\x03 vsrd-sim garbage: not an HTTP response\r\n\r\n";
// A kTruncate reply with no body cuts this one in half instead, so that the cut is observable.
constexpr std::string_view kTruncatedBody =
    R"({"vsrd_sim":"this body is cut short by a truncate fault"})";

void Log(std::string_view message) {
  std::cerr << fmt::format("vsrd-sim: {}\n", message) << std::flush;
}

bool IsAdminPath(std::string_view path) { return path == "/sim" || path.starts_with("/sim/"); }

Response ErrorResponse(int status, std::string_view message) {
  return Response::Json(status, {{"error", message}});
}

// The answer to a request that could not be read, or nullopt when there is nobody to answer
// (the peer left, a timeout, a TLS failure).
std::optional<Response> AnswerToReadError(const ErrorCode& error) {
  if (error == http::error::body_limit) return ErrorResponse(413, "the request body is too large");
  if (error == http::error::header_limit || error == http::error::buffer_overflow) {
    return ErrorResponse(431, "the request headers are too large");
  }
  if (error == http::error::end_of_stream || error == http::error::partial_message ||
      error == http::error::short_read) {
    return std::nullopt;
  }
  if (error.category() == http::make_error_code(http::error::bad_target).category()) {
    return ErrorResponse(400, fmt::format("malformed HTTP request: {}", error.message()));
  }
  return std::nullopt;
}

// Aborts the connection: SO_LINGER 0 makes close() send a TCP RST instead of a FIN.
void Reset(beast::tcp_stream& lowest) {
  ErrorCode ignored;
  lowest.socket().set_option(net::socket_base::linger(true, 0), ignored);
  lowest.close();
}

// A clean end of the connection: TLS close_notify (waiting briefly for the peer's), then FIN.
template <class Stream>
net::awaitable<void> Close(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (kIsTls<Stream>) {
    lowest.expires_after(kCloseTimeout);
    co_await stream.async_shutdown(kUseTuple);
  }
  ErrorCode ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
  lowest.close();
}

// Closes after an error answer while the peer may still be sending (the rest of an oversized
// body): closing with unread bytes would send a RST that can destroy the answer in flight, so
// send FIN first and discard what arrives until the peer closes or kCloseTimeout passes (as
// nginx's lingering_close does).
net::awaitable<void> LingeringClose(beast::tcp_stream& lowest) {
  ErrorCode ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
  lowest.expires_after(kCloseTimeout);  // one deadline for all the reads below
  std::array<char, std::size_t{16} * 1024> scratch{};
  for (;;) {
    const auto [error, bytes] = co_await lowest.async_read_some(net::buffer(scratch), kUseTuple);
    if (error) break;
  }
  lowest.close();
}

// Headers with the full Content-Length, half of the body, then a clean close.
template <class Stream>
net::awaitable<void> SendTruncated(Stream& stream, const Response& reply_response, unsigned version,
                                   std::chrono::milliseconds timeout) {
  Response response = reply_response;
  if (response.body.empty()) {
    response.body = std::string(kTruncatedBody);
    response.headers.emplace_back("Content-Type", "application/json");
    if (response.status < 200 || response.status == 204 || response.status == 304) {
      response.status = 200;  // statuses that carry no body at all
    }
  }
  BeastResponse message = ToBeastResponse(response, version, false);
  http::response_serializer<http::string_body> serializer(message);
  beast::get_lowest_layer(stream).expires_after(timeout);
  const auto [header_error, header_bytes] =
      co_await http::async_write_header(stream, serializer, kUseTuple);
  if (header_error) co_return;
  const std::string& body = message.body();
  const auto [body_error, body_bytes] =
      co_await net::async_write(stream, net::buffer(body.data(), body.size() / 2), kUseTuple);
  if (body_error) co_return;
  co_await Close(stream);
}

template <class Stream>
net::awaitable<void> SendGarbage(Stream& stream, std::chrono::milliseconds timeout) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  const auto [error, bytes] = co_await net::async_write(stream, net::buffer(kGarbage), kUseTuple);
  if (error) co_return;
  co_await Close(stream);
}

// One persona's (or the admin) listening socket. Everything but `persona` is used only on
// `strand`.
struct Listener {
  Listener(net::io_context& io, std::string persona_name)
      : persona(std::move(persona_name)), strand(net::make_strand(io)), acceptor(strand) {}

  std::string persona;
  tcp::endpoint endpoint;
  Strand strand;
  tcp::acceptor acceptor;
  /// Closed because the persona is down; ReopenWhenUp runs.
  bool refusing = false;
  /// Bumped at every close, so that an accept loop of an earlier opening ends.
  std::uint64_t generation = 0;
};

// What Stop needs to reach one connection. `stream` and `waiting` are used only on `executor`.
struct Connection {
  net::any_io_executor executor;
  /// The connection's socket; null once the connection ended.
  beast::tcp_stream* stream = nullptr;
  /// True while waiting for a TLS handshake or for the next request: Stop may end it then.
  bool waiting = false;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const std::vector<ListenerSpec>& specs);

  void Run(Simulator& simulator);
  void Stop();
  const std::vector<BoundListener>& Listeners() const { return bound_; }
  bool Tls() const { return ssl_context_.has_value(); }

 private:
  // Unregisters a connection when its coroutine ends, however it ends.
  class Registration {
   public:
    Registration(Impl& impl, std::shared_ptr<Connection> connection);
    ~Registration();
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    Impl& impl_;
    std::shared_ptr<Connection> connection_;
  };

  void Spawn(const net::any_io_executor& executor, net::awaitable<void> task);
  static void Open(Listener& listener, ErrorCode& error);
  net::awaitable<void> Accept(Listener& listener, std::uint64_t generation);
  net::awaitable<void> ServeSocket(Listener& listener, tcp::socket socket);
  template <class Stream>
  net::awaitable<void> Serve(Stream& stream, Listener& listener, const std::string& remote);
  /// The reply to one request; clears `keep_alive` when the connection must close after it.
  Reply Dispatch(const Listener& listener, BeastRequest&& message, const std::string& remote,
                 bool& keep_alive);
  void Refuse(Listener& listener);
  net::awaitable<void> ReopenWhenUp(Listener& listener);

  ServerOptions options_;
  std::optional<ssl::context> ssl_context_;
  Simulator* simulator_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::mutex connections_mutex_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
  std::vector<BoundListener> bound_;
  // Declared after everything the coroutines use, so that pending coroutine frames are destroyed
  // (by ~io_context) while the members they reference still exist; the I/O objects below are
  // destroyed before it.
  net::io_context io_;
  Strand control_;  // signals_, grace_
  net::signal_set signals_;
  net::steady_timer grace_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

Server::Impl::Registration::Registration(Impl& impl, std::shared_ptr<Connection> connection)
    : impl_(impl), connection_(std::move(connection)) {
  const std::lock_guard lock(impl_.connections_mutex_);
  impl_.connections_.insert(connection_);
}

Server::Impl::Registration::~Registration() {
  connection_->stream = nullptr;
  try {
    bool drained = false;
    {
      const std::lock_guard lock(impl_.connections_mutex_);
      impl_.connections_.erase(connection_);
      drained = impl_.connections_.empty();
    }
    // The last connection of a stop: nothing is left to wait for. (After Run, the io_context
    // is being destroyed and must not get new work.)
    if (drained && impl_.stopping_ && !impl_.finished_) {
      net::post(impl_.control_, [&impl = impl_] {
        const std::lock_guard lock(impl.connections_mutex_);
        if (impl.connections_.empty()) impl.grace_.cancel();
      });
    }
  } catch (const std::exception& error) {
    // Only a failing mutex or allocation gets here; the stop then ends by its grace timer.
    Log(fmt::format("connection bookkeeping failed: {}", error.what()));
  }
}

Server::Impl::Impl(ServerOptions options, const std::vector<ListenerSpec>& specs)
    : options_(std::move(options)),
      io_(std::max(options_.threads, 1)),
      control_(net::make_strand(io_)),
      signals_(control_, SIGINT, SIGTERM),
      grace_(control_) {
  if (!options_.certificate_pem.empty() || !options_.private_key_pem.empty()) {
    ssl_context_.emplace(ssl::context::tls_server);
    ssl_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    try {
      ssl_context_->use_certificate_chain(net::buffer(options_.certificate_pem));
      ssl_context_->use_private_key(net::buffer(options_.private_key_pem),
                                    ssl::context::file_format::pem);
    } catch (const boost::system::system_error& error) {
      throw std::runtime_error(fmt::format("TLS certificate or key: {}", error.what()));
    }
  }
  for (const auto& spec : specs) {
    const auto endpoint = ParseListenAddress(spec.address);
    if (!endpoint) {
      throw std::runtime_error(
          fmt::format("\"{}\" is not a listen address such as 127.0.0.1:8443", spec.address));
    }
    auto listener = std::make_unique<Listener>(io_, spec.persona);
    listener->endpoint = *endpoint;
    ErrorCode error;
    Open(*listener, error);
    if (error) {
      throw std::runtime_error(
          fmt::format("cannot listen on {}: {}", spec.address, error.message()));
    }
    bound_.push_back({spec.persona, listener->endpoint});
    listeners_.push_back(std::move(listener));
  }
}

void Server::Impl::Spawn(const net::any_io_executor& executor, net::awaitable<void> task) {
  net::co_spawn(executor, std::move(task), [](const std::exception_ptr& failure) {
    // A bug or resource exhaustion in one connection ends that connection, not the server.
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      Log(fmt::format("connection ended by an exception: {}", error.what()));
    } catch (...) {
      Log("connection ended by an unknown exception");
    }
  });
}

void Server::Impl::Open(Listener& listener, ErrorCode& error) {
  tcp::acceptor& acceptor = listener.acceptor;
  acceptor.open(listener.endpoint.protocol(), error);
  // SO_REUSEADDR: a listener reopened after a refusal must bind while its earlier connections
  // sit in TIME_WAIT.
  if (!error) acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(listener.endpoint, error);
  if (!error) acceptor.listen(net::socket_base::max_listen_connections, error);
  if (!error) listener.endpoint = acceptor.local_endpoint(error);
  if (error) {
    ErrorCode ignored;
    acceptor.close(ignored);
  }
}

void Server::Impl::Run(Simulator& simulator) {
  simulator_ = &simulator;
  signals_.async_wait([this](const ErrorCode& error, int /*signal*/) {
    if (!error) Stop();
  });
  for (const auto& listener : listeners_) {
    Spawn(listener->strand, Accept(*listener, listener->generation));
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < options_.threads; ++i) threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& thread : threads) thread.join();
  finished_ = true;
}

void Server::Impl::Stop() {
  net::post(control_, [this] {
    if (stopping_.exchange(true)) return;
    ErrorCode ignored;
    signals_.cancel(ignored);
    for (const auto& listener : listeners_) {
      net::post(listener->strand, [&listener = *listener] {
        ++listener.generation;
        ErrorCode ignored_too;
        listener.acceptor.close(ignored_too);
      });
    }
    const std::lock_guard lock(connections_mutex_);
    for (const auto& connection : connections_) {
      net::post(connection->executor, [connection] {
        if (connection->stream != nullptr && connection->waiting) connection->stream->cancel();
      });
    }
    if (connections_.empty()) return;  // the io_context runs out of work and Run returns
    grace_.expires_after(options_.stop_grace);
    grace_.async_wait([this](const ErrorCode& error) {
      if (error) return;  // cancelled: every connection finished in time
      Log("stop: requests still in flight after the grace period are cut off");
      io_.stop();
    });
  });
}

net::awaitable<void> Server::Impl::Accept(Listener& listener, std::uint64_t generation) {
  for (;;) {
    // Each connection on a strand of its own. (Not a temporary inside the co_await: g++ 12
    // destroys some of those twice.)
    const Strand connection_strand = net::make_strand(io_);
    auto [error, socket] = co_await listener.acceptor.async_accept(connection_strand, kUseTuple);
    if (listener.generation != generation || !listener.acceptor.is_open()) co_return;
    if (error) {
      // Out of file descriptors and the like: pause instead of spinning on the error.
      net::steady_timer pause(listener.strand, std::chrono::milliseconds(50));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    const net::any_io_executor executor = socket.get_executor();
    Spawn(executor, ServeSocket(listener, tcp::socket(std::move(socket))));
  }
}

net::awaitable<void> Server::Impl::ServeSocket(Listener& listener, tcp::socket socket) {
  ErrorCode error;
  const tcp::endpoint peer = socket.remote_endpoint(error);
  if (error) co_return;
  const std::string remote = peer.address().to_string();
  if (ssl_context_) {
    TlsStream stream(beast::tcp_stream(std::move(socket)), *ssl_context_);
    co_await Serve(stream, listener, remote);
  } else {
    beast::tcp_stream stream(std::move(socket));
    co_await Serve(stream, listener, remote);
  }
}

template <class Stream>
net::awaitable<void> Server::Impl::Serve(Stream& stream, Listener& listener,
                                         const std::string& remote) {
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  const net::any_io_executor executor = co_await net::this_coro::executor;
  const auto connection = std::make_shared<Connection>(Connection{executor, &lowest, true});
  const Registration registration(*this, connection);
  if (stopping_) co_return;

  if constexpr (kIsTls<Stream>) {
    lowest.expires_after(options_.io_timeout);
    const auto [error] = co_await stream.async_handshake(ssl::stream_base::server, kUseTuple);
    if (error) co_return;
  }

  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(options_.header_limit);
    parser.body_limit(options_.body_limit);

    // Idle between requests: a stop ends the connection here (Stop cancels this read).
    connection->waiting = true;
    if (stopping_) {
      co_await Close(stream);
      co_return;
    }
    lowest.expires_after(options_.idle_timeout);
    auto [error, bytes] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
    connection->waiting = false;
    if (!error && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      // curl and others wait for this before sending a large body.
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      lowest.expires_after(options_.io_timeout);
      std::tie(error, bytes) = co_await http::async_write(stream, go_on, kUseTuple);
      if (error) co_return;
    }
    if (!error && !parser.is_done()) {
      lowest.expires_after(options_.io_timeout);
      std::tie(error, bytes) = co_await http::async_read(stream, buffer, parser, kUseTuple);
    }
    if (error) {
      const std::optional<Response> answer = AnswerToReadError(error);
      if (!answer) co_return;
      BeastResponse response = ToBeastResponse(*answer, 11, false);
      lowest.expires_after(options_.io_timeout);
      std::tie(error, bytes) = co_await http::async_write(stream, response, kUseTuple);
      if (!error) co_await LingeringClose(lowest);
      co_return;
    }

    BeastRequest message = parser.release();
    const unsigned version = message.version();
    const bool head = message.method() == http::verb::head;
    bool keep_alive = message.keep_alive();
    const Reply reply = Dispatch(listener, std::move(message), remote, keep_alive);
    if (reply.delay > std::chrono::milliseconds(0)) {
      // Real time, on this connection only: other connections are served meanwhile.
      net::steady_timer timer(executor, reply.delay);
      co_await timer.async_wait(kUseTuple);
    }
    switch (reply.disposition) {
      case Disposition::kRespond:
        break;
      case Disposition::kReset:
        Reset(lowest);
        co_return;
      case Disposition::kClose:
        co_await Close(stream);
        co_return;
      case Disposition::kTruncate:
        co_await SendTruncated(stream, reply.response, version, options_.io_timeout);
        co_return;
      case Disposition::kGarbage:
        co_await SendGarbage(stream, options_.io_timeout);
        co_return;
      case Disposition::kRefuse:
        // The persona is down, as if its process had died: refuse new connections until it
        // is back, and drop this one without a word. The listener's strand runs handlers in
        // order, so once this post completes the listener is closed: a client that sees the
        // connection drop and reconnects at once is refused.
        Refuse(listener);
        co_await net::post(listener.strand, net::use_awaitable);
        lowest.close();
        co_return;
    }

    keep_alive = keep_alive && !stopping_;
    BeastResponse response = ToBeastResponse(reply.response, version, keep_alive);
    lowest.expires_after(options_.io_timeout);
    if (head) {
      // The Content-Length of the body a GET would get, and no body (RFC 9110 section 9.3.2).
      http::response_serializer<http::string_body> serializer(response);
      std::tie(error, bytes) = co_await http::async_write_header(stream, serializer, kUseTuple);
    } else {
      std::tie(error, bytes) = co_await http::async_write(stream, response, kUseTuple);
    }
    if (error) co_return;
    if (!keep_alive) {
      co_await Close(stream);
      co_return;
    }
  }
}

Reply Server::Impl::Dispatch(const Listener& listener, BeastRequest&& message,
                             const std::string& remote, bool& keep_alive) {
  std::optional<Request> request = ToSimulatorRequest(std::move(message), remote);
  if (!request) {
    keep_alive = false;
    return Reply{ErrorResponse(
        400, "the request target must be a path (\"/api/...\") that percent-decodes to UTF-8")};
  }
  if (listener.persona.empty() && !IsAdminPath(request->path)) {
    return Reply{ErrorResponse(404, "this port serves only the /sim/ admin API")};
  }
  return simulator_->Handle(listener.persona, *request);
}

void Server::Impl::Refuse(Listener& listener) {
  net::post(listener.strand, [this, &listener] {
    if (listener.refusing || stopping_) return;
    listener.refusing = true;
    ++listener.generation;
    ErrorCode ignored;
    listener.acceptor.close(ignored);
    Spawn(listener.strand, ReopenWhenUp(listener));
  });
}

net::awaitable<void> Server::Impl::ReopenWhenUp(Listener& listener) {
  net::steady_timer timer(listener.strand);
  bool reported = false;
  for (;;) {
    timer.expires_after(options_.refuse_poll);
    co_await timer.async_wait(kUseTuple);
    if (stopping_) co_return;
    if (simulator_->PersonaDown(listener.persona)) continue;
    ErrorCode error;
    Open(listener, error);
    if (error) {
      // Another process took the port meanwhile: keep trying, and say so once.
      if (!reported) {
        Log(fmt::format("cannot reopen {} for {}: {}; retrying", FormatAddress(listener.endpoint),
                        listener.persona, error.message()));
        reported = true;
      }
      continue;
    }
    listener.refusing = false;
    Spawn(listener.strand, Accept(listener, listener.generation));
    co_return;
  }
}

std::optional<tcp::endpoint> ParseListenAddress(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = address.substr(0, colon);
  const std::string_view port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs brackets
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const auto [end, parse_error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || parse_error != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return std::nullopt;
  }
  ErrorCode error;
  const net::ip::address ip = net::ip::make_address(std::string(host), error);
  if (error) return std::nullopt;
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

std::string FormatAddress(const tcp::endpoint& endpoint) {
  if (endpoint.address().is_v6()) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  }
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

Server::Server(ServerOptions options, const std::vector<ListenerSpec>& listeners)
    : impl_(std::make_unique<Impl>(std::move(options), listeners)) {}

Server::~Server() = default;

const std::vector<BoundListener>& Server::Listeners() const { return impl_->Listeners(); }

bool Server::Tls() const { return impl_->Tls(); }

void Server::Run(Simulator& simulator) { impl_->Run(simulator); }

void Server::Stop() { impl_->Stop(); }

}  // namespace vsrd::simulator::server
