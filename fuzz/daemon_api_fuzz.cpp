// The daemon API (`vsrd run`'s HTTP server, docs/daemon.md "HTTP") from the bytes a client
// sends to what the routes answer, without a socket: net::ReadRequest, the server's reader with
// its default limits (8 KiB of headers, 64 KiB of body), reads the input as one connection's
// first request; a read error gets the refusal the server would write (net::RefusalFor);
// a request read becomes the handler's Request (http::ToRequest: target decoding and checks,
// header fields), and then goes through the access rules (ApiAccess) and the routes
// (MakeDaemonHandler) over a small fixed backend.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "daemon/engine/status_store.hpp"
#include "daemon/http/daemon_api.hpp"
#include "daemon/http/server.hpp"
#include "daemon/http/server_request.hpp"
#include "fuzz/fuzz_input.hpp"
#include "manifests/object_key.hpp"
#include "net/request_reader.hpp"

namespace {

namespace beast = boost::beast;
using vsrd::daemon::http::Check;
using vsrd::daemon::http::DaemonBackend;
using vsrd::daemon::http::Handler;
using vsrd::daemon::http::Request;

// Beast's in-memory test stream with the deadline call ReadRequest makes on a tcp_stream: the
// whole input is already there, so there is nothing to time out.
class InMemoryStream {
 public:
  using executor_type = beast::test::stream::executor_type;

  explicit InMemoryStream(beast::test::stream& stream) : stream_(stream) {}

  // NOLINTNEXTLINE(readability-identifier-naming): the name Beast's stream concepts require
  executor_type get_executor() { return stream_.get_executor(); }
  // NOLINTNEXTLINE(readability-identifier-naming): the name Beast's stream concepts require
  void expires_after(std::chrono::steady_clock::duration /*timeout*/) {}

  template <class Buffers, class Token>
  // NOLINTNEXTLINE(readability-identifier-naming): the name Beast's stream concepts require
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return stream_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <class Buffers, class Token>
  // NOLINTNEXTLINE(readability-identifier-naming): the name Beast's stream concepts require
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return stream_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  beast::test::stream& stream_;
};

// One object, one failing readiness check, a reconcile that knows that object: enough for
// every route to reach its success and its failure answers.
Handler MakeHandler() {
  vsrd::daemon::ObjectStatus status;
  status.key = *vsrd::manifests::ObjectKey::Parse("VchaPassiveNode/vc01-passive");
  status.target = "vc01";
  DaemonBackend backend;
  backend.metrics = [] { return std::string("vsrd_up 1\n"); };
  backend.health = [] { return std::vector<Check>{{"workers", true, ""}}; };
  backend.readiness = [] { return std::vector<Check>{{"target vc01", false, "not logged in"}}; };
  backend.statuses = [status] { return std::vector<vsrd::daemon::ObjectStatus>{status}; };
  backend.revision = [] { return std::string("0123456789abcdef"); };
  backend.manifest_errors = [] { return std::vector<std::string>{"a.yaml:1:1: error: x"}; };
  backend.mutations_blocked = [] { return std::optional<std::string>(); };
  backend.reconcile = [key = status.key](const vsrd::manifests::ObjectKey& asked, bool /*reset*/) {
    return asked == key;
  };
  return vsrd::daemon::http::MakeDaemonHandler(std::move(backend),
                                               vsrd::daemon::http::ApiAccess({"vsrd.example.com"}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Handler kHandler = MakeHandler();
  boost::asio::io_context io;
  beast::test::stream stream(io);
  stream.append(vsrd::fuzz::AsText(data, size));
  stream.close_remote();  // the client sent these bytes and stopped

  vsrd::net::HttpRequest message;
  boost::system::error_code error;
  bool done = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        InMemoryStream in_memory(stream);
        beast::flat_buffer buffer;
        error =
            co_await vsrd::net::ReadRequest(in_memory, buffer, vsrd::net::RequestLimits{}, message);
        done = true;
      },
      boost::asio::detached);
  io.run();
  if (!done) __builtin_trap();  // ReadRequest must finish on input that is all there

  if (error) {
    (void)vsrd::net::RefusalFor(error);
    return 0;
  }
  Request request;
  if (vsrd::daemon::http::ToRequest(message, "127.0.0.1:9464", request)) return 0;
  (void)kHandler(request);
  return 0;
}
