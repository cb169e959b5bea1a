#include "eval/nab_labels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keel::eval {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kApril10 = 1397088000000;  // 2014-04-10 00:00:00 UTC

TEST(NabLabelsTest, ParsesWindowsAndFindsThemBySuffix) {
  auto windows = ParseNabWindows(R"({"realKnownCause/x.csv": [["2014-04-10 00:00:00.000000",
      "2014-04-10 01:00:00.000000"]], "art/none.csv": []})",
                                 "w.json");
  ASSERT_TRUE(windows.ok()) << windows.status().ToString();
  const auto* x = FindNabWindows(*windows, "data/realKnownCause/x.csv");
  ASSERT_NE(x, nullptr);
  ASSERT_EQ(x->size(), 1u);
  EXPECT_EQ((*x)[0].start_ms, kApril10);
  EXPECT_EQ((*x)[0].end_ms, kApril10 + 3'600'000);
  EXPECT_NE(FindNabWindows(*windows, "realKnownCause/x.csv"), nullptr);
  EXPECT_EQ(FindNabWindows(*windows, "other_realKnownCause/x.csv"), nullptr);
  ASSERT_NE(FindNabWindows(*windows, "art/none.csv"), nullptr);
  EXPECT_TRUE(FindNabWindows(*windows, "art/none.csv")->empty());
}

TEST(NabLabelsTest, RejectsMalformedWindows) {
  EXPECT_THAT(ParseNabWindows("[", "w.json").status().message(), HasSubstr("w.json"));
  EXPECT_THAT(
      ParseNabWindows(R"({"f.csv": [["2014-04-10 00:00:00"]]})", "w.json").status().message(),
      HasSubstr("\"f.csv\""));
  EXPECT_FALSE(
      ParseNabWindows(R"({"f.csv": [["yesterday", "2014-04-10 00:00:00"]]})", "w.json").ok());
}

TEST(NabLabelsTest, ParsesProfiles) {
  auto profiles = ParseNabProfiles(R"({"standard": {"CostMatrix": {"tpWeight": 1.0,
      "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}},
      "reward_low_FN_rate": {"CostMatrix": {"tpWeight": 1, "fnWeight": 2, "fpWeight": 0.11}}})",
                                   "p.json");
  ASSERT_TRUE(profiles.ok()) << profiles.status().ToString();
  ASSERT_EQ(profiles->size(), 2u);
  EXPECT_EQ((*profiles)[0].name, "reward_low_FN_rate");
  EXPECT_EQ((*profiles)[0].costs.fn_weight, 2.0);
  EXPECT_EQ((*profiles)[1].costs.fp_weight, 0.11);
  EXPECT_EQ(NabDefaultProfiles().size(), 3u);
}

TEST(NabLabelsTest, RejectsProfilesWithoutWeights) {
  auto missing = ParseNabProfiles(R"({"p": {"CostMatrix": {"tpWeight": 1}}})", "p.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("profile \"p\": fpWeight"));
  EXPECT_FALSE(ParseNabProfiles(R"({"p": {}})", "p.json").ok());
  EXPECT_FALSE(
      ParseNabProfiles(R"({"p": {"CostMatrix": {"tpWeight": 1, "fpWeight": -1, "fnWeight": 1}}})",
                       "p.json")
          .ok());
}

}  // namespace
}  // namespace keel::eval
