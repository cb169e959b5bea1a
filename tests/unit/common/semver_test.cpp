#include "common/semver.h"

#include <gtest/gtest.h>

namespace keel {
namespace {

int Cmp(std::string_view a, std::string_view b) {
  return CompareSemVer(ParseSemVer(a).value(), ParseSemVer(b).value());
}

TEST(SemVerTest, ParsesReleasesPrereleasesAndBuilds) {
  auto v = ParseSemVer("1.20.3-rc.1+build.7");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major, 1);
  EXPECT_EQ(v->minor, 20);
  EXPECT_EQ(v->patch, 3);
  EXPECT_EQ(v->pre, "rc.1");
  EXPECT_TRUE(ParseSemVer("0.0.0"));
  EXPECT_EQ(ParseSemVer("2.0.0+abc")->pre, "");
}

TEST(SemVerTest, RejectsWhatIsNotAVersion) {
  for (std::string_view bad : {"", "1", "1.2", "1.2.x", "1..3", "a.b.c", "1.2.3-", "1.2.3+",
                               "-1.2.3", "1.2.3.4", " 1.2.3"}) {
    EXPECT_FALSE(ParseSemVer(bad)) << bad;
  }
}

TEST(SemVerTest, OrdersNumericallyWithPrereleasesFirst) {
  EXPECT_LT(Cmp("1.9.0", "1.10.0"), 0);
  EXPECT_GT(Cmp("2.0.0", "1.99.99"), 0);
  EXPECT_LT(Cmp("1.0.0-rc.1", "1.0.0"), 0);
  EXPECT_LT(Cmp("1.0.0-alpha", "1.0.0-beta"), 0);
  EXPECT_EQ(Cmp("1.0.0+a", "1.0.0+b"), 0);
}

}  // namespace
}  // namespace keel
