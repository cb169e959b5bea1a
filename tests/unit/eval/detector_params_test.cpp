#include "eval/detector_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace keel::eval {
namespace {

using ::testing::HasSubstr;

TEST(DetectorParamsTest, ParsesNameValuePairs) {
  auto params = ParseDetectorParams({"variance=0.9", "threshold=1.5e0"});
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->size(), 2u);
  EXPECT_EQ(params->at("variance"), 0.9);
  EXPECT_EQ(params->at("threshold"), 1.5);
}

TEST(DetectorParamsTest, RejectsMalformedItems) {
  for (const char* bad : {"variance", "=1", "variance=", "variance=abc", "x=inf", "x=1x"}) {
    auto params = ParseDetectorParams({bad});
    ASSERT_FALSE(params.ok()) << bad;
    EXPECT_THAT(params.status().message(), HasSubstr(bad));
  }
  EXPECT_THAT(ParseDetectorParams({"a=1", "a=2"}).status().message(), HasSubstr("repeated"));
}

}  // namespace
}  // namespace keel::eval
