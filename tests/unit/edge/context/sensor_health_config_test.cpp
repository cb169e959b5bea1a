#include "edge/context/sensor_health_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "unit/edge/context/health_test_data.h"

namespace keel::edge::context {
namespace {

using ::testing::HasSubstr;

struct Case {
  std::string expect;
  std::function<void(SensorHealthConfig&)> mutate;
};

TEST(SensorHealthConfigTest, ValidConfigPasses) {
  EXPECT_TRUE(ValidateSensorHealthConfig(testdata::ThreeTemps()).ok());
}

TEST(SensorHealthConfigTest, RejectsEachInvalidField) {
  const std::vector<Case> cases = {
      {"signal 0: empty name", [](auto& c) { c.signals[0].name = ""; }},
      {"\"temp_b\": configured twice", [](auto& c) { c.signals[2].name = "temp_b"; }},
      {"\"temp_a\": range_lo 200", [](auto& c) { c.signals[0].range_lo = 200; }},
      {"stuck_epsilon", [](auto& c) { c.signals[0].stuck_epsilon = -1; }},
      {"stuck_windows", [](auto& c) { c.signals[0].stuck_windows = 0; }},
      {"noisy_factor", [](auto& c) { c.signals[0].noisy_factor = 0.5; }},
      {"noisy_windows", [](auto& c) { c.signals[0].noisy_windows = 0; }},
      {"cusum_h", [](auto& c) { c.signals[0].cusum_h = -1; }},
      {"group 0: empty name", [](auto& c) { c.groups[0].name = ""; }},
      {"at least 2 signals", [](auto& c) { c.groups[0].signals = {"temp_a"}; }},
      {"unknown signal \"oil\"", [](auto& c) { c.groups[0].signals[2] = "oil"; }},
      {"listed twice", [](auto& c) { c.groups[0].signals[2] = "temp_a"; }},
      {"tolerance", [](auto& c) { c.groups[0].tolerance = 0; }},
      {"drift_alpha", [](auto& c) { c.groups[0].drift_alpha = 1.5; }},
      {"drift_bound", [](auto& c) { c.groups[0].drift_bound = -1; }},
      {"drift_windows", [](auto& c) { c.groups[0].drift_windows = 0; }},
      {"clear_windows", [](auto& c) { c.clear_windows = 0; }},
  };
  for (const auto& test : cases) {
    SensorHealthConfig config = testdata::ThreeTemps();
    test.mutate(config);
    const Status s = ValidateSensorHealthConfig(config);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << test.expect;
    EXPECT_THAT(s.message(), HasSubstr(test.expect));
  }
}

}  // namespace
}  // namespace keel::edge::context
