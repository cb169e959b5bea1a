#include "edge/sensors/iio_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "edge/sensors/iio_sysfs.h"
#include "edge/sensors/sensor_registry.h"
#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1700000000000;

SignalConfig Signal(std::string name, double rate_hz = 1.0, std::string unit = "") {
  SignalConfig signal;
  signal.name = std::move(name);
  signal.rate_hz = rate_hz;
  signal.unit = std::move(unit);
  return signal;
}

// A fake /sys/bus/iio/devices with two devices:
//   iio:device0 "bme280": in_temp_input 23450 (processed, milli-degC),
//                         in_pressure_raw 1000, in_pressure_scale 0.1,
//                         in_pressure_offset 10
//   iio:device1 "ads1015": in_voltage0_raw 100, in_voltage1_raw 200, shared
//                          in_voltage_scale 2, own in_voltage1_scale 3
class IioSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("iio:device0/name", "bme280\n");
    Write("iio:device0/in_temp_input", "23450\n");
    Write("iio:device0/in_pressure_raw", "1000\n");
    Write("iio:device0/in_pressure_scale", "0.1\n");
    Write("iio:device0/in_pressure_offset", "10\n");
    Write("iio:device1/name", "ads1015\n");
    Write("iio:device1/in_voltage0_raw", "100\n");
    Write("iio:device1/in_voltage1_raw", "200\n");
    Write("iio:device1/in_voltage_scale", "2\n");
    Write("iio:device1/in_voltage1_scale", "3\n");
  }

  void Write(const std::string& relative, const std::string& text) {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  SensorConfig Config(std::string device, std::vector<SignalConfig> signals,
                      std::map<std::string, std::string> options = {}) {
    options["device"] = std::move(device);
    options["sysfs_root"] = dir_.path().string();
    return SensorConfig{"iio", "env", std::move(signals), std::move(options)};
  }

  std::unique_ptr<SensorDriver> Create(const SensorConfig& config) {
    auto driver = CreateSensor(config, 1);
    EXPECT_TRUE(driver.ok()) << driver.status().ToString();
    return driver.ok() ? std::move(*driver) : nullptr;
  }

  Status CreateError(const SensorConfig& config) {
    auto driver = CreateIioSensor(config, 1);
    if (driver.ok()) return Status::Ok();
    return driver.status();
  }

  static std::map<std::string, std::vector<wire::Point>> ReadAll(SensorDriver* driver,
                                                                 int64_t now_ms) {
    std::vector<wire::Series> out;
    Status status = driver->Read(now_ms, &out);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::map<std::string, std::vector<wire::Point>> by_name;
    for (auto& s : out) by_name[s.name] = s.points;
    return by_name;
  }

  TempDir dir_;
};

TEST_F(IioSensorTest, ProcessedAndRawChannelsByDeviceName) {
  auto driver = Create(Config("bme280", {Signal("temp", 1, "mdegC"), Signal("pressure")}));
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->kind(), "iio");
  ASSERT_EQ(driver->channels().size(), 2u);
  EXPECT_EQ(driver->channels()[0], (ChannelSpec{"env.temp", "mdegC", 1}));
  auto out = ReadAll(driver.get(), kNow);
  ASSERT_EQ(out["env.temp"].size(), 1u);
  EXPECT_EQ(out["env.temp"][0].t_ms, kNow);
  EXPECT_DOUBLE_EQ(out["env.temp"][0].value, 23450);
  ASSERT_EQ(out["env.pressure"].size(), 1u);
  EXPECT_DOUBLE_EQ(out["env.pressure"][0].value, (1000 + 10) * 0.1);
}

TEST_F(IioSensorTest, SharedScaleAppliesUnlessChannelHasItsOwnByDirectory) {
  auto driver = Create(Config("iio:device1", {Signal("voltage0"), Signal("voltage1")}));
  ASSERT_NE(driver, nullptr);
  auto out = ReadAll(driver.get(), kNow);
  EXPECT_DOUBLE_EQ(out["env.voltage0"].at(0).value, 100 * 2);
  EXPECT_DOUBLE_EQ(out["env.voltage1"].at(0).value, 200 * 3);
}

TEST_F(IioSensorTest, MultiplierConvertsUnits) {
  auto driver =
      Create(Config("bme280", {Signal("temp", 1, "degC")}, {{"multiplier_temp", "0.001"}}));
  ASSERT_NE(driver, nullptr);
  EXPECT_DOUBLE_EQ(ReadAll(driver.get(), kNow)["env.temp"].at(0).value, 23.45);
}

TEST_F(IioSensorTest, ProcessedValueIsPreferredOverRaw) {
  Write("iio:device0/in_temp_raw", "1\n");
  Write("iio:device0/in_temp_scale", "1000\n");
  auto driver = Create(Config("bme280", {Signal("temp")}));
  ASSERT_NE(driver, nullptr);
  EXPECT_DOUBLE_EQ(ReadAll(driver.get(), kNow)["env.temp"].at(0).value, 23450);
}

TEST_F(IioSensorTest, ValuesFollowTheGridAndChangesInTheFile) {
  auto driver = Create(Config("bme280", {Signal("temp", 4)}));
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(ReadAll(driver.get(), kNow)["env.temp"].size(), 1u);
  EXPECT_TRUE(ReadAll(driver.get(), kNow + 100).empty());
  Write("iio:device0/in_temp_input", "-5000\n");
  auto out = ReadAll(driver.get(), kNow + 500);
  ASSERT_EQ(out["env.temp"].size(), 2u);
  EXPECT_EQ(out["env.temp"][0].t_ms, kNow + 250);
  EXPECT_EQ(out["env.temp"][1].t_ms, kNow + 500);
  EXPECT_DOUBLE_EQ(out["env.temp"][1].value, -5000);
  EXPECT_TRUE(ReadAll(driver.get(), kNow + 400).empty()) << "time going backwards yields nothing";
}

TEST_F(IioSensorTest, GarbageValueIsAnErrorNamingTheFileAndTheGridStays) {
  auto driver = Create(Config("bme280", {Signal("temp", 10), Signal("pressure", 10)}));
  ASSERT_NE(driver, nullptr);
  ReadAll(driver.get(), kNow);
  Write("iio:device0/in_pressure_raw", "12abc\n");
  std::vector<wire::Series> out;
  Status status = driver->Read(kNow + 200, &out);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("sensor \"env\": signal \"pressure\""));
  EXPECT_THAT(status.message(), HasSubstr("in_pressure_raw: not a finite number: \"12abc\""));
  EXPECT_TRUE(out.empty());

  Write("iio:device0/in_pressure_raw", "990\n");
  auto recovered = ReadAll(driver.get(), kNow + 200);
  ASSERT_EQ(recovered["env.pressure"].size(), 2u) << "the samples of the failed Read follow";
  EXPECT_EQ(recovered["env.pressure"][0].t_ms, kNow + 100);
  EXPECT_DOUBLE_EQ(recovered["env.pressure"][1].value, 100);
  EXPECT_EQ(recovered["env.temp"].size(), 2u);
}

TEST_F(IioSensorTest, VanishedFileIsAnErrorThenRecovers) {
  auto driver = Create(Config("bme280", {Signal("temp", 1)}));
  ASSERT_NE(driver, nullptr);
  ReadAll(driver.get(), kNow);
  const fs::path file = dir_.path() / "iio:device0/in_temp_input";
  fs::remove(file);
  std::vector<wire::Series> out;
  Status status = driver->Read(kNow + 1000, &out);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(file.string() + ": cannot open"));
  EXPECT_TRUE(out.empty());
  status = driver->Read(kNow + 2000, &out);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);

  Write("iio:device0/in_temp_input", "21000\n");
  auto out2 = ReadAll(driver.get(), kNow + 2000);
  ASSERT_EQ(out2["env.temp"].size(), 2u);
  EXPECT_EQ(out2["env.temp"][0].t_ms, kNow + 1000);
  EXPECT_EQ(out2["env.temp"][1].t_ms, kNow + 2000);
  EXPECT_DOUBLE_EQ(out2["env.temp"][1].value, 21000);
}

TEST_F(IioSensorTest, EmptyAndOverlongValuesAreErrors) {
  auto driver = Create(Config("bme280", {Signal("temp", 1)}));
  ASSERT_NE(driver, nullptr);
  std::vector<wire::Series> out;
  Write("iio:device0/in_temp_input", "\n");
  EXPECT_THAT(driver->Read(kNow, &out).message(), HasSubstr("in_temp_input: empty"));
  Write("iio:device0/in_temp_input", std::string(200, '1'));
  EXPECT_THAT(driver->Read(kNow, &out).message(), HasSubstr("longer than 127 bytes"));
  Write("iio:device0/in_temp_input", "inf\n");
  EXPECT_THAT(driver->Read(kNow, &out).message(), HasSubstr("not a finite number"));
  EXPECT_TRUE(out.empty());
}

TEST_F(IioSensorTest, MissingDeviceIsNotFoundListingTheDevices) {
  Status status = CreateError(Config("bme680", {Signal("temp")}));
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("sensor \"env\": device \"bme680\": not found in"));
  EXPECT_THAT(status.message(), HasSubstr("ads1015 (iio:device1), bme280 (iio:device0)"));

  status = CreateError(Config("iio:device7", {Signal("temp")}));
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("iio:device7: no such device directory"));

  SensorConfig no_root = Config("bme280", {Signal("temp")});
  no_root.options["sysfs_root"] = (dir_.path() / "nope").string();
  EXPECT_THAT(CreateError(no_root).message(), HasSubstr("nope: no such directory"));
}

TEST_F(IioSensorTest, AmbiguousDeviceNameIsRejected) {
  Write("iio:device2/name", "bme280\n");
  Write("iio:device2/in_temp_input", "1\n");
  Status status = CreateError(Config("bme280", {Signal("temp")}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("matches iio:device0, iio:device2"));
  EXPECT_TRUE(CreateError(Config("iio:device2", {Signal("temp")})).ok());
}

TEST_F(IioSensorTest, MissingChannelIsNotFoundNamingSignalAndDirectory) {
  Status status = CreateError(Config("bme280", {Signal("temp"), Signal("humidityrelative")}));
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_THAT(status.message(),
              HasSubstr("sensor \"env\": signal \"humidityrelative\": no in_humidityrelative_input "
                        "or in_humidityrelative_raw in " +
                        (dir_.path() / "iio:device0").string()));
}

TEST_F(IioSensorTest, MalformedScaleIsRejectedAtCreation) {
  Write("iio:device1/in_voltage_scale", "two\n");
  Status status = CreateError(Config("ads1015", {Signal("voltage0")}));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("signal \"voltage0\": "));
  EXPECT_THAT(status.message(), HasSubstr("in_voltage_scale: not a finite number"));
}

TEST_F(IioSensorTest, BadOptionsAndSignalsAreRejected) {
  auto error = [&](SensorConfig config) { return CreateError(config).message(); };
  EXPECT_THAT(error(Config("bme280", {Signal("temp")}, {{"rate", "1"}})),
              HasSubstr("option \"rate\": not supported by kind \"iio\""));
  EXPECT_THAT(error(Config("bme280", {Signal("temp")}, {{"multiplier_hum", "2"}})),
              HasSubstr("option \"multiplier_hum\": no signal \"hum\""));
  for (const char* bad : {"0", "x", "1e999", "", "1.5 "}) {
    EXPECT_THAT(error(Config("bme280", {Signal("temp")}, {{"multiplier_temp", bad}})),
                HasSubstr("must be a finite, non-zero decimal number"))
        << bad;
  }
  EXPECT_THAT(error(Config("bme280", {})), HasSubstr("needs at least one signal"));
  EXPECT_THAT(error(Config("bme280", {Signal("../name")})),
              HasSubstr("signal \"../name\": not an IIO channel name"));
  EXPECT_THAT(error(Config("../x", {Signal("temp")})), HasSubstr("device \"../x\": must be"));
  SensorConfig no_device = Config("bme280", {Signal("temp")});
  no_device.options.erase("device");
  EXPECT_THAT(error(no_device), HasSubstr("option \"device\": required"));
  SensorConfig wrong_kind = Config("bme280", {Signal("temp")});
  wrong_kind.kind = "csv";
  EXPECT_THAT(error(wrong_kind), HasSubstr("kind \"csv\" is not \"iio\""));
}

TEST(IioSysfsTest, ChannelType) {
  EXPECT_EQ(IioChannelType("voltage0"), "voltage");
  EXPECT_EQ(IioChannelType("accel_x"), "accel");
  EXPECT_EQ(IioChannelType("voltage0-voltage1"), "voltage");
  EXPECT_EQ(IioChannelType("temp"), "temp");
}

}  // namespace
}  // namespace keel::edge
