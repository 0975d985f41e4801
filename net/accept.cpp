#include "net/accept.hpp"

#include <chrono>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vsrd::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// After an accept error, wait this long before accepting again instead of spinning on it.
constexpr auto kAcceptPause = std::chrono::milliseconds(50);

}  // namespace

ErrorCode Listen(tcp::acceptor& acceptor, tcp::endpoint& endpoint) {
  ErrorCode error;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (!error) endpoint = acceptor.local_endpoint(error);
  if (error) {
    ErrorCode ignored;
    acceptor.close(ignored);
  }
  return error;
}

bool ConnectionCap::TryTake(std::atomic<std::size_t>& counter, std::size_t limit) {
  std::size_t current = counter.load();
  while (current < limit) {
    if (counter.compare_exchange_weak(current, current + 1)) return true;
  }
  return false;
}

ConnectionCap::Verdict ConnectionCap::Admit(Slot& slot) {
  if (TryTake(serving_, limit_)) {
    slot = Slot(&serving_);
    return Verdict::kServe;
  }
  if (TryTake(refusing_, limit_)) {
    slot = Slot(&refusing_);
    return Verdict::kRefuse;
  }
  slot = Slot();
  return Verdict::kDrop;
}

asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor, ConnectionCap& cap,
                                 AcceptHandlers handlers) {
  for (;;) {
    // Not a temporary inside the co_await: g++ 12 destroys some of those twice.
    const asio::any_io_executor executor =
        handlers.connection_executor ? handlers.connection_executor() : acceptor.get_executor();
    auto [error, socket] = co_await acceptor.async_accept(executor, kUseTuple);
    if ((handlers.ended && handlers.ended()) || !acceptor.is_open()) co_return;
    if (error) {
      if (handlers.on_error) handlers.on_error(error);
      asio::steady_timer pause(co_await asio::this_coro::executor, kAcceptPause);
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    ConnectionCap::Slot slot;
    switch (cap.Admit(slot)) {
      case ConnectionCap::Verdict::kServe: {
        // TCP_NODELAY: a response goes out in more than one write (headers, body, TLS records);
        // with Nagle's algorithm the second waits for the peer's delayed ACK, about 40 ms a
        // request (bench/results/2026-12-07-scale.txt: most calls took 25 to 50 ms).
        ErrorCode ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        handlers.serve(std::move(socket), std::move(slot));
      }
        continue;
      case ConnectionCap::Verdict::kRefuse:
        if (handlers.refuse) {
          handlers.refuse(std::move(socket), std::move(slot));
          continue;
        }
        break;
      case ConnectionCap::Verdict::kDrop:
        break;
    }
    ErrorCode ignored;
    socket.close(ignored);
  }
}

void SpawnConnection(const asio::any_io_executor& executor, asio::awaitable<void> task,
                     std::function<void(const std::string&)> report) {
  asio::co_spawn(executor, std::move(task),
                 [report = std::move(report)](const std::exception_ptr& failure) {
                   if (!failure) return;
                   try {
                     std::rethrow_exception(failure);
                   } catch (const std::exception& error) {
                     report(std::string("connection ended by an exception: ") + error.what());
                   } catch (...) {
                     report("connection ended by an unknown exception");
                   }
                 });
}

}  // namespace vsrd::net
