#include "net/listen_address.hpp"

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "net/accept.hpp"

namespace vsrd::net {
namespace {

TEST(ParseListenAddress, AcceptsTheDocumentedFormsAndSaysWhyItRefusesTheRest) {
  struct Case {
    std::string text;
    std::optional<std::string> formatted;  // FormatListenAddress of the result
    std::string error;                     // when refused: a part of the reason
  };
  const std::vector<Case> cases{
      {"127.0.0.1:9464", "127.0.0.1:9464", ""},
      {"0.0.0.0:0", "0.0.0.0:0", ""},
      {"10.1.2.3:65535", "10.1.2.3:65535", ""},
      {"localhost:8443", "127.0.0.1:8443", ""},
      {"[::1]:9464", "[::1]:9464", ""},
      {"[::]:0", "[::]:0", ""},
      {"[0:0:0:0:0:0:0:1]:80", "[::1]:80", ""},
      {"[::ffff:127.0.0.1]:80", "[::ffff:127.0.0.1]:80", ""},
      // RFC 3986 section 3.2.2: brackets hold IPv6 (or future) literals, never IPv4.
      {"[127.0.0.1]:8443", std::nullopt, "brackets are only for IPv6 addresses (RFC 3986"},
      {"[localhost]:8443", std::nullopt, "brackets are only for IPv6 addresses"},
      {"::1:9464", std::nullopt, "an IPv6 address needs brackets"},
      {"[fe80::1%lo]:80", std::nullopt, "zone id"},
      {"[example.com]:80", std::nullopt, "is not an IPv6 address"},
      {"[::1]", std::nullopt, "no :PORT after the ']'"},
      {"[::1:80", std::nullopt, "without a closing ']'"},
      {"example.com:9464", std::nullopt, "host names are not resolved"},
      {"127.1:9464", std::nullopt, "is not an IPv4 address"},
      {"127.000.0.1:9464", std::nullopt, "is not an IPv4 address"},
      {":9464", std::nullopt, "no host"},
      {"127.0.0.1:", std::nullopt, "the port \"\" is not a number"},
      {"127.0.0.1:65536", std::nullopt, "from 0 to 65535"},
      {"127.0.0.1:-1", std::nullopt, "the port \"-1\""},
      {"127.0.0.1:+80", std::nullopt, "the port \"+80\""},
      {"127.0.0.1:94x", std::nullopt, "the port \"94x\""},
      {"127.0.0.1: 80", std::nullopt, "the port \" 80\""},
      {"9464", std::nullopt, "no port"},
      {"", std::nullopt, "empty"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::string error;
    const auto parsed = ParseListenAddress(c.text, error);
    ASSERT_EQ(parsed.has_value(), c.formatted.has_value()) << error;
    if (parsed) {
      EXPECT_EQ(FormatListenAddress(*parsed), *c.formatted);
      EXPECT_EQ(ParseListenAddress(FormatListenAddress(*parsed))->host, parsed->host);
    } else {
      EXPECT_NE(error.find(c.error), std::string::npos) << error;
      EXPECT_FALSE(ParseListenAddress(c.text).has_value());
    }
  }
}

TEST(ParseListenAddress, SuggestsTheUnbracketedFormForAnIpv4AddressInBrackets) {
  std::string error;
  EXPECT_FALSE(ParseListenAddress("[127.0.0.1]:8443", error));
  EXPECT_EQ(error,
            "brackets are only for IPv6 addresses (RFC 3986 section 3.2.2); write 127.0.0.1:8443");
}

TEST(FormatListenAddress, FormatsEndpointsLikeAddresses) {
  EXPECT_EQ(FormatListenAddress({boost::asio::ip::make_address("127.0.0.1"), 80}), "127.0.0.1:80");
  EXPECT_EQ(FormatListenAddress({boost::asio::ip::make_address("::1"), 9464}), "[::1]:9464");
}

TEST(Listen, BindsTheKernelsPortAndReportsAnAddressInUse) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor first(io);
  boost::asio::ip::tcp::endpoint endpoint = ParseListenAddress("127.0.0.1:0")->Endpoint();
  ASSERT_FALSE(Listen(first, endpoint));
  EXPECT_NE(endpoint.port(), 0);
  EXPECT_TRUE(first.is_open());

  boost::asio::ip::tcp::acceptor second(io);
  boost::asio::ip::tcp::endpoint same = endpoint;
  EXPECT_EQ(Listen(second, same), boost::asio::error::address_in_use);
  EXPECT_FALSE(second.is_open());
}

}  // namespace
}  // namespace vsrd::net
