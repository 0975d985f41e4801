#include "manifests/net_address.hpp"

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

TEST(IsIpv4Address, AcceptsDottedQuads) {
  for (const char* text : {"0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.0.10"}) {
    EXPECT_TRUE(IsIpv4Address(text)) << text;
  }
}

TEST(IsIpv4Address, RejectsOutOfRangeShortLongPaddedAndLeadingZeroForms) {
  for (const char* text :
       {"", "256.0.0.1", "192.0.2", "192.0.2.1.5", "192.0.2.01", " 192.0.2.1", "192.0.2.1 ",
        "192.0.2.", ".192.0.2.1", "a.b.c.d", "1234.1.1.1", "192.0.2.1/24", "::1"}) {
    EXPECT_FALSE(IsIpv4Address(text)) << '"' << text << '"';
  }
}

TEST(IsIpv6Address, AcceptsRfc4291Forms) {
  for (const char* text : {"::1", "::", "2001:db8::1", "fe80::1:2:3:4", "::ffff:192.0.2.1",
                           "2001:0db8:0000:0000:0000:0000:0000:0001"}) {
    EXPECT_TRUE(IsIpv6Address(text)) << text;
  }
}

TEST(IsIpv6Address, RejectsZonesBracketsPrefixesAndIpv4) {
  for (const char* text : {"", "fe80::1%eth0", "[::1]", "2001:db8::/32", "192.0.2.1",
                           "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "g::1"}) {
    EXPECT_FALSE(IsIpv6Address(text)) << text;
  }
}

TEST(IsIpv4SubnetMask, AcceptsOnlyContiguousMasks) {
  for (const char* text :
       {"255.255.255.0", "255.255.255.255", "0.0.0.0", "255.255.240.0", "128.0.0.0"}) {
    EXPECT_TRUE(IsIpv4SubnetMask(text)) << text;
  }
  for (const char* text : {"255.0.255.0", "255.255.255.1", "0.255.255.255", "255.255.256.0"}) {
    EXPECT_FALSE(IsIpv4SubnetMask(text)) << text;
  }
}

TEST(IsHostName, AcceptsDnsNamesAndAddresses) {
  for (const char* text : {"vc01", "vc01.example.com", "vc01.example.com.", "ESX-01.Example.COM",
                           "192.0.2.1", "2001:db8::1", "xn--bcher-kva.example"}) {
    EXPECT_TRUE(IsHostName(text)) << text;
  }
  for (const char* text : {"", "-vc01", "vc01-.example.com", "vc_01.example.com", "vc01..com",
                           "vc 01", "https://vc01"}) {
    EXPECT_FALSE(IsHostName(text)) << text;
  }
}

}  // namespace
}  // namespace vsrd::manifests
