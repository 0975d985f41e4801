#include "simulator/server/server.hpp"

#include <atomic>
#include <csignal>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
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

#include "manifests/escape.hpp"
#include "net/accept.hpp"
#include "net/listen_address.hpp"
#include "net/request_reader.hpp"
#include "net/response_writer.hpp"
#include "simulator/server/conversion.hpp"

namespace vsrd::simulator::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Strand = asio::strand<asio::io_context::executor_type>;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// How long closing may wait for the peer (its TLS close_notify, or unread bytes to drain).
constexpr auto kCloseTimeout = std::chrono::seconds(2);
// What a kGarbage reply sends instead of a response: no HTTP parser accepts it as a status line.
constexpr std::string_view kGarbage = "\x15\x03\x03 vsrd-sim garbage: not an HTTP response\r\n\r\n";
// A kTruncate reply with no body cuts this one in half instead, so that the cut is observable.
constexpr std::string_view kTruncatedBody =
    R"({"vsrd_sim":"this body is cut short by a truncate fault"})";

// One line on stderr; the message may quote what a client sent, so it is escaped.
void Log(std::string_view message) {
  std::cerr << fmt::format("vsrd-sim: {}\n", manifests::EscapeControls(message)) << std::flush;
}

bool IsAdminPath(std::string_view path) { return path == "/sim" || path.starts_with("/sim/"); }

Response ErrorResponse(int status, std::string_view message) {
  return Response::Json(status, {{"error", message}});
}

// Aborts the connection: SO_LINGER 0 makes close() send a TCP RST instead of a FIN.
void Reset(beast::tcp_stream& lowest) {
  ErrorCode ignored;
  lowest.socket().set_option(asio::socket_base::linger(true, 0), ignored);
  lowest.close();
}

// A clean end of the connection: TLS close_notify (waiting briefly for the peer's), then FIN.
template <class Stream>
asio::awaitable<void> Close(Stream& stream) {
  co_await net::Close(stream, kCloseTimeout);
}

// Headers with the full Content-Length, half of the body, then a clean close.
template <class Stream>
asio::awaitable<void> SendTruncated(Stream& stream, const Response& reply_response,
                                    unsigned version, std::chrono::milliseconds timeout) {
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
      co_await asio::async_write(stream, asio::buffer(body.data(), body.size() / 2), kUseTuple);
  if (body_error) co_return;
  co_await Close(stream);
}

template <class Stream>
asio::awaitable<void> SendGarbage(Stream& stream, std::chrono::milliseconds timeout) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  const auto [error, bytes] = co_await asio::async_write(stream, asio::buffer(kGarbage), kUseTuple);
  if (error) co_return;
  co_await Close(stream);
}

// One persona's (or the admin) listening socket. Everything but `persona` is used only on
// `strand`.
struct Listener {
  Listener(asio::io_context& io, std::string persona_name)
      : persona(std::move(persona_name)), strand(asio::make_strand(io)), acceptor(strand) {}

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
  asio::any_io_executor executor;
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

  static void Spawn(const asio::any_io_executor& executor, asio::awaitable<void> task);
  asio::awaitable<void> Accept(Listener& listener, std::uint64_t generation);
  asio::awaitable<void> ServeSocket(Listener& listener, tcp::socket socket);
  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, Listener& listener, const std::string& remote);
  template <class Stream>
  asio::awaitable<void> Hold(Stream& stream, Connection& connection,
                             std::chrono::milliseconds limit);
  /// The reply to one request; clears `keep_alive` when the connection must close after it.
  Reply Dispatch(const Listener& listener, BeastRequest&& message, const std::string& remote,
                 bool& keep_alive);
  void Refuse(Listener& listener);
  asio::awaitable<void> ReopenWhenUp(Listener& listener);

  ServerOptions options_;
  std::optional<ssl::context> ssl_context_;
  Simulator* simulator_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::mutex connections_mutex_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
  std::vector<BoundListener> bound_;
  // vsrd-sim serves every connection it accepts: it has no cap.
  net::ConnectionCap no_cap_;
  // Declared after everything the coroutines use, so that pending coroutine frames are destroyed
  // (by ~io_context) while the members they reference still exist; the I/O objects below are
  // destroyed before it.
  asio::io_context io_;
  Strand control_;  // signals_, grace_
  asio::signal_set signals_;
  asio::steady_timer grace_;
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
      asio::post(impl_.control_, [&impl = impl_] {
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
      control_(asio::make_strand(io_)),
      signals_(control_, SIGINT, SIGTERM),
      grace_(control_) {
  if (!options_.certificate_pem.empty() || !options_.private_key_pem.empty()) {
    ssl_context_.emplace(ssl::context::tls_server);
    ssl_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    try {
      ssl_context_->use_certificate_chain(asio::buffer(options_.certificate_pem));
      ssl_context_->use_private_key(asio::buffer(options_.private_key_pem),
                                    ssl::context::file_format::pem);
    } catch (const boost::system::system_error& error) {
      throw std::runtime_error(fmt::format("TLS certificate or key: {}", error.what()));
    }
  }
  for (const auto& spec : specs) {
    std::string problem;
    const auto address = net::ParseListenAddress(spec.address, problem);
    if (!address) {
      throw std::runtime_error(
          fmt::format("\"{}\" is not a listen address: {}", spec.address, problem));
    }
    auto listener = std::make_unique<Listener>(io_, spec.persona);
    listener->endpoint = address->Endpoint();
    if (const ErrorCode error = net::Listen(listener->acceptor, listener->endpoint)) {
      throw std::runtime_error(
          fmt::format("cannot listen on {}: {}", spec.address, error.message()));
    }
    bound_.push_back({spec.persona, listener->endpoint});
    listeners_.push_back(std::move(listener));
  }
}

void Server::Impl::Spawn(const asio::any_io_executor& executor, asio::awaitable<void> task) {
  net::SpawnConnection(executor, std::move(task), [](const std::string& message) { Log(message); });
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
  asio::post(control_, [this] {
    if (stopping_.exchange(true)) return;
    ErrorCode ignored;
    signals_.cancel(ignored);
    for (const auto& listener : listeners_) {
      asio::post(listener->strand, [&listener = *listener] {
        ++listener.generation;
        ErrorCode ignored_too;
        listener.acceptor.close(ignored_too);
      });
    }
    const std::lock_guard lock(connections_mutex_);
    for (const auto& connection : connections_) {
      asio::post(connection->executor, [connection] {
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

asio::awaitable<void> Server::Impl::Accept(Listener& listener, std::uint64_t generation) {
  net::AcceptHandlers handlers;
  // Each connection on a strand of its own.
  handlers.connection_executor = [this] { return asio::make_strand(io_); };
  // A close (a stop, a refusal) bumps the generation: a loop of an earlier opening ends.
  handlers.ended = [&listener, generation] { return listener.generation != generation; };
  handlers.serve = [this, &listener](tcp::socket socket, net::ConnectionCap::Slot /*slot*/) {
    const asio::any_io_executor executor = socket.get_executor();
    Spawn(executor, ServeSocket(listener, std::move(socket)));
  };
  co_await net::AcceptLoop(listener.acceptor, no_cap_, std::move(handlers));
}

asio::awaitable<void> Server::Impl::ServeSocket(Listener& listener, tcp::socket socket) {
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
asio::awaitable<void> Server::Impl::Serve(Stream& stream, Listener& listener,
                                          const std::string& remote) {
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  const auto connection = std::make_shared<Connection>(Connection{executor, &lowest, true});
  const Registration registration(*this, connection);
  if (stopping_) co_return;

  if constexpr (!net::kIsPlainStream<Stream>) {
    lowest.expires_after(options_.io_timeout);
    const auto [error] = co_await stream.async_handshake(ssl::stream_base::server, kUseTuple);
    if (error) co_return;
  }

  beast::flat_buffer buffer;
  const net::RequestLimits limits{options_.header_limit, options_.body_limit, options_.io_timeout};
  for (;;) {
    // Idle between requests: a stop ends the connection here (Stop cancels this wait).
    connection->waiting = true;
    if (stopping_) {
      co_await Close(stream);
      co_return;
    }
    if (co_await net::WaitForRequest(stream, buffer, options_.idle_timeout)) co_return;
    connection->waiting = false;
    BeastRequest message;
    if (const ErrorCode error = co_await net::ReadRequest(stream, buffer, limits, message)) {
      const std::optional<net::ReadRefusal> refusal = net::RefusalFor(error);
      if (!refusal) co_return;
      BeastResponse response =
          ToBeastResponse(ErrorResponse(refusal->status, refusal->reason), 11, false);
      co_await net::AnswerAndClose(stream, response, options_.io_timeout, kCloseTimeout);
      co_return;
    }

    const unsigned version = message.version();
    const bool head = message.method() == http::verb::head;
    bool keep_alive = message.keep_alive();
    const Reply reply = Dispatch(listener, std::move(message), remote, keep_alive);
    if (reply.disposition == Disposition::kHold) {
      co_await Hold(stream, *connection, reply.delay);
      co_return;
    }
    if (reply.delay > std::chrono::milliseconds(0)) {
      // Real time, on this connection only: other connections are served meanwhile.
      asio::steady_timer timer(executor, reply.delay);
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
      case Disposition::kHold:  // handled above
        co_return;
      case Disposition::kRefuse:
        // The persona is down, as if its process had died: refuse new connections until it
        // is back, and drop this one without a word. The listener's strand runs handlers in
        // order, so once this post completes the listener is closed: a client that sees the
        // connection drop and reconnects at once is refused.
        Refuse(listener);
        co_await asio::post(listener.strand, asio::use_awaitable);
        lowest.close();
        co_return;
    }

    keep_alive = keep_alive && !stopping_;
    BeastResponse response = ToBeastResponse(reply.response, version, keep_alive);
    if (co_await net::WriteResponse(stream, response, head, options_.io_timeout)) co_return;
    if (!keep_alive) {
      co_await Close(stream);
      co_return;
    }
  }
}

// A `hold` fault: the request was taken (and executed, if the rule says so) and its answer is
// never sent. The connection stays open until `limit` passes (0: no limit), the client closes it
// (a killed client's kernel sends FIN or RST) or the server stops (Stop cancels a waiting
// connection), then closes without a word. Bytes the client sends meanwhile are discarded.
template <class Stream>
asio::awaitable<void> Server::Impl::Hold(Stream& stream, Connection& connection,
                                         std::chrono::milliseconds limit) {
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  // The stream's own deadline ends the hold: it stays set across the reads below, and on expiry
  // Beast closes the socket (a FIN, without a TLS close_notify) and the read fails with
  // beast::error::timeout.
  if (limit > std::chrono::milliseconds(0)) {
    lowest.expires_after(limit);
  } else {
    lowest.expires_never();
  }
  connection.waiting = true;
  beast::flat_buffer discard;
  ErrorCode error;
  while (!stopping_ && !error) {
    std::size_t bytes = 0;
    std::tie(error, bytes) =
        co_await stream.async_read_some(discard.prepare(std::size_t{4} * 1024), kUseTuple);
  }
  connection.waiting = false;
  if (error != beast::error::timeout) lowest.close();
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
  asio::post(listener.strand, [this, &listener] {
    if (listener.refusing || stopping_) return;
    listener.refusing = true;
    ++listener.generation;
    ErrorCode ignored;
    listener.acceptor.close(ignored);
    Spawn(listener.strand, ReopenWhenUp(listener));
  });
}

asio::awaitable<void> Server::Impl::ReopenWhenUp(Listener& listener) {
  asio::steady_timer timer(listener.strand);
  bool reported = false;
  for (;;) {
    timer.expires_after(options_.refuse_poll);
    co_await timer.async_wait(kUseTuple);
    if (stopping_) co_return;
    if (simulator_->PersonaDown(listener.persona)) continue;
    if (const ErrorCode error = net::Listen(listener.acceptor, listener.endpoint)) {
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

std::string FormatAddress(const tcp::endpoint& endpoint) {
  return net::FormatListenAddress(endpoint);
}

Server::Server(ServerOptions options, const std::vector<ListenerSpec>& listeners)
    : impl_(std::make_unique<Impl>(std::move(options), listeners)) {}

Server::~Server() = default;

const std::vector<BoundListener>& Server::Listeners() const { return impl_->Listeners(); }

bool Server::Tls() const { return impl_->Tls(); }

void Server::Run(Simulator& simulator) { impl_->Run(simulator); }

void Server::Stop() { impl_->Stop(); }

}  // namespace vsrd::simulator::server
