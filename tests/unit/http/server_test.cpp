#include "daemon/http/server.hpp"

#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "daemon/http/client.hpp"
#include "tests/unit/http/raw_connection.hpp"

namespace vsrd::daemon::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;

// Records every request it sees and answers with a summary of it.
class Recorder {
 public:
  Handler Make() {
    return [this](const Request& request) {
      const std::lock_guard lock(mutex_);
      requests_.push_back(request);
      std::string query;
      for (const auto& [key, value] : request.query) {
        query.append("[").append(key).append("=").append(value).append("]");
      }
      return Response{200,
                      "text/plain; charset=utf-8",
                      request.method + " " + request.path + " " + query + " " + request.body,
                      {{"X-Test", "yes"}}};
    };
  }
  std::vector<Request> Requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
};

struct Log {
  std::shared_ptr<std::ostringstream> text = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> logger = [this] {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*text);
    auto result = std::make_shared<spdlog::logger>("http-test", sink);
    result->set_level(spdlog::level::debug);
    result->set_pattern("%l %v");
    return result;
  }();
};

ServerOptions Options() {
  ServerOptions options;
  options.read_timeout = 5s;
  return options;
}

std::string Get(const std::string& target, const std::string& extra_headers = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}

TEST(Server, AnswersARequestWithTheHandlersResponse) {
  Recorder recorder;
  Log log;
  Server server("127.0.0.1:0", recorder.Make(), Options(), log.logger);
  server.Start();
  ASSERT_NE(server.Port(), 0);
  EXPECT_EQ(server.Address(), "127.0.0.1:" + std::to_string(server.Port()));

  const auto response = Fetch(server.Address(), "POST", "/hello?x=1", 5s, "the body");
  ASSERT_TRUE(response) << response.Error();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /hello [x=1] the body");
  server.Stop();
  // One debug line per request: method, path, status, duration; never the body.
  EXPECT_NE(log.text->str().find("debug http: POST /hello 200 "), std::string::npos)
      << log.text->str();
  EXPECT_EQ(log.text->str().find("the body"), std::string::npos);
}

TEST(Server, PassesContentTypeAndExtraHeadersThrough) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(Get("/x")));
  const auto response = connection.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ((*response)["Content-Type"], "text/plain; charset=utf-8");
  EXPECT_EQ((*response)["X-Test"], "yes");
}

TEST(Server, DecodesThePathAndTheQuery) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  const auto response = Fetch(server.Address(), "GET",
                              "/status/a%20b/c%41?verbose&reset=true&q=a+b%21&empty=&&last", 5s);
  ASSERT_TRUE(response) << response.Error();
  ASSERT_EQ(recorder.Requests().size(), 1U);
  const Request request = recorder.Requests()[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/status/a b/cA");
  const std::map<std::string, std::string> expected{
      {"verbose", ""}, {"reset", "true"}, {"q", "a b!"}, {"empty", ""}, {"last", ""}};
  EXPECT_EQ(request.query, expected);
}

TEST(Server, RefusesTargetsThatAreNotPlainPathsWith400) {
  struct Case {
    std::string name;
    std::string target;
  };
  const std::vector<Case> cases{
      {"a malformed escape", "/status/%zz"},
      {"a truncated escape", "/status/%4"},
      {"an encoded NUL", "/status/a%00b"},
      {"a control character", "/status/a%0Ab"},
      {"a dot-dot segment", "/status/../metrics"},
      {"an encoded dot-dot segment", "/status/%2e%2E/metrics"},
      {"a dot segment", "/./metrics"},
      {"an encoded slash", "/status/Kind%2Fname"},
      {"an asterisk", "*"},
      {"an absolute URL", "http://127.0.0.1/metrics"},
      {"a malformed query escape", "/status?reset=%G0"},
      {"a NUL in the query", "/status?reset=%00"},
  };
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RawConnection connection(server.Port());
    ASSERT_TRUE(connection.Send(Get(c.target)));
    const auto response = connection.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 400U);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(connection.WaitForClose());
  }
  EXPECT_TRUE(recorder.Requests().empty());
}

TEST(Server, KeepsAConnectionAliveForSeveralRequests) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(Get("/one")));
  const auto first = connection.Read();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keep_alive());
  EXPECT_EQ(first->body(), "GET /one  ");
  ASSERT_TRUE(connection.Send(Get("/two")));
  const auto second = connection.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body(), "GET /two  ");
  // Two pipelined requests in one write.
  ASSERT_TRUE(connection.Send(Get("/three") + Get("/four", "Connection: close\r\n")));
  const auto third = connection.Read();
  const auto fourth = connection.Read();
  ASSERT_TRUE(third && fourth);
  EXPECT_EQ(third->body(), "GET /three  ");
  EXPECT_EQ(fourth->body(), "GET /four  ");
  EXPECT_FALSE(fourth->keep_alive());
  EXPECT_TRUE(connection.WaitForClose());
}

TEST(Server, AnswersHeadLikeGetWithoutTheBody) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto head = connection.Read(nullptr, true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200U);
  EXPECT_EQ((*head)["Content-Length"], std::to_string(std::string("GET /x  ").size()));
  EXPECT_TRUE(head->body().empty());
  // The connection stays usable: no body bytes were sent after the headers.
  ASSERT_TRUE(connection.Send(Get("/y")));
  const auto next = connection.Read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "GET /y  ");
  EXPECT_EQ(recorder.Requests().at(0).method, "GET");
}

TEST(Server, AnswersMalformedRequestsWith400AndCloses) {
  const std::vector<std::string> requests{
      "this is not http\r\n\r\n",
      "GET /x HTTP/1.1 trailing\r\n\r\n",
      "GET /x HTTP/1.1\r\nBad Header Line\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  };
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  for (const std::string& request : requests) {
    SCOPED_TRACE(request);
    RawConnection connection(server.Port());
    ASSERT_TRUE(connection.Send(request));
    const auto response = connection.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 400U);
    EXPECT_TRUE(connection.WaitForClose());
  }
  EXPECT_TRUE(recorder.Requests().empty());
}

TEST(Server, AnswersABodyOverTheLimitWith413) {
  Recorder recorder;
  ServerOptions options = Options();
  options.body_limit = 16;
  Server server("127.0.0.1:0", recorder.Make(), options, nullptr);
  server.Start();
  {
    RawConnection connection(server.Port());
    ASSERT_TRUE(connection.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 17\r\n\r\n" +
                                std::string(17, 'a')));
    const auto response = connection.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413U);
    EXPECT_TRUE(connection.WaitForClose());
  }
  {
    // Chunked: the limit is found while reading the body.
    RawConnection connection(server.Port());
    ASSERT_TRUE(
        connection.Send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "10\r\naaaaaaaaaaaaaaaa\r\n10\r\naaaaaaaaaaaaaaaa\r\n0\r\n\r\n"));
    const auto response = connection.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 413U);
  }
  // Exactly at the limit is fine.
  const auto ok = Fetch(server.Address(), "POST", "/x", 5s, std::string(16, 'b'));
  ASSERT_TRUE(ok) << ok.Error();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(recorder.Requests().size(), 1U);
}

TEST(Server, AnswersHeadersOverTheLimitWith431) {
  Recorder recorder;
  ServerOptions options = Options();
  options.header_limit = 512;
  Server server("127.0.0.1:0", recorder.Make(), options, nullptr);
  server.Start();
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(Get("/x", "X-Big: " + std::string(1000, 'h') + "\r\n")));
  const auto response = connection.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431U);
  EXPECT_TRUE(connection.WaitForClose());
  EXPECT_TRUE(recorder.Requests().empty());
}

TEST(Server, ClosesASlowClientAfterTheReadTimeout) {
  Recorder recorder;
  ServerOptions options;
  options.read_timeout = 200ms;
  Server server("127.0.0.1:0", recorder.Make(), options, nullptr);
  server.Start();
  for (const std::string& partial : {std::string("GET /x HTTP/1.1\r\nHost: t\r\nX-Half: "),
                                     std::string("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n"
                                                 "half")}) {
    SCOPED_TRACE(partial);
    const auto start = std::chrono::steady_clock::now();
    RawConnection connection(server.Port());
    ASSERT_TRUE(connection.Send(partial));
    std::string received;
    EXPECT_TRUE(connection.WaitForClose(&received));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
    EXPECT_EQ(received, "");  // closed without an answer
  }
  EXPECT_TRUE(recorder.Requests().empty());
}

TEST(Server, ClosesAnIdleKeepAliveConnectionAfterTheReadTimeout) {
  Recorder recorder;
  ServerOptions options;
  options.read_timeout = 200ms;
  Server server("127.0.0.1:0", recorder.Make(), options, nullptr);
  server.Start();
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(Get("/x")));
  ASSERT_TRUE(connection.Read());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(connection.WaitForClose());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
}

TEST(Server, ClosesTheConnectionWaitingLongestForANewOneAtTheLimit) {
  Recorder recorder;
  ServerOptions options = Options();
  options.max_connections = 2;
  Server server("127.0.0.1:0", recorder.Make(), options, nullptr);
  server.Start();
  RawConnection idle(server.Port());  // waits for its first request from now on
  RawConnection active(server.Port());
  // Accepted after `idle` (the kernel queues connections in order), and its wait for a second
  // request began after `idle`'s wait.
  ASSERT_TRUE(active.Send(Get("/first")));
  ASSERT_TRUE(active.Read());

  RawConnection late(server.Port());
  ASSERT_TRUE(late.Send(Get("/late")));
  const auto response = late.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200U) << "nothing is refused at the limit";
  std::string received;
  EXPECT_TRUE(idle.WaitForClose(&received));
  EXPECT_EQ(received, "") << "closed without an answer";
  ASSERT_TRUE(active.Send(Get("/second")));
  const auto again = active.Read();
  ASSERT_TRUE(again) << "the connection that waited less stays open";
  EXPECT_EQ(again->result_int(), 200U);
}

TEST(Server, IdleAndSlowConnectionsCannotKeepAProbeOut) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), ServerOptions{}, nullptr);  // 64, 10 s
  server.Start();
  const auto start = std::chrono::steady_clock::now();
  // Three times the limit: idle ones, and ones that sent half a header (slowloris).
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 200; ++i) {
    flood.push_back(std::make_unique<RawConnection>(server.Port()));
    if (i % 2 == 1) flood.back()->Send("GET /x HTTP/1.1\r\nHost: t\r\nX-Slow: ");
  }
  for (int probe = 0; probe < 5; ++probe) {
    SCOPED_TRACE(probe);
    const auto sent = std::chrono::steady_clock::now();
    const auto response = Fetch(server.Address(), "GET", "/healthz", 5s);
    ASSERT_TRUE(response) << response.Error();
    EXPECT_EQ(response->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - sent, 2s);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST(Server, HandsHeaderFieldsAndTheLocalAddressToTheHandler) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  server.Start();
  RawConnection connection(server.Port());
  ASSERT_TRUE(connection.Send(
      "GET /x HTTP/1.1\r\nHost: a:1\r\nX-Vsrd-Request: 1\r\nAccept: x\r\naccept: y\r\n"
      "HOST: b:2\r\n\r\n"));
  ASSERT_TRUE(connection.Read());
  ASSERT_EQ(recorder.Requests().size(), 1U);
  const Request request = recorder.Requests()[0];
  EXPECT_EQ(request.headers.at("x-vsrd-request"), "1");
  EXPECT_EQ(request.headers.at("accept"), "x, y");
  EXPECT_EQ(request.headers.at("host"), "a:1, b:2") << "a second Host is not hidden";
  EXPECT_EQ(request.local_address, server.Address());
}

TEST(Server, AnswersAThrowingHandlerWith500AndLogsTheException) {
  Log log;
  Server server(
      "127.0.0.1:0",
      [](const Request& request) -> Response {
        if (request.path == "/throw") throw std::runtime_error("boom: internal detail");
        if (request.path == "/throw-int") throw 42;
        return Response{200, "text/plain", "fine", {}};
      },
      Options(), log.logger);
  server.Start();
  for (const std::string path : {"/throw", "/throw-int"}) {
    const auto response = Fetch(server.Address(), "GET", path, 5s);
    ASSERT_TRUE(response) << response.Error();
    EXPECT_EQ(response->status, 500);
    EXPECT_EQ(response->body, "internal server error\n");
  }
  const auto after = Fetch(server.Address(), "GET", "/fine", 5s);
  ASSERT_TRUE(after) << after.Error();
  EXPECT_EQ(after->status, 200);
  server.Stop();
  EXPECT_NE(log.text->str().find("error http: GET /throw failed: boom: internal detail"),
            std::string::npos)
      << log.text->str();
  EXPECT_NE(log.text->str().find("error http: GET /throw-int failed with an unknown exception"),
            std::string::npos);
}

TEST(Server, SurvivesRandomGarbage) {
  Recorder recorder;
  ServerOptions options = Options();
  options.read_timeout = 300ms;
  options.header_limit = 1024;
  Server server("127.0.0.1:0", recorder.Make(), options, nullptr);
  server.Start();
  std::mt19937 random(20260101);  // fixed seed: reproducible
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(1, 3000);
  const std::vector<std::string> prefixes{"", "GET ", "GET /", "GET / HTTP/1.1\r\n",
                                          "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"};
  for (int i = 0; i < 60; ++i) {
    std::string garbage = prefixes.at(static_cast<std::size_t>(i) % prefixes.size());
    const std::size_t size = length(random);
    for (std::size_t k = 0; k < size; ++k) garbage.push_back(static_cast<char>(byte(random)));
    if (i % 3 == 0) garbage += "\r\n\r\n";
    RawConnection connection(server.Port());
    connection.Send(garbage);
    EXPECT_TRUE(connection.WaitForClose());
  }
  const auto response = Fetch(server.Address(), "GET", "/still-here", 5s);
  ASSERT_TRUE(response) << response.Error();
  EXPECT_EQ(response->status, 200);
}

TEST(Server, StopReturnsPromptlyWithIdleConnectionsOpen) {
  Recorder recorder;
  ServerOptions options;
  options.read_timeout = 60s;  // Stop must not wait for it
  auto server = std::make_unique<Server>("127.0.0.1:0", recorder.Make(), options, nullptr);
  server->Start();
  std::vector<std::unique_ptr<RawConnection>> connections;
  connections.reserve(3);
  for (int i = 0; i < 3; ++i) {
    connections.push_back(std::make_unique<RawConnection>(server->Port()));
  }
  ASSERT_TRUE(connections[0]->Send(Get("/x")));
  ASSERT_TRUE(connections[0]->Read());                       // idle between requests
  ASSERT_TRUE(connections[1]->Send("GET /x HTTP/1.1\r\n"));  // half a request
  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  for (auto& connection : connections) EXPECT_TRUE(connection->WaitForClose());
  server->Stop();  // idempotent
  server.reset();  // the destructor stops again, harmlessly
}

TEST(Server, StopWithoutStartAndStartAfterStopDoNothing) {
  Recorder recorder;
  Server server("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  const std::string address = server.Address();
  server.Stop();
  server.Start();
  const auto response = Fetch(address, "GET", "/x", 2s);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.Error(), "connection refused");
}

TEST(Server, ReportsAnAddressInUse) {
  Recorder recorder;
  Server first("127.0.0.1:0", recorder.Make(), Options(), nullptr);
  try {
    Server second(first.Address(), recorder.Make(), Options(), nullptr);
    FAIL() << "a second server bound " << first.Address();
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), "listen " + first.Address() + ": address already in use");
  }
}

TEST(Server, ReportsAnAddressThatIsNotAListenAddress) {
  Recorder recorder;
  for (const std::string listen : {"example.com:80", "127.0.0.1", ":9464", "127.0.0.1:99999"}) {
    try {
      Server server(listen, recorder.Make(), Options(), nullptr);
      FAIL() << listen;
    } catch (const std::runtime_error& error) {
      EXPECT_EQ(std::string(error.what()),
                "listen " + listen +
                    ": not an address such as 127.0.0.1:9464, [::1]:9464 or localhost:9464");
    }
  }
}

TEST(ParseListenAddress, AcceptsTheConfigFormsOnly) {
  struct Case {
    std::string text;
    std::optional<std::string> formatted;  // FormatListenAddress of the result
  };
  const std::vector<Case> cases{
      {"127.0.0.1:9464", "127.0.0.1:9464"},
      {"0.0.0.0:0", "0.0.0.0:0"},
      {"[::1]:9464", "[::1]:9464"},
      {"[::]:80", "[::]:80"},
      {"localhost:9464", "127.0.0.1:9464"},
      {"::1:9464", std::nullopt},
      {"[127.0.0.1]:9464", std::nullopt},
      {"[localhost]:9464", std::nullopt},
      {"example.com:9464", std::nullopt},
      {"127.0.0.1:", std::nullopt},
      {"127.0.0.1:65536", std::nullopt},
      {"127.0.0.1:-1", std::nullopt},
      {"127.0.0.1:94x", std::nullopt},
      {"9464", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const auto parsed = ParseListenAddress(c.text);
    ASSERT_EQ(parsed.has_value(), c.formatted.has_value());
    if (parsed) {
      EXPECT_EQ(FormatListenAddress(*parsed), *c.formatted);
    }
  }
}

TEST(Fetch, ReplacesWildcardAddressesWithLoopback) {
  EXPECT_EQ(ClientAddress("0.0.0.0:9464"), "127.0.0.1:9464");
  EXPECT_EQ(ClientAddress("[::]:9464"), "[::1]:9464");
  EXPECT_EQ(ClientAddress("localhost:9464"), "127.0.0.1:9464");
  EXPECT_EQ(ClientAddress("10.0.0.1:9464"), "10.0.0.1:9464");
}

TEST(Fetch, TimesOutOnAServerThatNeverAnswers) {
  Server server(
      "127.0.0.1:0", [](const Request&) { return Response{}; }, Options(), nullptr);
  // Not started: the kernel completes the connection (backlog) but nobody answers.
  const auto start = std::chrono::steady_clock::now();
  const auto response = Fetch(server.Address(), "GET", "/x", 200ms);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.Error(), "timed out after 200ms");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST(Fetch, RejectsAnAddressItCannotUse) {
  const auto response = Fetch("example.com:80", "GET", "/", 1s);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.Error(), "not an address: example.com:80");
}

}  // namespace
}  // namespace vsrd::daemon::http
