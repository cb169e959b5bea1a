#include "edge/sensors/modbus_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bit>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "edge/sensors/sensor_registry.h"
#include "test_util/net.h"
#include "unit/edge/sensors/modbus_test_server.h"

namespace keel::edge {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1700000000000;

SignalConfig Signal(std::string name, double rate_hz = 1.0) {
  SignalConfig signal;
  signal.name = std::move(name);
  signal.rate_hz = rate_hz;
  return signal;
}

// Float f stored big-endian ("abcd") at holding[address], holding[address+1].
void SetHoldingFloat(ModbusTestServer* server, int address, float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  server->SetHolding(address, static_cast<uint16_t>(bits >> 16));
  server->SetHolding(address + 1, static_cast<uint16_t>(bits & 0xFFFF));
}

class ModbusSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreeLoopbackPort();
    StartServer();
  }

  void StartServer() {
    server_ = std::make_unique<ModbusTestServer>(port_);
    ASSERT_TRUE(server_->ok());
  }

  SensorConfig Config(std::vector<SignalConfig> signals,
                      std::map<std::string, std::string> options) {
    options.emplace("host", "127.0.0.1");
    options.emplace("port", std::to_string(port_));
    options.emplace("timeout_ms", "500");
    return SensorConfig{"modbus", "plc", std::move(signals), std::move(options)};
  }

  // temp: holding 40 float32_abcd; flow: input 3 uint16 * 0.1; level: holding 10 int16.
  SensorConfig ThreeSignals(double rate_hz = 1.0) {
    return Config({Signal("temp", rate_hz), Signal("flow", rate_hz), Signal("level", rate_hz)},
                  {{"register_temp", "holding:40:float32_abcd"},
                   {"register_flow", "input:3:uint16*0.1"},
                   {"register_level", "holding:10:int16"}});
  }

  std::unique_ptr<SensorDriver> Create(const SensorConfig& config) {
    auto driver = CreateSensor(config, 1);
    EXPECT_TRUE(driver.ok()) << driver.status().ToString();
    return driver.ok() ? std::move(*driver) : nullptr;
  }

  std::string CreateError(const SensorConfig& config) {
    auto driver = CreateModbusSensor(config, 1);
    if (driver.ok()) return "created";
    EXPECT_EQ(driver.status().code(), StatusCode::kInvalidArgument);
    return driver.status().message();
  }

  static std::map<std::string, std::vector<wire::Point>> ReadOk(SensorDriver* driver,
                                                                int64_t now_ms) {
    std::vector<wire::Series> out;
    Status status = driver->Read(now_ms, &out);
    EXPECT_TRUE(status.ok()) << status.ToString();
    std::map<std::string, std::vector<wire::Point>> by_name;
    for (auto& s : out) by_name[s.name] = s.points;
    return by_name;
  }

  std::string HostPort() const { return "127.0.0.1:" + std::to_string(port_); }

  int port_ = 0;
  std::unique_ptr<ModbusTestServer> server_;
};

TEST_F(ModbusSensorTest, ReadsHoldingAndInputRegistersAndFollowsChanges) {
  SetHoldingFloat(server_.get(), 40, 21.5f);
  server_->SetInput(3, 1234);
  server_->SetHolding(10, static_cast<uint16_t>(-5));
  server_->SetInput(40, 999);  // same address in the other table must not be read
  auto driver = Create(ThreeSignals());
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->kind(), "modbus");
  EXPECT_EQ(driver->channels()[1], (ChannelSpec{"plc.flow", "", 1}));

  auto out = ReadOk(driver.get(), kNow);
  ASSERT_EQ(out["plc.temp"].size(), 1u);
  EXPECT_EQ(out["plc.temp"][0].t_ms, kNow);
  EXPECT_DOUBLE_EQ(out["plc.temp"][0].value, 21.5);
  EXPECT_DOUBLE_EQ(out["plc.flow"].at(0).value, 123.4);
  EXPECT_DOUBLE_EQ(out["plc.level"].at(0).value, -5);

  EXPECT_TRUE(ReadOk(driver.get(), kNow + 500).empty()) << "nothing due";
  SetHoldingFloat(server_.get(), 40, -3.25f);
  server_->SetInput(3, 7);
  out = ReadOk(driver.get(), kNow + 1000);
  EXPECT_EQ(out["plc.temp"].at(0).t_ms, kNow + 1000);
  EXPECT_DOUBLE_EQ(out["plc.temp"].at(0).value, -3.25);
  EXPECT_DOUBLE_EQ(out["plc.flow"].at(0).value, 0.7);
}

TEST_F(ModbusSensorTest, WordOrdersAnd32BitIntegers) {
  // 0x12345678 as abcd in holding 0..1, cdab in 2..3; -2 as int32_abcd in 4..5;
  // 1.0f (0x3F800000) as float32_dcba in 6..7 (bytes 00 00 80 3F).
  server_->SetHolding(0, 0x1234);
  server_->SetHolding(1, 0x5678);
  server_->SetHolding(2, 0x5678);
  server_->SetHolding(3, 0x1234);
  server_->SetHolding(4, 0xFFFF);
  server_->SetHolding(5, 0xFFFE);
  server_->SetHolding(6, 0x0000);
  server_->SetHolding(7, 0x803F);
  auto driver = Create(Config({Signal("a"), Signal("b"), Signal("c"), Signal("d")},
                              {{"register_a", "holding:0:uint32_abcd"},
                               {"register_b", "holding:2:uint32_cdab"},
                               {"register_c", "holding:4:int32_abcd"},
                               {"register_d", "holding:6:float32_dcba*2"}}));
  ASSERT_NE(driver, nullptr);
  const int before = server_->requests();
  auto out = ReadOk(driver.get(), kNow);
  EXPECT_EQ(server_->requests() - before, 1) << "holding 0..7 is one request";
  EXPECT_DOUBLE_EQ(out["plc.a"].at(0).value, 0x12345678);
  EXPECT_DOUBLE_EQ(out["plc.b"].at(0).value, 0x12345678);
  EXPECT_DOUBLE_EQ(out["plc.c"].at(0).value, -2);
  EXPECT_DOUBLE_EQ(out["plc.d"].at(0).value, 2.0);
}

TEST_F(ModbusSensorTest, DueRegistersAreGroupedPerTableAndAdjacency) {
  auto driver = Create(ThreeSignals());
  ASSERT_NE(driver, nullptr);
  const int before = server_->requests();
  ReadOk(driver.get(), kNow);
  EXPECT_EQ(server_->requests() - before, 3) << "holding 10, holding 40..41, input 3";
  driver.reset();  // the test server serves one connection at a time

  auto fast =
      Create(Config({Signal("x", 10), Signal("y", 1)},
                    {{"register_x", "holding:0:uint16"}, {"register_y", "holding:1:uint16"}}));
  ASSERT_NE(fast, nullptr);
  ReadOk(fast.get(), kNow);
  const int mid = server_->requests();
  auto out = ReadOk(fast.get(), kNow + 300);
  EXPECT_EQ(server_->requests() - mid, 1) << "only x is due";
  EXPECT_EQ(out["plc.x"].size(), 3u);
  EXPECT_EQ(out.count("plc.y"), 0u);
}

TEST_F(ModbusSensorTest, NoServerIsUnavailableNamingHostPortAndRegister) {
  server_.reset();
  auto driver = Create(ThreeSignals());
  ASSERT_NE(driver, nullptr);
  std::vector<wire::Series> out;
  Status status = driver->Read(kNow, &out);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), StartsWith("sensor \"plc\": modbus " + HostPort() +
                                           ": holding register 10 (signal \"level\"): connect: "));
  EXPECT_TRUE(out.empty());
}

TEST_F(ModbusSensorTest, StoppedServerFailsFastBacksOffAndRecoversWithTheBacklog) {
  server_->SetHolding(10, 42);
  auto driver = Create(ThreeSignals());
  ASSERT_NE(driver, nullptr);
  ReadOk(driver.get(), kNow);

  server_.reset();
  std::vector<wire::Series> out;
  const auto start = std::chrono::steady_clock::now();
  Status status = driver->Read(kNow + 1000, &out);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(HostPort()));
  status = driver->Read(kNow + 1500, &out);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(HostPort() + ": not retrying for another 500 ms after: "
                                                       "holding register 10 (signal \"level\"): "));
  status = driver->Read(kNow + 2000, &out);  // back-off over: connect, refused
  EXPECT_THAT(status.message(), HasSubstr("connect: Connection refused"));
  status = driver->Read(kNow + 3000, &out);  // back-off now 2 s
  EXPECT_THAT(status.message(), HasSubstr("not retrying for another 1000 ms"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_TRUE(out.empty());

  StartServer();
  server_->SetHolding(10, 43);
  auto recovered = ReadOk(driver.get(), kNow + 4000);
  ASSERT_EQ(recovered["plc.level"].size(), 4u) << "samples of the failed Reads follow";
  EXPECT_EQ(recovered["plc.level"][0].t_ms, kNow + 1000);
  EXPECT_EQ(recovered["plc.level"][3].t_ms, kNow + 4000);
  EXPECT_DOUBLE_EQ(recovered["plc.level"][3].value, 43);

  server_.reset();
  EXPECT_FALSE(driver->Read(kNow + 5000, &out).ok());
  StartServer();
  EXPECT_EQ(ReadOk(driver.get(), kNow + 6000)["plc.level"].size(), 2u)
      << "a successful Read resets the back-off to 1 s";
}

TEST_F(ModbusSensorTest, SilentDeviceTimesOutWithinTheBudget) {
  server_.reset();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);  // the kernel completes handshakes; nobody answers

  SensorConfig config = ThreeSignals();
  config.options["timeout_ms"] = "200";
  auto driver = Create(config);
  ASSERT_NE(driver, nullptr);
  std::vector<wire::Series> out;
  const auto start = std::chrono::steady_clock::now();
  Status status = driver->Read(kNow, &out);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(HostPort() + ": holding register 10"));
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000)) << "three requests share one budget";
}

TEST_F(ModbusSensorTest, DeviceExceptionIsFailedPreconditionWithoutBackoff) {
  auto driver = Create(Config({Signal("far")}, {{"register_far", "holding:500:uint16"}}));
  ASSERT_NE(driver, nullptr);
  std::vector<wire::Series> out;
  Status status = driver->Read(kNow, &out);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(),
              HasSubstr("holding register 500 (signal \"far\"): device refused: Illegal data "
                        "address"));
  status = driver->Read(kNow + 1, &out);
  EXPECT_THAT(status.message(), HasSubstr("device refused")) << "asked again, no back-off";
}

TEST_F(ModbusSensorTest, BadOptionsAreRejectedAtCreation) {
  auto with = [&](std::map<std::string, std::string> options) {
    return Config({Signal("temp")}, std::move(options));
  };
  EXPECT_EQ(CreateError(with({{"register_temp", "holding:1:uint16"}})), "created");
  EXPECT_THAT(CreateError(with({})),
              HasSubstr("sensor \"plc\": option \"register_temp\": required for every signal"));
  EXPECT_THAT(
      CreateError(with({{"register_temp", "holding:1:uint16"}, {"register_x", "input:1:uint16"}})),
      HasSubstr("option \"register_x\": no signal \"x\""));
  EXPECT_THAT(CreateError(with({{"register_temp", "holding:40:float"}})),
              HasSubstr("option \"register_temp\": \"holding:40:float\": type: expected"));
  EXPECT_THAT(CreateError(with({{"register_temp", "coil:1:uint16"}})),
              HasSubstr("table: expected holding or input, got \"coil\""));
  EXPECT_THAT(CreateError(with({{"register_temp", "holding:70000:uint16"}})),
              HasSubstr("address: expected a decimal 0..65535, got \"70000\""));
  EXPECT_THAT(CreateError(with({{"register_temp", "holding:1:uint16*0"}})),
              HasSubstr("scale: expected a finite, non-zero decimal, got \"0\""));
  EXPECT_THAT(CreateError(with({{"register_temp", "holding:1"}})), HasSubstr("syntax: expected"));

  const std::map<std::string, std::string> good = {{"register_temp", "holding:1:uint16"}};
  auto bad = [&](std::string key, std::string value) {
    SensorConfig config = with(good);
    config.options[key] = std::move(value);
    return CreateError(config);
  };
  EXPECT_THAT(bad("host", "plc.local"), HasSubstr("option \"host\": must be an IPv4 address"));
  EXPECT_THAT(bad("port", "0"), HasSubstr("option \"port\": must be a whole number 1..65535"));
  EXPECT_THAT(bad("port", "502x"), HasSubstr("got \"502x\""));
  EXPECT_THAT(bad("unit_id", "250"), HasSubstr("option \"unit_id\": must be 0..247 or 255"));
  EXPECT_EQ(bad("unit_id", "255"), "created");
  EXPECT_THAT(bad("timeout_ms", "0"), HasSubstr("option \"timeout_ms\""));
  EXPECT_THAT(bad("baud", "9600"), HasSubstr("option \"baud\": not supported by kind \"modbus\""));
  SensorConfig no_host = with(good);
  no_host.options.erase("host");
  EXPECT_THAT(CreateError(no_host), HasSubstr("option \"host\": required"));
  EXPECT_THAT(CreateError(Config({}, {})), HasSubstr("needs at least one signal"));
}

}  // namespace
}  // namespace keel::edge
