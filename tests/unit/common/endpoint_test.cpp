#include "common/endpoint.h"

#include <gtest/gtest.h>

namespace keel {
namespace {

TEST(EndpointTest, ParsesHostAndPort) {
  auto ep = ParseEndpoint("mqtts://broker.example:8883", "mqtts");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->host, "broker.example");
  EXPECT_EQ(ep->port, 8883);
  EXPECT_EQ(ep->ToString(), "mqtts://broker.example:8883");
}

TEST(EndpointTest, ParsesBracketedIpv6) {
  auto ep = ParseEndpoint("https://[::1]:8443/", "https");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->ToString(), "https://[::1]:8443");
}

TEST(EndpointTest, RefusesPlaintextAndGarbage) {
  EXPECT_NE(ParseEndpoint("mqtt://h:1883", "mqtts").status().message().find("plaintext"),
            std::string::npos);
  EXPECT_FALSE(ParseEndpoint("https://h", "https").ok());
  EXPECT_FALSE(ParseEndpoint("https://h:0", "https").ok());
  EXPECT_FALSE(ParseEndpoint("https://h:70000", "https").ok());
  EXPECT_FALSE(ParseEndpoint("https://:443", "https").ok());
  EXPECT_FALSE(ParseEndpoint("https://h:44x", "https").ok());
  EXPECT_FALSE(ParseEndpoint("h:443", "https").ok());
  EXPECT_FALSE(ParseEndpoint("https://u@h:443", "https").ok());
}

}  // namespace
}  // namespace keel
