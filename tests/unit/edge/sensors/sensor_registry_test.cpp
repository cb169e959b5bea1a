#include "edge/sensors/sensor_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace keel::edge {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class FixedDriver : public SensorDriver {
 public:
  std::string_view kind() const override { return "fixed"; }
  const std::vector<ChannelSpec>& channels() const override { return channels_; }
  Status Read(int64_t now_ms, std::vector<wire::Series>* out) override {
    out->push_back({"fixed.x", {{now_ms, 1.0}}});
    return Status::Ok();
  }

 private:
  std::vector<ChannelSpec> channels_{{"fixed.x", "", 1}};
};

TEST(SensorRegistryTest, SimulatedIsPreRegistered) {
  EXPECT_TRUE(IsSensorKindRegistered("simulated"));
  auto driver = CreateSensor({"simulated", "m", {}, {}}, 1);
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  EXPECT_EQ((*driver)->kind(), "simulated");
}

TEST(SensorRegistryTest, BuiltInKindsArePreRegistered) {
  for (const char* kind : {"simulated", "csv", "iio", "modbus"}) {
    EXPECT_TRUE(IsSensorKindRegistered(kind)) << kind;
    EXPECT_THAT(RegisteredSensorKinds(), Contains(kind));
  }
  auto iio = CreateSensor({"iio", "env", {}, {}}, 1);
  ASSERT_FALSE(iio.ok());
  EXPECT_THAT(iio.status().message(), HasSubstr("kind \"iio\" needs at least one signal"));
  auto modbus = CreateSensor({"modbus", "plc", {}, {}}, 1);
  ASSERT_FALSE(modbus.ok());
  EXPECT_THAT(modbus.status().message(), HasSubstr("kind \"modbus\" needs at least one signal"));
}

TEST(SensorRegistryTest, UnknownKindIsNotFoundAndListsKnownKinds) {
  auto driver = CreateSensor({"lidar", "m", {}, {}}, 1);
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(driver.status().message(), HasSubstr("unknown kind \"lidar\""));
  EXPECT_THAT(driver.status().message(), HasSubstr("simulated"));
}

TEST(SensorRegistryTest, RegisteredKindIsCreatedWithConfigAndSeed) {
  uint64_t seen_seed = 0;
  RegisterSensorKind(
      "fixed",
      [&](const SensorConfig& config, uint64_t seed) -> Result<std::unique_ptr<SensorDriver>> {
        seen_seed = seed;
        if (config.options.count("fail")) return Status::InvalidArgument("fixed: fail requested");
        return std::unique_ptr<SensorDriver>(std::make_unique<FixedDriver>());
      });
  EXPECT_THAT(RegisteredSensorKinds(), Contains("fixed"));
  auto driver = CreateSensor({"fixed", "f", {}, {}}, 99);
  ASSERT_TRUE(driver.ok());
  EXPECT_EQ(seen_seed, 99u);
  std::vector<wire::Series> out;
  ASSERT_TRUE((*driver)->Read(5, &out).ok());
  EXPECT_EQ(out.size(), 1u);

  auto failed = CreateSensor({"fixed", "f", {}, {{"fail", "1"}}}, 1);
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
}

TEST(SensorRegistryTest, ThrowingFactoryBecomesInternal) {
  RegisterSensorKind("throwing",
                     [](const SensorConfig&, uint64_t) -> Result<std::unique_ptr<SensorDriver>> {
                       throw std::runtime_error("no device");
                     });
  auto driver = CreateSensor({"throwing", "t", {}, {}}, 1);
  ASSERT_FALSE(driver.ok());
  EXPECT_EQ(driver.status().code(), StatusCode::kInternal);
  EXPECT_THAT(driver.status().message(), HasSubstr("no device"));
}

}  // namespace
}  // namespace keel::edge
