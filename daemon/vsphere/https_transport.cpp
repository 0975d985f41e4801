#include "daemon/vsphere/https_transport.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "daemon/vsphere/pass_budget.hpp"
#include "daemon/vsphere/rate_limiter.hpp"
#include "daemon/vsphere/tls.hpp"

// How a request runs: Send (any thread) co_spawns Perform onto the transport's single I/O
// thread and blocks on a future. Perform waits for a rate-limit token (when several wait, each
// refilled token goes to the most urgent: the priority of the pass that sent it, first come first
// served within a priority; daemon/vsphere/pass_budget.hpp), takes a connection slot
// from the pool (an idle kept-alive connection, a new one, or, at max_connections, waits for
// one to be released), writes the request and reads the answer, each network step under
// expires_after with what is left of the request's deadline. Everything below Send runs on the
// I/O thread only, so the pool needs no lock. The destructor posts Shutdown, which closes every
// socket and cancels every timer; each coroutine sees stopping_ at its next step and answers
// kCancelled.

namespace vsrd::daemon::vsphere {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = http::request<http::string_body>;
using ports::ApiError;
using ports::ErrorKind;
using ports::MakeUnexpected;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// Response status line plus headers; vCenter's are a few hundred bytes.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr unsigned short kHttpsPort = 443;
constexpr std::chrono::milliseconds kLongestTimeout = std::chrono::hours(24 * 365);

ApiError MakeError(ErrorKind kind, std::string detail) {
  ApiError error;
  error.kind = kind;
  error.detail = std::move(detail);
  return error;
}

/// The target of a transport, parsed from TransportOptions::url.
struct Target {
  std::string host;       ///< as in the URL, without brackets: "vc01.lab", "127.0.0.1", "::1"
  std::string port_text;  ///< "443"
  unsigned short port = kHttpsPort;
  bool ip_literal = false;
  std::string where;        ///< "host:port" ("[::1]:port") for messages
  std::string host_header;  ///< Host: the port only when not 443
};

Target ParseUrl(const std::string& url) {
  const auto invalid = [&url](std::string_view why) {
    return std::runtime_error("transport url \"" + url +
                              "\" is not https://host[:port]: " + std::string(why));
  };
  constexpr std::string_view kScheme = "https://";
  std::string_view rest = url;
  if (rest.size() < kScheme.size() || !beast::iequals(rest.substr(0, kScheme.size()), kScheme)) {
    throw invalid("the scheme must be https");
  }
  rest.remove_prefix(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) throw invalid("no host");
  if (rest.find_first_of("/?#@ \t\r\n") != std::string_view::npos) {
    throw invalid("only a host and a port may follow the scheme");
  }

  Target target;
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) throw invalid("unterminated [");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw invalid("junk after ]");
      port_text = after.substr(1);
      if (port_text.empty()) throw invalid("empty port");
    }
    bracketed = true;
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) throw invalid("empty port");
    }
  }
  if (host.empty()) throw invalid("no host");
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (error != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      throw invalid("bad port");
    }
    target.port = static_cast<unsigned short>(value);
  }
  target.host = std::string(host);
  ErrorCode address_error;
  const auto address = net::ip::make_address(target.host, address_error);
  target.ip_literal = !address_error;
  if (bracketed && !(target.ip_literal && address.is_v6())) {
    throw invalid("only an IPv6 address may be in brackets");
  }
  target.port_text = std::to_string(target.port);
  const std::string shown_host = bracketed ? "[" + target.host + "]" : target.host;
  target.where = shown_host + ":" + target.port_text;
  target.host_header = target.port == kHttpsPort ? shown_host : shown_host + ":" + target.port_text;
  return target;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

/// The errors that mean the peer closed or reset the connection.
bool IsConnectionEnd(const ErrorCode& error) {
  return error == http::error::end_of_stream || error == http::error::partial_message ||
         error == net::error::eof || error == net::error::connection_reset ||
         error == net::error::connection_aborted || error == net::error::broken_pipe ||
         error == net::error::not_connected || error == ssl::error::stream_truncated;
}

bool IsCertificateVerifyFailure(const ErrorCode& error) {
  return error.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(error.value())) ==
             SSL_R_CERTIFICATE_VERIFY_FAILED;
}

/// One kept-alive TLS connection. Registers itself in the transport's set of live connections
/// (closed all at once by a shutdown) for its lifetime.
struct Connection {
  Connection(const net::any_io_executor& executor, ssl::context& context,
             std::unordered_set<Connection*>& registry_set)
      : stream(executor, context), registry(registry_set) {
    registry.insert(this);
  }
  ~Connection() { registry.erase(this); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;

  TlsStream stream;
  beast::flat_buffer buffer;  ///< bytes read past the previous response
  std::shared_ptr<PeerVerification> verification = std::make_shared<PeerVerification>();
  std::unordered_set<Connection*>& registry;
};

/// True when an idle connection can carry another request: nothing unread and the server has
/// not closed it (a peek that would block). An idle connection with bytes pending has most
/// likely received the server's close_notify.
bool IsReusable(Connection& connection) {
  if (connection.buffer.size() != 0) return false;
  auto& socket = beast::get_lowest_layer(connection.stream).socket();
  if (!socket.is_open()) return false;
  std::array<char, 1> probe{};
  const auto received =
      ::recv(socket.native_handle(), probe.data(), probe.size(), MSG_PEEK | MSG_DONTWAIT);
  return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/// Registers a timer for the lifetime of a wait, so that a shutdown can cancel it.
class TimerRegistration {
 public:
  TimerRegistration(std::unordered_set<net::steady_timer*>& timers, net::steady_timer& timer)
      : timers_(timers), timer_(&timer) {
    timers_.insert(timer_);
  }
  ~TimerRegistration() { timers_.erase(timer_); }
  TimerRegistration(const TimerRegistration&) = delete;
  TimerRegistration& operator=(const TimerRegistration&) = delete;
  TimerRegistration(TimerRegistration&&) = delete;
  TimerRegistration& operator=(TimerRegistration&&) = delete;

 private:
  std::unordered_set<net::steady_timer*>& timers_;
  net::steady_timer* timer_;
};

}  // namespace

HttpsEndpoint ParseHttpsUrl(const std::string& url) {
  const Target target = ParseUrl(url);
  return {target.host, target.port};
}

class HttpsTransport::Impl {
 public:
  explicit Impl(TransportOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request, std::chrono::milliseconds timeout);
  TransportStats Stats() const { return {connections_opened_.load(), requests_sent_.load()}; }

 private:
  /// One Send: its request, deadline and the promise the caller waits on.
  struct Call {
    HttpRequest request;
    std::chrono::milliseconds timeout{0};
    Clock::time_point deadline;
    /// The priority of the pass that sent it (PassBudget::CurrentPriority on the sender).
    reconcilers::Priority priority = reconcilers::Priority::kChange;
    std::promise<Result<HttpResponse>> promise;
  };

  /// A request waiting for a rate-limit token; GrantTokens hands them out, most urgent first.
  struct TokenWaiter {
    TokenWaiter(const net::any_io_executor& executor, reconcilers::Priority of_pass,
                std::uint64_t arrival)
        : timer(executor), priority(of_pass), sequence(arrival) {}
    net::steady_timer timer;  ///< expires at the request's deadline; cancelled when granted
    reconcilers::Priority priority;
    std::uint64_t sequence;  ///< arrival order within a priority
    bool granted = false;
  };

  /// A connection slot held by a request: an open connection to reuse, or none (open one).
  struct Lease {
    std::unique_ptr<Connection> connection;
  };

  /// A request waiting for a slot at max_connections; Release hands one over directly.
  struct Waiter {
    explicit Waiter(const net::any_io_executor& executor) : timer(executor) {}
    net::steady_timer timer;
    bool granted = false;
    std::unique_ptr<Connection> connection;  ///< with granted: to reuse, or null to open
  };

  /// The result of writing one request and reading its answer on one connection.
  struct Outcome {
    std::optional<HttpResponse> response;
    bool keep_alive = false;
    ApiError error;
    /// The request failed at the write (the server cannot have a complete request), or a GET
    /// or HEAD met a connection that ended before any byte of an answer: on a reused
    /// connection, the server closed it before it got the request, so it may be sent again.
    bool nothing_received = false;
    /// Failed before anything was written (deadline or shutdown): the connection is intact.
    bool untouched = false;
  };

  net::awaitable<void> Run(std::shared_ptr<Call> call);
  net::awaitable<Result<HttpResponse>> Perform(const Call& call);
  net::awaitable<std::optional<ApiError>> WaitForToken(const Call& call);
  /// Runs while requests wait for tokens: at each refill, hands the tokens there to the most
  /// urgent waiters. One at a time (granting_).
  net::awaitable<void> GrantTokens();
  net::awaitable<Result<Lease>> Acquire(const Call& call);
  void Release(std::unique_ptr<Connection> connection, bool reusable);
  net::awaitable<Result<std::vector<tcp::endpoint>>> Resolve(const Call& call);
  net::awaitable<Result<std::unique_ptr<Connection>>> Open(const Call& call);
  net::awaitable<Outcome> Exchange(Connection& connection, BeastRequest& message, const Call& call);
  void Shutdown();

  Result<BeastRequest> BuildRequest(const HttpRequest& request) const;
  /// kCancelled when shutting down, kTimeout when the deadline has passed, before `step`.
  std::optional<ApiError> BeforeStep(const Call& call, std::string_view step) const;
  ApiError Timeout(const Call& call, std::string_view step) const;
  ApiError Cancelled() const;
  ApiError ConnectError(const ErrorCode& error, const Call& call) const;
  ApiError HandshakeError(const ErrorCode& error, const Connection& connection,
                          const Call& call) const;
  ApiError VerificationError(std::string_view reason, std::string_view thumbprint) const;
  ApiError WriteError(const ErrorCode& error, const Call& call) const;
  ApiError ReadError(const ErrorCode& error, bool response_started, const Call& call) const;
  HttpResponse ToResponse(http::response<http::string_body>&& message) const;

  const TransportOptions options_;
  const Target target_;
  const std::optional<std::string> pin_;  ///< normalised tls.thumbprint_sha256
  ssl::context ssl_context_;

  // Used only on the I/O thread.
  RateLimiter limiter_;
  std::vector<TokenWaiter*> token_waiters_;  ///< not yet granted, in arrival order
  std::uint64_t token_sequence_ = 0;
  bool granting_ = false;  ///< GrantTokens runs
  bool stopping_ = false;
  std::vector<std::unique_ptr<Connection>> idle_;  ///< most recently used last
  std::size_t slots_ = 0;                          ///< idle + in use + being opened
  std::deque<Waiter*> waiters_;
  std::unordered_set<Connection*> live_;
  std::unordered_set<net::steady_timer*> timers_;

  std::atomic<std::uint64_t> connections_opened_{0};
  std::atomic<std::uint64_t> requests_sent_{0};

  /// Held while a Send hands its call to the io_context, and by the destructor before it
  /// stops the loop, so that the io_context is never destroyed under a co_spawn.
  std::mutex spawn_mutex_;
  bool closed_ = false;  ///< guarded by spawn_mutex_: the destructor has begun

  // Declared after everything the coroutines use: pending handlers destroyed with the
  // io_context may still reference those members.
  net::io_context io_{1};
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::thread thread_;
};

namespace {

std::optional<std::string> NormalizedPin(const TlsConfig& tls) {
  if (!tls.thumbprint_sha256) return std::nullopt;
  auto pin = NormalizeThumbprint(*tls.thumbprint_sha256);
  if (!pin) {
    throw std::runtime_error("tls.thumbprint_sha256 \"" + *tls.thumbprint_sha256 +
                             "\" is not a SHA-256 thumbprint (64 hex digits, colons optional)");
  }
  return pin;
}

}  // namespace

HttpsTransport::Impl::Impl(TransportOptions options)
    : options_(std::move(options)),
      target_(ParseUrl(options_.url)),
      pin_(NormalizedPin(options_.tls)),
      ssl_context_(MakeClientContext(options_.tls)),
      limiter_(options_.requests_per_second, Clock::now()),
      work_(net::make_work_guard(io_)) {
  thread_ = std::thread([this] { io_.run(); });
}

HttpsTransport::Impl::~Impl() {
  {
    // After this, no Send is inside co_spawn (which signals the io_context's condition
    // variable after releasing its lock) and none will start one.
    const std::lock_guard lock(spawn_mutex_);
    closed_ = true;
  }
  try {
    net::post(io_, [this] { Shutdown(); });
  } catch (...) {
    // Only allocation can fail here. Stop the loop outright instead: the coroutines in flight
    // are destroyed with the io_context, and their callers' Send sees the broken promise.
    io_.stop();
  }
  work_.reset();
  if (thread_.joinable()) {
    try {
      thread_.join();
    } catch (...) {
      // Fails only when called from the I/O thread itself, which never destroys the transport.
      std::terminate();
    }
  }
  idle_.clear();  // empty after Shutdown; otherwise its streams must go before io_
}

void HttpsTransport::Impl::Shutdown() {
  stopping_ = true;
  for (net::steady_timer* timer : timers_) timer->cancel();
  // Closing a socket ends its pending operations with operation_aborted.
  for (Connection* connection : live_) beast::get_lowest_layer(connection->stream).close();
  slots_ -= idle_.size();
  idle_.clear();
}

Result<HttpResponse> HttpsTransport::Impl::Send(const HttpRequest& request,
                                                std::chrono::milliseconds timeout) {
  auto call = std::make_shared<Call>();
  call->request = request;
  call->timeout = timeout;
  // Capped so that the deadline cannot overflow the clock (milliseconds::max() means "none").
  call->deadline = Clock::now() + std::min(timeout, kLongestTimeout);
  call->priority = PassBudget::CurrentPriority();
  auto future = call->promise.get_future();
  std::unique_lock lock(spawn_mutex_);
  if (closed_) return MakeUnexpected(Cancelled());  // a Send racing the destructor
  net::co_spawn(io_, Run(call), [call](const std::exception_ptr& failure) {
    if (!failure) return;  // Run fulfilled the promise
    std::string what;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& exception) {
      what = exception.what();
    } catch (...) {
      what = "unknown exception";
    }
    call->promise.set_value(
        MakeUnexpected(MakeError(ErrorKind::kProtocol, "internal error: " + what)));
  });
  lock.unlock();
  try {
    return future.get();
  } catch (const std::future_error&) {
    // The promise was destroyed unfulfilled: the I/O loop was stopped by a failing shutdown.
    return MakeUnexpected(Cancelled());
  }
}

net::awaitable<void> HttpsTransport::Impl::Run(std::shared_ptr<Call> call) {
  Result<HttpResponse> result = co_await Perform(*call);
  call->promise.set_value(std::move(result));
}

net::awaitable<Result<HttpResponse>> HttpsTransport::Impl::Perform(const Call& call) {
  Result<BeastRequest> message = BuildRequest(call.request);
  if (!message) co_return MakeUnexpected(std::move(message).Error());
  if (auto error = co_await WaitForToken(call)) co_return MakeUnexpected(std::move(*error));
  Result<Lease> lease = co_await Acquire(call);
  if (!lease) co_return MakeUnexpected(std::move(lease).Error());
  std::unique_ptr<Connection> connection = std::move(lease->connection);

  // At most two attempts: the second only when the first went to a reused connection that
  // turned out to be closed before it took the request (see Outcome::nothing_received).
  for (int attempt = 1;; ++attempt) {
    const bool reused = connection != nullptr;
    if (!reused) {
      Result<std::unique_ptr<Connection>> opened = co_await Open(call);
      if (!opened) {
        Release(nullptr, false);
        co_return MakeUnexpected(std::move(opened).Error());
      }
      connection = std::move(*opened);
    }
    Outcome outcome = co_await Exchange(*connection, *message, call);
    if (outcome.response || outcome.untouched) {
      Release(std::move(connection), outcome.untouched || outcome.keep_alive);
      if (outcome.untouched) co_return MakeUnexpected(std::move(outcome.error));
      co_return std::move(*outcome.response);
    }
    beast::get_lowest_layer(connection->stream).close();
    connection.reset();
    if (reused && outcome.nothing_received && attempt == 1 && !stopping_) continue;
    Release(nullptr, false);
    co_return MakeUnexpected(std::move(outcome.error));
  }
}

net::awaitable<std::optional<ApiError>> HttpsTransport::Impl::WaitForToken(const Call& call) {
  if (auto error = BeforeStep(call, "waiting for the rate limit")) co_return error;
  const Clock::time_point now = Clock::now();
  // Nobody waits: a token that is there is this request's.
  if (token_waiters_.empty() && limiter_.TryTake(now)) co_return std::nullopt;
  // Those as urgent or more go first. If even with no later arrival ahead of it no token can
  // come before the deadline, say so at once rather than wait for nothing.
  const auto ahead = std::count_if(
      token_waiters_.begin(), token_waiters_.end(),
      [&call](const TokenWaiter* waiter) { return waiter->priority <= call.priority; });
  if (limiter_.WhenAvailable(now, static_cast<double>(ahead) + 1) > call.deadline) {
    co_return Timeout(call, "waiting for the rate limit (no token before the deadline)");
  }
  TokenWaiter waiter(io_.get_executor(), call.priority, token_sequence_++);
  waiter.timer.expires_at(call.deadline);
  token_waiters_.push_back(&waiter);
  const TimerRegistration registration(timers_, waiter.timer);
  if (!granting_) {
    granting_ = true;  // before it runs: a second waiter in the meantime starts no second one
    net::co_spawn(io_, GrantTokens(), net::detached);
  }
  co_await waiter.timer.async_wait(kUseTuple);
  std::erase(token_waiters_, &waiter);
  if (stopping_) co_return Cancelled();
  if (!waiter.granted) {
    // Its deadline came first: more urgent requests took every token meanwhile.
    co_return Timeout(call, "waiting for the rate limit (more urgent requests took the tokens)");
  }
  co_return std::nullopt;
}

net::awaitable<void> HttpsTransport::Impl::GrantTokens() {
  net::steady_timer timer(io_);
  const TimerRegistration registration(timers_, timer);
  while (!stopping_ && !token_waiters_.empty()) {
    const Clock::time_point now = Clock::now();
    while (!token_waiters_.empty() && limiter_.TryTake(now)) {
      const auto next = std::min_element(token_waiters_.begin(), token_waiters_.end(),
                                         [](const TokenWaiter* a, const TokenWaiter* b) {
                                           return std::pair(a->priority, a->sequence) <
                                                  std::pair(b->priority, b->sequence);
                                         });
      TokenWaiter* waiter = *next;
      token_waiters_.erase(next);
      waiter->granted = true;
      waiter->timer.cancel();  // wakes it
    }
    if (token_waiters_.empty()) break;
    timer.expires_at(limiter_.NextToken(now));
    co_await timer.async_wait(kUseTuple);
  }
  granting_ = false;
}

net::awaitable<Result<HttpsTransport::Impl::Lease>> HttpsTransport::Impl::Acquire(
    const Call& call) {
  if (auto error = BeforeStep(call, "waiting for a connection")) co_return MakeUnexpected(*error);
  if (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    // The slot of an idle connection the server has closed carries a new connection instead;
    // older idle ones are likely closed too but are checked when their turn comes.
    if (!IsReusable(*connection)) connection.reset();
    co_return Lease{std::move(connection)};
  }
  if (slots_ < std::max<std::size_t>(1, options_.max_connections)) {
    ++slots_;
    co_return Lease{};
  }

  Waiter waiter(io_.get_executor());
  waiter.timer.expires_at(call.deadline);
  waiters_.push_back(&waiter);
  const TimerRegistration registration(timers_, waiter.timer);
  co_await waiter.timer.async_wait(kUseTuple);
  std::erase(waiters_, &waiter);
  if (waiter.granted) {
    if (stopping_) {
      Release(std::move(waiter.connection), false);
      co_return MakeUnexpected(Cancelled());
    }
    if (waiter.connection && !IsReusable(*waiter.connection)) waiter.connection.reset();
    co_return Lease{std::move(waiter.connection)};
  }
  if (stopping_) co_return MakeUnexpected(Cancelled());
  co_return MakeUnexpected(Timeout(call, "waiting for a free connection"));
}

void HttpsTransport::Impl::Release(std::unique_ptr<Connection> connection, bool reusable) {
  if (connection && (!reusable || stopping_)) {
    beast::get_lowest_layer(connection->stream).close();
    connection.reset();
  }
  if (!waiters_.empty()) {
    // The slot goes to the longest waiter, with the connection when there is one to reuse.
    Waiter* waiter = waiters_.front();
    waiters_.pop_front();
    waiter->granted = true;
    waiter->connection = std::move(connection);
    waiter->timer.cancel();
    return;
  }
  if (connection) {
    idle_.push_back(std::move(connection));
  } else {
    --slots_;
  }
}

net::awaitable<Result<std::vector<tcp::endpoint>>> HttpsTransport::Impl::Resolve(const Call& call) {
  if (target_.ip_literal) {
    ErrorCode ignored;
    std::vector<tcp::endpoint> endpoints{
        tcp::endpoint(net::ip::make_address(target_.host, ignored), target_.port)};
    co_return std::move(endpoints);
  }
  if (auto error = BeforeStep(call, "resolving")) co_return MakeUnexpected(*error);

  // The resolver cannot be given a deadline, and cancelling it does not interrupt
  // getaddrinfo: the lookup completes into a shared state while this coroutine waits on a
  // timer for the deadline, and leaves the lookup behind when the timer fires first.
  struct Lookup {
    explicit Lookup(const net::any_io_executor& executor) : resolver(executor), timer(executor) {}
    tcp::resolver resolver;
    net::steady_timer timer;
    bool done = false;
    ErrorCode error;
    std::vector<tcp::endpoint> endpoints;
  };
  const auto lookup = std::make_shared<Lookup>(io_.get_executor());
  lookup->timer.expires_at(call.deadline);
  lookup->resolver.async_resolve(
      target_.host, target_.port_text,
      [lookup](const ErrorCode& error, const tcp::resolver::results_type& results) {
        lookup->done = true;
        lookup->error = error;
        for (const auto& entry : results) lookup->endpoints.push_back(entry.endpoint());
        lookup->timer.cancel();
      });
  const TimerRegistration registration(timers_, lookup->timer);
  co_await lookup->timer.async_wait(kUseTuple);
  if (stopping_) {
    lookup->resolver.cancel();
    co_return MakeUnexpected(Cancelled());
  }
  if (!lookup->done) {
    lookup->resolver.cancel();
    co_return MakeUnexpected(Timeout(call, "resolving"));
  }
  if (lookup->error || lookup->endpoints.empty()) {
    const std::string reason =
        lookup->error ? lookup->error.message() : std::string("no addresses");
    co_return MakeUnexpected(MakeError(ErrorKind::kDns, "resolve " + target_.host + ": " + reason));
  }
  co_return std::move(lookup->endpoints);
}

net::awaitable<Result<std::unique_ptr<Connection>>> HttpsTransport::Impl::Open(const Call& call) {
  Result<std::vector<tcp::endpoint>> endpoints = co_await Resolve(call);
  if (!endpoints) co_return MakeUnexpected(std::move(endpoints).Error());

  auto connection = std::make_unique<Connection>(io_.get_executor(), ssl_context_, live_);
  auto& lowest = beast::get_lowest_layer(connection->stream);
  if (auto error = BeforeStep(call, "connecting to")) co_return MakeUnexpected(*error);
  lowest.expires_after(call.deadline - Clock::now());
  const auto [connect_error, endpoint] = co_await lowest.async_connect(*endpoints, kUseTuple);
  if (connect_error) co_return MakeUnexpected(ConnectError(connect_error, call));
  ++connections_opened_;
  // TCP_NODELAY: a request with a body goes out in more than one write; with Nagle's algorithm
  // the second waits for the server's delayed ACK, about 40 ms a call (net/accept.cpp, the same
  // for the servers).
  boost::system::error_code ignored;
  lowest.socket().set_option(tcp::no_delay(true), ignored);

  SSL* ssl = connection->stream.native_handle();
  // SNI for host names only: RFC 6066 does not allow IP literals in server_name. (SSL_ctrl is
  // what the SSL_set_tlsext_host_name macro expands to, without its C cast.)
  if (!target_.ip_literal && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                      const_cast<char*>(target_.host.c_str())) != 1) {
    ERR_clear_error();
    co_return MakeUnexpected(MakeError(ErrorKind::kTls, "TLS: cannot set SNI " + target_.host));
  }
  connection->stream.set_verify_callback(PeerVerifier(
      target_.host, pin_, options_.tls.insecure_skip_verify, connection->verification));

  if (auto error = BeforeStep(call, "TLS handshake with")) co_return MakeUnexpected(*error);
  lowest.expires_after(call.deadline - Clock::now());
  const auto [handshake_error] =
      co_await connection->stream.async_handshake(ssl::stream_base::client, kUseTuple);
  if (handshake_error) {
    co_return MakeUnexpected(HandshakeError(handshake_error, *connection, call));
  }
  // The pin was checked during the handshake; checked again on the certificate the session
  // ended up with, so that no path through the verify callback can skip it.
  if (pin_) {
    const std::string presented = Sha256Thumbprint(SSL_get0_peer_certificate(ssl));
    if (!ThumbprintMatches(*pin_, presented)) {
      co_return MakeUnexpected(
          VerificationError("the certificate does not match the pinned thumbprint", presented));
    }
  }
  co_return connection;
}

net::awaitable<HttpsTransport::Impl::Outcome> HttpsTransport::Impl::Exchange(Connection& connection,
                                                                             BeastRequest& message,
                                                                             const Call& call) {
  Outcome outcome;
  auto& lowest = beast::get_lowest_layer(connection.stream);

  if (auto error = BeforeStep(call, "writing to")) {
    outcome.error = std::move(*error);
    outcome.untouched = true;
    co_return outcome;
  }
  lowest.expires_after(call.deadline - Clock::now());
  ++requests_sent_;
  const auto [write_error, written] =
      co_await http::async_write(connection.stream, message, kUseTuple);
  if (write_error) {
    outcome.error = WriteError(write_error, call);
    outcome.nothing_received = outcome.error.kind == ErrorKind::kReset;
    co_return outcome;
  }

  http::response_parser<http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(options_.body_limit);
  if (message.method() == http::verb::head) parser.skip(true);
  // From here on the server has the whole request and may act on it (ApiError::sent).
  if (auto error = BeforeStep(call, "reading from")) {
    outcome.error = std::move(*error);
    outcome.error.sent = true;
    co_return outcome;
  }
  lowest.expires_after(call.deadline - Clock::now());
  const auto [read_error, read] =
      co_await http::async_read(connection.stream, connection.buffer, parser, kUseTuple);
  if (read_error) {
    const bool started = parser.got_some() || connection.buffer.size() != 0;
    outcome.error = ReadError(read_error, started, call);
    outcome.error.sent = true;
    // Written in full and then closed without a byte of answer: either the server had closed
    // the kept-alive connection before our bytes arrived, or it took the request and died.
    // Only a request that is safe to repeat (GET, HEAD) may be sent again: a repeated POST
    // could start a second redeploy or install.
    outcome.nothing_received =
        !started && outcome.error.kind == ErrorKind::kReset &&
        (message.method() == http::verb::get || message.method() == http::verb::head);
    co_return outcome;
  }
  outcome.keep_alive = parser.get().keep_alive();
  outcome.response = ToResponse(parser.release());
  co_return outcome;
}

Result<BeastRequest> HttpsTransport::Impl::BuildRequest(const HttpRequest& request) const {
  BeastRequest message;
  if (request.method.empty() || HasLineBreak(request.method) || request.target.empty() ||
      HasLineBreak(request.target)) {
    return MakeUnexpected(
        MakeError(ErrorKind::kProtocol, "invalid request line for " + target_.where));
  }
  message.method_string(request.method);
  message.target(request.target);
  message.version(11);
  const auto given = [&request](std::string_view name) {
    return std::any_of(
        request.headers.begin(), request.headers.end(),
        [name](const HeaderField& field) { return beast::iequals(field.first, name); });
  };
  // Defaults, each unless the caller gives its own value.
  if (!given("host")) message.set(http::field::host, target_.host_header);
  if (!given("user-agent")) message.set(http::field::user_agent, options_.user_agent);
  if (!given("accept")) message.set(http::field::accept, "application/json");
  if (!request.body.empty() && !given("content-type")) {
    message.set(http::field::content_type, "application/json");
  }
  message.keep_alive(true);
  for (const auto& [name, value] : request.headers) {
    // Never echo the value: it may be a session token or credentials.
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
      return MakeUnexpected(MakeError(
          ErrorKind::kProtocol,
          "request header \"" + (HasLineBreak(name) ? "?" : name) + "\" contains a line break"));
    }
    message.insert(name, value);
  }
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

HttpResponse HttpsTransport::Impl::ToResponse(http::response<http::string_body>&& message) const {
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    response.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

std::optional<ApiError> HttpsTransport::Impl::BeforeStep(const Call& call,
                                                         std::string_view step) const {
  if (stopping_) return Cancelled();
  if (Clock::now() >= call.deadline) return Timeout(call, step);
  return std::nullopt;
}

ApiError HttpsTransport::Impl::Timeout(const Call& call, std::string_view step) const {
  // The steps that name no peer are about this transport's own queues.
  const bool names_peer = step.ends_with(" to") || step.ends_with(" from") ||
                          step.ends_with(" with") || step == "resolving";
  std::string detail =
      "timeout after " + std::to_string(call.timeout.count()) + " ms " + std::string(step);
  detail += names_peer ? " " + (step == "resolving" ? target_.host : target_.where)
                       : " for " + target_.where;
  return MakeError(ErrorKind::kTimeout, std::move(detail));
}

ApiError HttpsTransport::Impl::Cancelled() const {
  return MakeError(ErrorKind::kCancelled,
                   "the transport to " + target_.where + " is shutting down");
}

ApiError HttpsTransport::Impl::ConnectError(const ErrorCode& error, const Call& call) const {
  if (stopping_) return Cancelled();
  if (error == beast::error::timeout) return Timeout(call, "connecting to");
  // Anything else that prevents a connection (unreachable network or host) is reported as a
  // refusal too: there is nobody to talk to, and the message says which it was.
  return MakeError(ErrorKind::kRefused, "connect to " + target_.where + ": " + error.message());
}

ApiError HttpsTransport::Impl::VerificationError(std::string_view reason,
                                                 std::string_view thumbprint) const {
  return MakeError(ErrorKind::kTlsVerification,
                   "TLS verification of " + target_.where + " failed: " + std::string(reason) +
                       "; the server presented a certificate with SHA-256 thumbprint " +
                       (thumbprint.empty() ? std::string("(none)") : std::string(thumbprint)));
}

ApiError HttpsTransport::Impl::HandshakeError(const ErrorCode& error, const Connection& connection,
                                              const Call& call) const {
  ERR_clear_error();
  if (stopping_) return Cancelled();
  if (error == beast::error::timeout) return Timeout(call, "TLS handshake with");
  const PeerVerification& verification = *connection.verification;
  if (!verification.failure.empty() || IsCertificateVerifyFailure(error)) {
    const std::string reason =
        verification.failure.empty() ? error.message() : verification.failure;
    return VerificationError(reason, verification.leaf_thumbprint);
  }
  if (IsConnectionEnd(error)) {
    return MakeError(ErrorKind::kReset, "TLS handshake with " + target_.where +
                                            ": the server closed the connection (" +
                                            error.message() + ")");
  }
  return MakeError(ErrorKind::kTls, "TLS handshake with " + target_.where + ": " + error.message());
}

ApiError HttpsTransport::Impl::WriteError(const ErrorCode& error, const Call& call) const {
  if (stopping_) return Cancelled();
  if (error == beast::error::timeout) return Timeout(call, "writing to");
  return MakeError(ErrorKind::kReset, "writing to " + target_.where + ": " + error.message());
}

ApiError HttpsTransport::Impl::ReadError(const ErrorCode& error, bool response_started,
                                         const Call& call) const {
  ERR_clear_error();
  if (stopping_) return Cancelled();
  if (error == beast::error::timeout) return Timeout(call, "reading from");
  if (error == http::error::body_limit) {
    return MakeError(ErrorKind::kProtocol, "response from " + target_.where +
                                               ": body exceeds limit " +
                                               std::to_string(options_.body_limit) + " bytes");
  }
  if (error == http::error::header_limit) {
    return MakeError(ErrorKind::kProtocol, "response from " + target_.where +
                                               ": headers exceed limit " +
                                               std::to_string(kHeaderLimit) + " bytes");
  }
  if (IsConnectionEnd(error)) {
    if (response_started) {
      return MakeError(ErrorKind::kTruncated,
                       "response from " + target_.where + " ended early: " + error.message());
    }
    return MakeError(ErrorKind::kReset, "reading from " + target_.where +
                                            ": the connection ended before an answer (" +
                                            error.message() + ")");
  }
  if (error.category() == http::make_error_code(http::error::bad_version).category()) {
    return MakeError(ErrorKind::kProtocol,
                     "invalid HTTP response from " + target_.where + ": " + error.message());
  }
  if (error.category() == net::error::get_ssl_category()) {
    return MakeError(ErrorKind::kTls, "reading from " + target_.where + ": " + error.message());
  }
  return MakeError(ErrorKind::kReset, "reading from " + target_.where + ": " + error.message());
}

HttpsTransport::HttpsTransport(TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpsTransport::~HttpsTransport() = default;

Result<HttpResponse> HttpsTransport::Send(const HttpRequest& request,
                                          std::chrono::milliseconds timeout) {
  return impl_->Send(request, timeout);
}

TransportStats HttpsTransport::Stats() const { return impl_->Stats(); }

}  // namespace vsrd::daemon::vsphere
