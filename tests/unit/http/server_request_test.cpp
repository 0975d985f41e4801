#include "daemon/http/server_request.hpp"

#include <gtest/gtest.h>

namespace vsrd::daemon::http {
namespace {

namespace beast_http = boost::beast::http;

net::HttpRequest Message(beast_http::verb verb, std::string_view target) {
  net::HttpRequest message{verb, target, 11};
  message.set(beast_http::field::host, "127.0.0.1:9464");
  return message;
}

TEST(ToRequest, FillsEveryFieldTheHandlerReads) {
  net::HttpRequest message = Message(beast_http::verb::post, "/reconcile/a%20b/c?reset=true&x+y");
  message.insert("X-Vsrd-Request", "1");
  message.insert("x-vsrd-request", "2");
  message.body() = "{}";
  Request request;
  EXPECT_EQ(ToRequest(message, "127.0.0.1:9464", request), std::nullopt);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/reconcile/a b/c");
  EXPECT_EQ(request.query, (std::map<std::string, std::string>{{"reset", "true"}, {"x y", ""}}));
  EXPECT_EQ(request.body, "{}");
  EXPECT_EQ(request.headers.at("host"), "127.0.0.1:9464");
  EXPECT_EQ(request.headers.at("x-vsrd-request"), "1, 2");  // repeated fields joined
  EXPECT_EQ(request.local_address, "127.0.0.1:9464");
}

TEST(ToRequest, HeadIsHandledAsGet) {
  net::HttpRequest message = Message(beast_http::verb::head, "/metrics");
  Request request;
  EXPECT_EQ(ToRequest(message, "", request), std::nullopt);
  EXPECT_EQ(request.method, "GET");
}

TEST(ToRequest, RefusesTargetsTheServerAnswersWith400) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"status", "absolute path"},           {"/status#x", "fragment"},
      {"/status/%zz", "malformed %-escape"}, {"/status/%", "malformed %-escape"},
      {"/status/a%2Fb", "encoded '/'"},      {"/status/%00", "control characters"},
      {"/status/../metrics", "\"..\""},      {"/status?x=%0a", "control characters"},
  };
  for (const auto& [target, expected] : cases) {
    net::HttpRequest message = Message(beast_http::verb::head, target);
    Request request;
    const auto problem = ToRequest(message, "", request);
    ASSERT_TRUE(problem.has_value()) << target;
    EXPECT_NE(problem->find(expected), std::string::npos) << target << ": " << *problem;
    EXPECT_EQ(request.method, "HEAD") << target;  // as sent, for the access log
  }
}

}  // namespace
}  // namespace vsrd::daemon::http
