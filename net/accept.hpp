#pragma once

// The listening side both HTTP servers share: binding a listener, the accept loop, the cap on
// connections served at once, and spawning one coroutine per connection.

#include <atomic>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace vsrd::net {

/// Opens `acceptor` for `endpoint` with SO_REUSEADDR (a restarted server, or a listener reopened
/// after a refusal, must bind while its earlier connections sit in TIME_WAIT), binds and
/// listens; on success `endpoint` gets the bound address (the kernel's port when 0 was asked
/// for). On failure the acceptor is closed again and the error returned, e.g.
/// address_in_use. Blocking (no network traffic); use it where `acceptor` may be used.
boost::system::error_code Listen(boost::asio::ip::tcp::acceptor& acceptor,
                                 boost::asio::ip::tcp::endpoint& endpoint);

/// Counts the connections a server serves, and those it only refuses, against a cap.
/// Thread-safe (atomic counters), so accept loops and connections may run on any strands.
class ConnectionCap {
 public:
  /// What to do with a new connection.
  enum class Verdict {
    kServe,   ///< under the cap
    kRefuse,  ///< at the cap: answer that the server is busy, then close
    kDrop,    ///< as many are being refused as are served: close at once, without a word
  };

  /// Holds one connection's place until destroyed (movable, not copyable).
  class Slot {
   public:
    Slot() = default;
    ~Slot() { Release(); }
    Slot(Slot&& other) noexcept : counter_(other.counter_) { other.counter_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        Release();
        counter_ = other.counter_;
        other.counter_ = nullptr;
      }
      return *this;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    friend class ConnectionCap;
    explicit Slot(std::atomic<std::size_t>* counter) : counter_(counter) {}
    void Release() {
      if (counter_ != nullptr) counter_->fetch_sub(1);
      counter_ = nullptr;
    }
    std::atomic<std::size_t>* counter_ = nullptr;
  };

  /// `limit` connections are served at once; `limit` more may be refused at once. The default
  /// has no cap.
  explicit ConnectionCap(std::size_t limit = std::numeric_limits<std::size_t>::max())
      : limit_(limit) {}
  ConnectionCap(const ConnectionCap&) = delete;
  ConnectionCap& operator=(const ConnectionCap&) = delete;

  /// Decides for one new connection and, unless kDrop, takes its place in `slot`: the place is
  /// counted from here, not from when the connection's coroutine starts, so a burst of accepts
  /// cannot overshoot the cap.
  Verdict Admit(Slot& slot);

  /// Connections being served now.
  std::size_t Serving() const { return serving_.load(); }

 private:
  static bool TryTake(std::atomic<std::size_t>& counter, std::size_t limit);

  std::size_t limit_;
  std::atomic<std::size_t> serving_{0};
  std::atomic<std::size_t> refusing_{0};
};

/// What an accept loop does with what it accepts.
struct AcceptHandlers {
  /// The executor a new connection runs on, e.g. a strand of its own (then the connection's
  /// handlers never run concurrently). Null: the acceptor's executor.
  std::function<boost::asio::any_io_executor()> connection_executor;
  /// Asked after each accept completes: true ends the loop (the server stops, or the listener
  /// was closed and reopened and a new loop serves it). The accepted socket is then closed.
  std::function<bool()> ended;
  /// Told about an accept error (e.g. out of file descriptors) before the loop pauses 50 ms,
  /// instead of spinning on the error, and accepts again. May be null.
  std::function<void(const boost::system::error_code&)> on_error;
  /// Takes a connection to serve (ConnectionCap::Verdict::kServe) with its place.
  std::function<void(boost::asio::ip::tcp::socket, ConnectionCap::Slot)> serve;
  /// Takes a connection over the cap (kRefuse) with its place; null: such a connection is
  /// closed at once like a kDrop.
  std::function<void(boost::asio::ip::tcp::socket, ConnectionCap::Slot)> refuse;
};

/// Accepts on `acceptor` until it is closed or handlers.ended() says so, handing each connection
/// to handlers.serve or handlers.refuse as `cap` decides. Runs on the caller's executor (the
/// acceptor's strand when several threads run the io_context); never throws for network errors.
boost::asio::awaitable<void> AcceptLoop(boost::asio::ip::tcp::acceptor& acceptor,
                                        ConnectionCap& cap, AcceptHandlers handlers);

/// co_spawns `task` on `executor`, detached. An exception that escapes it ends that task only
/// (a bug or resource exhaustion in one connection must not end the server): `report` gets
/// "connection ended by an exception: WHAT" (or "... an unknown exception"). Thread-safe.
void SpawnConnection(const boost::asio::any_io_executor& executor,
                     boost::asio::awaitable<void> task,
                     std::function<void(const std::string&)> report);

}  // namespace vsrd::net
