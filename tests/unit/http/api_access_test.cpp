#include "daemon/http/api_access.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vsrd::daemon::http {
namespace {

TEST(ParseHostAuthority, ReadsNamesAddressesAndPorts) {
  struct Case {
    std::string text;
    std::optional<HostAuthority> expected;
  };
  const std::vector<Case> cases{
      {"127.0.0.1:9464", HostAuthority{"127.0.0.1", true, 9464}},
      {"127.0.0.1", HostAuthority{"127.0.0.1", true, std::nullopt}},
      {"[::1]:9464", HostAuthority{"::1", true, 9464}},
      {"[0:0:0:0:0:0:0:1]", HostAuthority{"::1", true, std::nullopt}},
      {"[::ffff:127.0.0.1]:80", HostAuthority{"127.0.0.1", true, 80}},
      {"localhost:9464", HostAuthority{"localhost", false, 9464}},
      {"VSRD01.Example.COM.:443", HostAuthority{"vsrd01.example.com", false, 443}},
      {"vsrd01", HostAuthority{"vsrd01", false, std::nullopt}},
      {"", std::nullopt},
      {":9464", std::nullopt},
      {"vsrd01:", std::nullopt},
      {"vsrd01:0", std::nullopt},
      {"vsrd01:65536", std::nullopt},
      {"vsrd01:+80", std::nullopt},
      {"::1", std::nullopt},  // IPv6 needs brackets
      {"[::1", std::nullopt},
      {"[::1]x", std::nullopt},
      {"[fe80::1%eth0]:80", std::nullopt},
      {"[127.0.0.1]:80", std::nullopt},
      {"user@vsrd01", std::nullopt},
      {"vsrd01/status", std::nullopt},
      {"vsrd 01", std::nullopt},
      {"*", std::nullopt},
      {"*.example.com", std::nullopt},
      {"http://vsrd01", std::nullopt},
      {"a, b", std::nullopt},  // a Host given twice (Request::headers joins the values)
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseHostAuthority(c.text), c.expected);
  }
}

// A request as the server hands it over: arrived on `local`, with `headers`.
Request Make(std::string method, std::map<std::string, std::string> headers,
             std::string local = "127.0.0.1:9464") {
  Request request;
  request.method = std::move(method);
  request.path = "/reconcile/ApplianceUpdate/vr01";
  request.headers = std::move(headers);
  request.local_address = std::move(local);
  return request;
}

// The status of the refusal, 0 when the request may pass; a refusal must be JSON.
int Verdict(const ApiAccess& access, const Request& request) {
  const auto refused = access.Check(request);
  if (!refused) return 0;
  EXPECT_EQ(refused->content_type, "application/json");
  const auto body = nlohmann::json::parse(refused->body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("error")) << refused->body;
  EXPECT_TRUE(refused->headers.empty()) << "no Access-Control-* header, nor any other";
  return refused->status;
}

TEST(ApiAccess, TakesOnlyHostsThatNameTheDaemon) {
  const ApiAccess access({"vsrd.example.com", "vsrd-lb.example.com:8080", "192.0.2.7"});
  struct Case {
    std::string name;
    std::string host;
    std::string local;
    int status;
  };
  const std::vector<Case> cases{
      {"the address connected to", "127.0.0.1:9464", "127.0.0.1:9464", 0},
      {"localhost on loopback", "localhost:9464", "127.0.0.1:9464", 0},
      {"localhost in any case", "LocalHost:9464", "127.0.0.1:9464", 0},
      {"IPv6 loopback", "[::1]:9464", "[::1]:9464", 0},
      {"localhost on IPv6 loopback", "localhost:9464", "[::1]:9464", 0},
      {"another spelling of the address", "[0::1]:9464", "[::1]:9464", 0},
      {"a configured name with any port", "vsrd.example.com:9464", "10.0.0.5:9464", 0},
      {"a configured name without a port", "VSRD.example.com", "10.0.0.5:9464", 0},
      {"a configured name with its port", "vsrd-lb.example.com:8080", "10.0.0.5:9464", 0},
      {"a configured address", "192.0.2.7:1234", "10.0.0.5:9464", 0},
      {"the address on port 80 without a port", "10.0.0.5", "10.0.0.5:80", 0},
      {"a rebinding name", "attacker.example:9464", "127.0.0.1:9464", 421},
      {"a rebinding name with the daemon's port", "rebind.attacker.example", "127.0.0.1:80", 421},
      {"a name ending like a configured one", "evil-vsrd.example.com:9464", "127.0.0.1:9464", 421},
      {"a configured name with another port", "vsrd-lb.example.com:9464", "10.0.0.5:9464", 421},
      {"the address with another port", "127.0.0.1:9465", "127.0.0.1:9464", 421},
      {"the address without a port", "127.0.0.1", "127.0.0.1:9464", 421},
      {"another address", "127.0.0.2:9464", "127.0.0.1:9464", 421},
      {"localhost off loopback", "localhost:9464", "10.0.0.5:9464", 421},
      {"the wildcard", "0.0.0.0:9464", "127.0.0.1:9464", 421},
      {"no local address", "127.0.0.1:9464", "", 421},
      {"an empty Host", "", "127.0.0.1:9464", 400},
      {"a Host given twice", "127.0.0.1:9464, attacker.example", "127.0.0.1:9464", 400},
      {"a Host with a path", "127.0.0.1:9464/x", "127.0.0.1:9464", 400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Verdict(access, Make("GET", {{"host", c.host}}, c.local)), c.status);
  }
  EXPECT_EQ(Verdict(access, Make("GET", {})), 400) << "no Host at all";
}

TEST(ApiAccess, RefusesCrossOriginRequests) {
  const ApiAccess access({"vsrd.example.com"});
  struct Case {
    std::string name;
    std::string host;
    std::string origin;
    int status;
  };
  const std::vector<Case> cases{
      {"same origin", "127.0.0.1:9464", "http://127.0.0.1:9464", 0},
      {"same origin through localhost", "localhost:9464", "http://localhost:9464", 0},
      {"same origin through a configured name", "vsrd.example.com", "http://vsrd.example.com", 0},
      {"same origin behind a TLS proxy", "vsrd.example.com", "https://vsrd.example.com", 0},
      {"same origin with the default port spelled", "vsrd.example.com:443",
       "https://vsrd.example.com", 0},
      {"another site", "127.0.0.1:9464", "http://attacker.example", 403},
      {"another port of the same host", "127.0.0.1:9464", "http://127.0.0.1:8080", 403},
      {"localhost is another origin than 127.0.0.1", "127.0.0.1:9464", "http://localhost:9464",
       403},
      {"an opaque origin", "127.0.0.1:9464", "null", 403},
      {"another scheme", "127.0.0.1:9464", "file://127.0.0.1:9464", 403},
      {"an origin with a path", "127.0.0.1:9464", "http://127.0.0.1:9464/", 403},
      {"an empty origin", "127.0.0.1:9464", "", 403},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // GET too: a page may not read the status of another origin either.
    EXPECT_EQ(Verdict(access, Make("GET", {{"host", c.host}, {"origin", c.origin}})), c.status);
    EXPECT_EQ(
        Verdict(access,
                Make("POST", {{"host", c.host}, {"origin", c.origin}, {"x-vsrd-request", "1"}})),
        c.status);
  }
}

TEST(ApiAccess, WantsTheCustomHeaderOnEveryMethodButGet) {
  const ApiAccess access;
  const std::map<std::string, std::string> host{{"host", "127.0.0.1:9464"}};
  auto with = [&](std::string name, std::string value) {
    auto headers = host;
    headers[std::move(name)] = std::move(value);
    return headers;
  };
  EXPECT_EQ(Verdict(access, Make("GET", host)), 0);
  EXPECT_EQ(Verdict(access, Make("POST", host)), 403) << "a simple cross-site form POST";
  EXPECT_EQ(Verdict(access, Make("POST", with("x-vsrd-request", ""))), 403);
  EXPECT_EQ(Verdict(access, Make("POST", with("x-vsrd-request", "1"))), 0);
  EXPECT_EQ(Verdict(access, Make("PUT", host)), 403);
  EXPECT_EQ(Verdict(access, Make("OPTIONS", host)), 403) << "a CORS preflight is never granted";
  // A simple request's headers do not stand in for it.
  EXPECT_EQ(Verdict(access, Make("POST", with("content-type", "text/plain"))), 403);
  const auto refused = access.Check(Make("POST", host));
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->body.find("X-Vsrd-Request: 1"), std::string::npos) << refused->body;
}

TEST(ApiAccess, RefusesAnAllowedHostItCannotParse) {
  EXPECT_THROW(ApiAccess({"*"}), std::invalid_argument);
  EXPECT_THROW(ApiAccess({"http://vsrd.example.com"}), std::invalid_argument);
}

}  // namespace
}  // namespace vsrd::daemon::http
