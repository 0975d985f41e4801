#include "daemon/http/server.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "daemon/http/server_request.hpp"
#include "net/accept.hpp"
#include "net/request_reader.hpp"
#include "net/response_writer.hpp"

namespace vsrd::daemon::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// How long closing after an error answer waits for the peer to stop sending (see
// net::LingeringClose).
constexpr auto kLingerTimeout = std::chrono::seconds(1);

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

Response TextResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = std::string(kTextPlain);
  response.body = std::move(body);
  return response;
}

// Takes the body: a /metrics or /status body at 10,000 objects is 8 MB, not to be copied.
net::HttpResponse ToBeastResponse(Response&& response, unsigned version, bool keep_alive) {
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", response.content_type}};
  headers.insert(headers.end(), response.headers.begin(), response.headers.end());
  return net::MakeResponse(response.status, version, keep_alive, "vsrd", headers,
                           std::move(response.body));
}

// The socket's local end as Request::local_address has it; "" when the socket cannot say.
std::string LocalAddress(const tcp::socket& socket) {
  ErrorCode error;
  tcp::endpoint local = socket.local_endpoint(error);
  if (error) return "";
  // A dual-stack [::] listener sees IPv4 clients at ::ffff:a.b.c.d; they asked for a.b.c.d.
  if (local.address().is_v6() && local.address().to_v6().is_v4_mapped()) {
    local.address(asio::ip::make_address_v4(asio::ip::v4_mapped, local.address().to_v6()));
  }
  return net::FormatListenAddress(local);
}

std::string LowerFirst(std::string text) {
  if (!text.empty()) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return text;
}

}  // namespace

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
  std::string Address() const { return net::FormatListenAddress(endpoint_); }

 private:
  // One connection: its stream and its place in the eviction order. Used on the io thread only.
  struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    // The value of `sequence_` when the connection last began to wait on its client (for a
    // request, or for it to take a response): the smallest has waited longest.
    std::uint64_t waiting_since = 0;
  };

  // Keeps a connection in `connections_` (for Stop and for eviction) until its coroutine ends,
  // unless EvictLongestWaiting took it out first.
  class Registered {
   public:
    Registered(Impl& impl, Connection& connection) : impl_(impl), connection_(&connection) {}
    ~Registered() { impl_.connections_.erase(connection_); }
    Registered(const Registered&) = delete;
    Registered& operator=(const Registered&) = delete;

   private:
    Impl& impl_;
    Connection* connection_;
  };

  void Spawn(asio::awaitable<void> task);
  void Admit(tcp::socket socket);
  void EvictLongestWaiting();
  asio::awaitable<void> Serve(std::unique_ptr<Connection> connection);
  Response Call(const Request& request);
  void CloseAll();

  Handler handler_;
  ServerOptions options_;
  std::shared_ptr<spdlog::logger> logger_;

  // Used on the io thread only once Start() ran.
  std::set<Connection*> connections_;  // open and not evicted; at most options_.max_connections
  std::uint64_t sequence_ = 0;         // orders the waits (Connection::waiting_since)
  net::ConnectionCap cap_;             // no limit: Admit enforces max_connections by eviction
  bool stopping_ = false;
  bool overflow_logged_ = false;

  std::mutex control_mutex_;  // Start/Stop
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;

  // Declared after everything the coroutines use: Stop() lets every coroutine finish before
  // the thread is joined, and any frame left (none when Start never ran) is destroyed by
  // ~io_context while those members still exist.
  asio::io_context io_{1};
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
  endpoint_ = address->Endpoint();
  if (const ErrorCode error = net::Listen(acceptor_, endpoint_)) {
    throw std::runtime_error(fmt::format("listen {}: {}", listen, LowerFirst(error.message())));
  }
}

void Server::Impl::Start() {
  const std::lock_guard lock(control_mutex_);
  if (started_ || stopped_) return;
  started_ = true;
  net::AcceptHandlers handlers;
  handlers.ended = [this] { return stopping_; };
  handlers.on_error = [this](const ErrorCode& error) {
    logger_->warn("http: accept failed: {}", error.message());
  };
  // The cap is unlimited, so every connection comes here; its slot counts nothing.
  handlers.serve = [this](tcp::socket socket, net::ConnectionCap::Slot /*slot*/) {
    Admit(std::move(socket));
  };
  Spawn(net::AcceptLoop(acceptor_, cap_, std::move(handlers)));
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
    asio::post(io_, [this] { CloseAll(); });
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
  for (Connection* connection : connections_) connection->stream.close();
}

void Server::Impl::Admit(tcp::socket socket) {
  if (connections_.size() >= std::max<std::size_t>(options_.max_connections, 1)) {
    if (!overflow_logged_) {
      logger_->warn(
          "http: {} connections open, the limit; closing the one that waited longest on its "
          "client for each new one",
          connections_.size());
      overflow_logged_ = true;
    }
    EvictLongestWaiting();
  } else {
    overflow_logged_ = false;
  }
  auto connection = std::make_unique<Connection>(std::move(socket));
  connection->waiting_since = ++sequence_;
  connections_.insert(connection.get());
  Spawn(Serve(std::move(connection)));
}

void Server::Impl::EvictLongestWaiting() {
  // The handler runs on this thread and between two awaits, so whenever a connection arrives
  // every other one is waiting on its client: idle, trickling a request, or not reading its
  // response. The one waiting longest goes, so idle and slowloris connections cannot keep a
  // new one (a health probe) out; a client that is still busy after `max_connections` newer
  // arrivals loses its connection and must reconnect. Linear in max_connections (64).
  const auto oldest = std::min_element(
      connections_.begin(), connections_.end(),
      [](const Connection* a, const Connection* b) { return a->waiting_since < b->waiting_since; });
  if (oldest == connections_.end()) return;
  Connection* evicted = *oldest;
  connections_.erase(oldest);
  // Its pending read or write ends with operation_aborted and its coroutine with it.
  evicted->stream.close();
}

void Server::Impl::Spawn(asio::awaitable<void> task) {
  net::SpawnConnection(
      io_.get_executor(), std::move(task),
      [logger = logger_](const std::string& message) { logger->error("http: {}", message); });
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

asio::awaitable<void> Server::Impl::Serve(std::unique_ptr<Connection> connection) {
  const Registered registered(*this, *connection);
  beast::tcp_stream& stream = connection->stream;
  const std::string local_address = LocalAddress(stream.socket());
  beast::flat_buffer buffer;
  // One deadline for the idle wait and the whole request.
  const net::RequestLimits limits{options_.header_limit, options_.body_limit,
                                  options_.read_timeout};
  while (!stopping_) {
    net::HttpRequest message;
    connection->waiting_since = ++sequence_;
    const ErrorCode error = co_await net::ReadRequest(stream, buffer, limits, message);
    if (error) {
      if (stopping_) co_return;
      const std::optional<net::ReadRefusal> refusal = net::RefusalFor(error);
      if (!refusal) co_return;
      logger_->debug("http: refused a request: {} -> {}", error.message(), refusal->status);
      net::HttpResponse response =
          ToBeastResponse(TextResponse(refusal->status, refusal->reason + "\n"), 11, false);
      co_await net::AnswerAndClose(stream, response, options_.write_timeout, kLingerTimeout);
      co_return;
    }
    const auto started = std::chrono::steady_clock::now();

    const unsigned version = message.version();
    const bool head = message.method() == beast::http::verb::head;
    bool keep_alive = message.keep_alive();
    Request request;
    Response response;
    if (const auto problem = ToRequest(message, local_address, request)) {
      request.path = "(refused target)";
      response = TextResponse(400, *problem + "\n");
      keep_alive = false;
    } else {
      response = Call(request);
    }
    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    logger_->debug("http: {} {} {} {:.1f}ms", message.method_string(), request.path,
                   response.status, elapsed.count());

    net::HttpResponse out = ToBeastResponse(std::move(response), version, keep_alive);
    connection->waiting_since = ++sequence_;
    if (co_await net::WriteResponse(stream, out, head, options_.write_timeout)) co_return;
    if (!keep_alive) {
      co_await net::Close(stream, options_.write_timeout);
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
