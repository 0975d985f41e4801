// The accept loop, its connection cap and the request reader, put together into a small
// server on 127.0.0.1 (kernel-chosen port) and driven over real sockets.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <gtest/gtest.h>

#include "net/accept.hpp"
#include "net/listen_address.hpp"
#include "net/request_reader.hpp"
#include "net/response_writer.hpp"
#include "tests/unit/http/raw_connection.hpp"

namespace vsrd::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
using daemon::http::testing::RawConnection;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Serves with net/ only: each request is answered 200 "METHOD TARGET BODY-SIZE"; a request
// that cannot be read gets the status of its ReadFailure and a lingering close; a connection
// over the cap gets 503. Runs on a thread of its own; the destructor stops it.
class PartsServer {
 public:
  PartsServer(RequestLimits limits, std::size_t cap, std::chrono::milliseconds idle_timeout = 0ms)
      : limits_(limits), idle_timeout_(idle_timeout), cap_(cap) {
    endpoint_ = ParseListenAddress("127.0.0.1:0")->Endpoint();
    if (const ErrorCode error = Listen(acceptor_, endpoint_))
      throw boost::system::system_error(error);
    AcceptHandlers handlers;
    handlers.serve = [this](tcp::socket socket, ConnectionCap::Slot slot) {
      SpawnConnection(io_.get_executor(), Serve(std::move(socket), std::move(slot)), Report());
    };
    handlers.refuse = [this](tcp::socket socket, ConnectionCap::Slot slot) {
      SpawnConnection(io_.get_executor(), Refuse(std::move(socket), std::move(slot)), Report());
    };
    SpawnConnection(io_.get_executor(), AcceptLoop(acceptor_, cap_, std::move(handlers)), Report());
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PartsServer() {
    io_.stop();
    thread_.join();
  }
  PartsServer(const PartsServer&) = delete;
  PartsServer& operator=(const PartsServer&) = delete;

  unsigned short Port() const { return endpoint_.port(); }
  std::size_t Serving() const { return cap_.Serving(); }
  /// One line per read: "ok METHOD TARGET" or "failure N" (the ReadFailure).
  std::vector<std::string> Reads() const {
    const std::lock_guard lock(mutex_);
    return reads_;
  }
  std::vector<std::string> Failures() const {
    const std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  std::function<void(const std::string&)> Report() {
    return [this](const std::string& message) {
      const std::lock_guard lock(mutex_);
      failures_.push_back(message);
    };
  }
  void Record(std::string line) {
    const std::lock_guard lock(mutex_);
    reads_.push_back(std::move(line));
  }

  asio::awaitable<void> Serve(tcp::socket socket, ConnectionCap::Slot slot) {
    beast::tcp_stream stream(std::move(socket));
    const ConnectionCap::Slot held = std::move(slot);
    beast::flat_buffer buffer;
    for (;;) {
      if (idle_timeout_ > 0ms && co_await WaitForRequest(stream, buffer, idle_timeout_)) co_return;
      HttpRequest request;
      if (const ErrorCode error = co_await ReadRequest(stream, buffer, limits_, request)) {
        const ReadFailure failure = ClassifyReadError(error);
        Record("failure " + std::to_string(static_cast<int>(failure)));
        const int status = failure == ReadFailure::kMalformed      ? 400
                           : failure == ReadFailure::kBodyTooLarge ? 413
                                                                   : 431;
        if (failure == ReadFailure::kGone) co_return;
        HttpResponse response = MakeResponse(status, 11, false, "test", {}, "refused\n");
        co_await AnswerAndClose(stream, response, 2s, 1s);
        co_return;
      }
      Record("ok " + std::string(request.method_string()) + " " + std::string(request.target()));
      const bool head = request.method() == beast::http::verb::head;
      HttpResponse response =
          MakeResponse(200, request.version(), request.keep_alive(), "test", {{"X-Test", "yes"}},
                       std::string(request.method_string()) + " " + std::string(request.target()) +
                           " " + std::to_string(request.body().size()));
      if (co_await WriteResponse(stream, response, head, 2s)) co_return;
      if (!request.keep_alive()) {
        co_await Close(stream, 1s);
        co_return;
      }
    }
  }

  asio::awaitable<void> Refuse(tcp::socket socket, ConnectionCap::Slot slot) {
    beast::tcp_stream stream(std::move(socket));
    const ConnectionCap::Slot held = std::move(slot);
    HttpResponse response = MakeResponse(503, 11, false, "test", {{"Retry-After", "1"}}, "busy\n");
    co_await AnswerAndClose(stream, response, 2s, 5s);
  }

  RequestLimits limits_;
  std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::vector<std::string> reads_;
  std::vector<std::string> failures_;
  ConnectionCap cap_;
  tcp::endpoint endpoint_;
  std::thread thread_;
  // Last: its destructor destroys the coroutine frames left while the members above exist.
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
};

RequestLimits Limits() { return RequestLimits{1024, 64, 5s}; }

std::string Get(const std::string& target, const std::string& extra_headers = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}

TEST(ReadRequest, ReadsPipelinedRequestsOneAfterTheOther) {
  PartsServer server(Limits(), 4);
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(Get("/one") +
                              "POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" +
                              Get("/three", "Connection: close\r\n")));
  const auto one = connection.Read();
  const auto two = connection.Read();
  const auto three = connection.Read();
  ASSERT_TRUE(one && two && three);
  EXPECT_EQ(one->body(), "GET /one 0");
  EXPECT_EQ(two->body(), "POST /two 3");
  EXPECT_EQ(three->body(), "GET /three 0");
  EXPECT_EQ((*one)["Server"], "test");
  EXPECT_EQ((*one)["X-Test"], "yes");
  EXPECT_FALSE(three->keep_alive());
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(ReadRequest, AnswersExpectContinueBeforeTheBodyIsSent) {
  PartsServer server(Limits(), 4);
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(
      "PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  const auto go_on = connection.Read(nullptr, true);
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->result_int(), 100U);
  ASSERT_TRUE(connection.Send("hello"));
  const auto response = connection.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "PUT /x 5");
}

TEST(ReadRequest, RefusesWhatBreaksTheLimitsOrTheSyntax) {
  struct Case {
    std::string name;
    std::string bytes;
    unsigned status;
  };
  const std::vector<Case> cases{
      {"a body over the limit",
       "POST /x HTTP/1.1\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'a'), 413},
      {"a chunked body over the limit",
       "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + std::string(64, 'a') +
           "\r\n1\r\na\r\n0\r\n\r\n",
       413},
      {"headers over the limit", Get("/x", "X-Big: " + std::string(2000, 'h') + "\r\n"), 431},
      {"not HTTP", "this is not http\r\n\r\n", 400},
      {"a bad Content-Length", "POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400},
  };
  PartsServer server(Limits(), 4);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RawConnection connection(server.Port());
    ASSERT_TRUE(connection.Send(c.bytes));
    const auto response = connection.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), c.status);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(connection.WaitForClose());
  }
  // Exactly at the limit is fine.
  RawConnection connection(server.Port());
  ASSERT_TRUE(
      connection.Send("POST /x HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'a')));
  const auto response = connection.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "POST /x 64");
}

TEST(ReadRequest, OneDeadlineCoversTheWholeRequestHoweverSlowlyItTrickles) {
  RequestLimits limits = Limits();
  limits.timeout = 400ms;
  PartsServer server(limits, 4);
  RawConnection connection(server.Port());
  const std::string request =
      "POST /x HTTP/1.1\r\nContent-Length: 40\r\n\r\n" + std::string(40, 'a');
  // A byte every 50 ms: each read makes progress, which a timer restarted per read would
  // allow forever; the request as a whole is over its deadline after 400 ms.
  const auto start = std::chrono::steady_clock::now();
  for (const char c : request) {
    if (!connection.Send(std::string(1, c))) break;  // the server has closed
    std::this_thread::sleep_for(50ms);
    if (std::chrono::steady_clock::now() - start > 3s) break;
  }
  std::string received;
  EXPECT_TRUE(connection.WaitForClose(&received));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 2500ms) << "the deadline was restarted by the reads";
  EXPECT_EQ(received, "");  // closed without an answer
  const std::vector<std::string> reads = server.Reads();
  ASSERT_EQ(reads.size(), 1U);
  EXPECT_EQ(reads[0], "failure " + std::to_string(static_cast<int>(ReadFailure::kGone)));
}

TEST(WaitForRequest, LimitsOnlyTheIdleTimeBeforeARequestsFirstByte) {
  PartsServer server(Limits(), 4, 200ms);
  RawConnection connection(server.Port());
  // A request begun within the idle limit has its own deadline (5 s), not the idle one.
  ASSERT_TRUE(connection.Send("GET /slow HTTP/1.1\r\n"));
  std::this_thread::sleep_for(400ms);
  ASSERT_TRUE(connection.Send("Host: t\r\n\r\n"));
  const auto answered = connection.Read();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->body(), "GET /slow 0");
  // Then nothing: the connection is idle and closed after about 200 ms.
  const auto idle_since = std::chrono::steady_clock::now();
  std::string received;
  EXPECT_TRUE(connection.WaitForClose(&received));
  EXPECT_GE(std::chrono::steady_clock::now() - idle_since, 150ms);
  EXPECT_EQ(received, "");
}

TEST(ConnectionCap, ServesUpToTheCapRefusesAsManyMoreAndDropsTheRest) {
  ConnectionCap cap(2);
  std::vector<ConnectionCap::Slot> slots(5);
  EXPECT_EQ(cap.Admit(slots[0]), ConnectionCap::Verdict::kServe);
  EXPECT_EQ(cap.Admit(slots[1]), ConnectionCap::Verdict::kServe);
  EXPECT_EQ(cap.Admit(slots[2]), ConnectionCap::Verdict::kRefuse);
  EXPECT_EQ(cap.Admit(slots[3]), ConnectionCap::Verdict::kRefuse);
  EXPECT_EQ(cap.Admit(slots[4]), ConnectionCap::Verdict::kDrop);
  EXPECT_EQ(cap.Serving(), 2U);
  slots[0] = ConnectionCap::Slot();  // a served connection ends
  EXPECT_EQ(cap.Serving(), 1U);
  EXPECT_EQ(cap.Admit(slots[0]), ConnectionCap::Verdict::kServe);
  ConnectionCap::Slot moved = std::move(slots[2]);  // moving keeps the place
  EXPECT_EQ(cap.Admit(slots[4]), ConnectionCap::Verdict::kDrop);
  moved = ConnectionCap::Slot();
  EXPECT_EQ(cap.Admit(slots[4]), ConnectionCap::Verdict::kRefuse);
}

TEST(ConnectionCap, WithoutALimitServesEverything) {
  ConnectionCap cap;
  std::vector<ConnectionCap::Slot> slots(1000);
  for (auto& slot : slots) EXPECT_EQ(cap.Admit(slot), ConnectionCap::Verdict::kServe);
}

TEST(AcceptLoop, AnswersTheConnectionOverTheCapWith503AndClosesTheNextAtOnce) {
  PartsServer server(Limits(), 1);
  RawConnection served(server.Port());
  ASSERT_TRUE(served.Send(Get("/x")));
  ASSERT_TRUE(served.Read());  // counted: a finished request proves the server took it

  RawConnection refused(server.Port());  // kept open: its refusal lingers for up to 5 s
  const auto busy = refused.Read();
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->result_int(), 503U);
  EXPECT_EQ((*busy)["Retry-After"], "1");

  RawConnection dropped(server.Port());
  std::string received;
  EXPECT_TRUE(dropped.WaitForClose(&received));
  EXPECT_EQ(received, "");

  // Once the served connection leaves and the server has seen it, a new one is served again.
  served.Close();
  refused.Close();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.Serving() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  RawConnection next(server.Port());
  ASSERT_TRUE(next.Send(Get("/again")));
  const auto response = next.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_TRUE(server.Failures().empty());
}

TEST(ClassifyReadError, TellsWhatEachReadErrorMeansForTheAnswer) {
  namespace http = beast::http;
  EXPECT_EQ(ClassifyReadError(http::error::body_limit), ReadFailure::kBodyTooLarge);
  EXPECT_EQ(ClassifyReadError(http::error::header_limit), ReadFailure::kHeaderTooLarge);
  EXPECT_EQ(ClassifyReadError(http::error::buffer_overflow), ReadFailure::kHeaderTooLarge);
  EXPECT_EQ(ClassifyReadError(http::error::bad_method), ReadFailure::kMalformed);
  EXPECT_EQ(ClassifyReadError(http::error::bad_content_length), ReadFailure::kMalformed);
  EXPECT_EQ(ClassifyReadError(http::error::end_of_stream), ReadFailure::kGone);
  EXPECT_EQ(ClassifyReadError(http::error::partial_message), ReadFailure::kGone);
  EXPECT_EQ(ClassifyReadError(beast::error::timeout), ReadFailure::kGone);
  EXPECT_EQ(ClassifyReadError(asio::error::connection_reset), ReadFailure::kGone);
}

TEST(RefusalFor, GivesTheStatusAndReasonOwedOrNothingWhenNobodyWaits) {
  namespace http = beast::http;
  EXPECT_EQ(RefusalFor(http::error::body_limit)->status, 413);
  EXPECT_EQ(RefusalFor(http::error::body_limit)->reason, "request body too large");
  EXPECT_EQ(RefusalFor(http::error::header_limit)->status, 431);
  EXPECT_EQ(RefusalFor(http::error::header_limit)->reason, "request header fields too large");
  const auto malformed = RefusalFor(http::error::bad_version);
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(malformed->reason.rfind("malformed HTTP request: ", 0), 0U) << malformed->reason;
  EXPECT_FALSE(RefusalFor(beast::error::timeout));
  EXPECT_FALSE(RefusalFor(http::error::end_of_stream));
}

TEST(MakeResponse, SendsNoBodyWhereTheStatusForbidsOneAndMapsNonsenseTo500) {
  const HttpResponse no_content = MakeResponse(204, 11, true, "s", {}, "dropped");
  EXPECT_TRUE(no_content.body().empty());
  EXPECT_EQ(no_content.result_int(), 204U);
  const HttpResponse nonsense = MakeResponse(42, 10, false, "s", {}, "x");
  EXPECT_EQ(nonsense.result_int(), 500U);
  EXPECT_EQ(nonsense.version(), 10U);
  EXPECT_EQ(nonsense[beast::http::field::content_length], "1");
  EXPECT_FALSE(nonsense.keep_alive());
}

}  // namespace
}  // namespace vsrd::net
