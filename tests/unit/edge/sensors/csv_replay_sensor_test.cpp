#include "edge/sensors/csv_replay_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "edge/sensors/sensor_registry.h"
#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1396310400000;  // 2014-04-01 00:00:00 UTC
constexpr int64_t kNow = 1700000000000;

// Rows at +0, +1, +2, +4 s (median interval 1 s); a = row index, b = 10 * a.
constexpr const char* kCsv =
    "timestamp,a,b c\n"
    "2014-04-01 00:00:00,0,0\n"
    "2014-04-01 00:00:01,1,10\n"
    "2014-04-01 00:00:02,2,20\n"
    "2014-04-01 00:00:04,3,30\n";

SignalConfig Signal(std::string name, std::string unit) {
  SignalConfig signal;
  signal.name = std::move(name);
  signal.unit = std::move(unit);
  return signal;
}

class CsvReplaySensorTest : public ::testing::Test {
 protected:
  std::string WriteCsv(const std::string& text, const std::string& name = "data.csv") {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  SensorConfig Config(std::map<std::string, std::string> options) {
    if (!options.contains("path")) options["path"] = WriteCsv(kCsv);
    return SensorConfig{"csv", "rec", {}, std::move(options)};
  }

  std::unique_ptr<SensorDriver> Create(const SensorConfig& config) {
    auto driver = CreateSensor(config, 1);
    EXPECT_TRUE(driver.ok()) << driver.status().ToString();
    return driver.ok() ? std::move(*driver) : nullptr;
  }

  std::string CreateError(const SensorConfig& config) {
    auto driver = CreateCsvReplaySensor(config, 1);
    if (driver.ok()) return "created";
    return driver.status().message();
  }

  // Reads at each of `times` and concatenates the points of series `name`.
  static std::vector<wire::Point> ReadAll(SensorDriver& driver, const std::vector<int64_t>& times,
                                          const std::string& name = "rec.a") {
    std::vector<wire::Point> points;
    for (int64_t now : times) {
      std::vector<wire::Series> out;
      EXPECT_TRUE(driver.Read(now, &out).ok());
      for (const auto& s : out) {
        EXPECT_FALSE(s.points.empty());
        if (s.name == name) points.insert(points.end(), s.points.begin(), s.points.end());
      }
    }
    return points;
  }

  TempDir dir_;
};

TEST_F(CsvReplaySensorTest, RegisteredAsCsvWithChannelsFromColumns) {
  auto driver = Create(Config({}));
  ASSERT_NE(driver, nullptr);
  EXPECT_EQ(driver->kind(), "csv");
  EXPECT_THAT(driver->channels(),
              ElementsAre(ChannelSpec{"rec.a", "", 1.0}, ChannelSpec{"rec.b_c", "", 1.0}));
}

TEST_F(CsvReplaySensorTest, NowModeRebasesToFirstReadWithIrregularReads) {
  auto driver = Create(Config({}));
  ASSERT_NE(driver, nullptr);
  const auto points = ReadAll(*driver, {kNow, kNow, kNow + 999, kNow + 2500, kNow + 2000,
                                        kNow + 3999, kNow + 4000, kNow + 90000});
  EXPECT_THAT(points, ElementsAre(wire::Point{kNow, 0}, wire::Point{kNow + 1000, 1},
                                  wire::Point{kNow + 2000, 2}, wire::Point{kNow + 4000, 3}));
}

TEST_F(CsvReplaySensorTest, ReadReturnsOneSeriesPerChannelWithNewRowsOnly) {
  auto driver = Create(Config({}));
  ASSERT_NE(driver, nullptr);
  std::vector<wire::Series> out;
  ASSERT_TRUE(driver->Read(kNow + 5, &out).ok());
  ASSERT_TRUE(driver->Read(kNow + 2005, &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], (wire::Series{"rec.a", {{kNow + 5, 0}}}));
  EXPECT_EQ(out[1], (wire::Series{"rec.b_c", {{kNow + 5, 0}}}));
  EXPECT_EQ(out[3], (wire::Series{"rec.b_c", {{kNow + 1005, 10}, {kNow + 2005, 20}}}));
  out.clear();
  ASSERT_TRUE(driver->Read(kNow + 3000, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(CsvReplaySensorTest, FileModeKeepsFileTimestampsAndStopsAtTheEnd) {
  auto driver = Create(Config({{"timestamps", "file"}, {"layout", "nab"}}));
  ASSERT_NE(driver, nullptr);
  const auto points = ReadAll(*driver, {kNow + 7, kNow + 1500, kNow + 1506, kNow + 2007,
                                        kNow + 4006, kNow + 4007, kNow + 100000});
  EXPECT_THAT(points, ElementsAre(wire::Point{kT0, 0}, wire::Point{kT0 + 1000, 1},
                                  wire::Point{kT0 + 2000, 2}, wire::Point{kT0 + 4000, 3}));
}

TEST_F(CsvReplaySensorTest, LoopContinuesOneMedianIntervalAfterTheLastRow) {
  auto driver = Create(Config({{"loop", "true"}}));
  ASSERT_NE(driver, nullptr);
  const auto points = ReadAll(*driver, {kNow, kNow + 4500, kNow + 5000, kNow + 11000});
  // Pass length = 4 s span + 1 s median interval.
  EXPECT_THAT(points, ElementsAre(wire::Point{kNow, 0}, wire::Point{kNow + 1000, 1},
                                  wire::Point{kNow + 2000, 2}, wire::Point{kNow + 4000, 3},
                                  wire::Point{kNow + 5000, 0}, wire::Point{kNow + 6000, 1},
                                  wire::Point{kNow + 7000, 2}, wire::Point{kNow + 9000, 3},
                                  wire::Point{kNow + 10000, 0}, wire::Point{kNow + 11000, 1}));
}

TEST_F(CsvReplaySensorTest, LoopBacklogIsBoundedPerRead) {
  auto driver = Create(Config({{"loop", "true"}}));
  ASSERT_NE(driver, nullptr);
  std::vector<wire::Series> out;
  // 4 rows per 5 s pass: 1.5 * kCsvMaxRowsPerRead rows are due at `far`.
  const int64_t far = kNow + int64_t{5000} * static_cast<int64_t>(kCsvMaxRowsPerRead * 3 / 8);
  ASSERT_TRUE(driver->Read(kNow, &out).ok());
  out.clear();
  ASSERT_TRUE(driver->Read(far, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].points.size(), kCsvMaxRowsPerRead);
  out.clear();
  ASSERT_TRUE(driver->Read(far, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].points.back().t_ms, far);
}

TEST_F(CsvReplaySensorTest, SignalSubsetBySanitizedOrHeaderNameWithUnit) {
  SensorConfig config = Config({});
  config.signals.push_back(Signal("b_c", "mm/s"));
  auto driver = Create(config);
  ASSERT_NE(driver, nullptr);
  EXPECT_THAT(driver->channels(), ElementsAre(ChannelSpec{"rec.b_c", "mm/s", 1.0}));
  std::vector<wire::Series> out;
  ASSERT_TRUE(driver->Read(kNow, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (wire::Series{"rec.b_c", {{kNow, 0}}}));

  config.signals = {Signal("nope", "")};
  EXPECT_THAT(CreateError(config), HasSubstr("signal \"nope\": no such column"));
}

TEST_F(CsvReplaySensorTest, SkabAndGenericLayouts) {
  SensorConfig skab = Config({{"layout", "skab"},
                              {"path", WriteCsv("datetime;x;anomaly;changepoint\n"
                                                "2020-03-09 10:14:33;1.5;0;0\n"
                                                "2020-03-09 10:14:34;2.5;1;0\n",
                                                "skab.csv")}});
  auto driver = Create(skab);
  ASSERT_NE(driver, nullptr);
  EXPECT_THAT(driver->channels(), ElementsAre(ChannelSpec{"rec.x", "", 1.0}));

  SensorConfig generic = Config({{"delimiter", "|"},
                                 {"time_column", "t"},
                                 {"time_format", "epoch_s"},
                                 {"timestamps", "file"},
                                 {"path", WriteCsv("t|v\n10|1\n10.5|2\n11|3\n", "g.csv")}});
  driver = Create(generic);
  ASSERT_NE(driver, nullptr);
  EXPECT_THAT(driver->channels(), ElementsAre(ChannelSpec{"rec.v", "", 2.0}));
  EXPECT_THAT(ReadAll(*driver, {0, 1000}, "rec.v"),
              ElementsAre(wire::Point{10000, 1}, wire::Point{10500, 2}, wire::Point{11000, 3}));
}

TEST_F(CsvReplaySensorTest, InvalidOptionsNameTheOption) {
  EXPECT_EQ(CreateError({"csv", "rec", {}, {}}), "sensor \"rec\": option \"path\": required");
  EXPECT_THAT(CreateError(Config({{"color", "red"}})),
              HasSubstr("option \"color\": not supported"));
  EXPECT_THAT(CreateError(Config({{"layout", "xls"}})), HasSubstr("option \"layout\""));
  EXPECT_THAT(CreateError(Config({{"delimiter", ";;"}})), HasSubstr("option \"delimiter\""));
  EXPECT_THAT(CreateError(Config({{"layout", "nab"}, {"delimiter", ";"}})),
              HasSubstr("option \"delimiter\": only applies to layout \"generic\""));
  EXPECT_THAT(CreateError(Config({{"time_column", ""}})), HasSubstr("option \"time_column\""));
  EXPECT_THAT(CreateError(Config({{"time_format", "unix"}})), HasSubstr("option \"time_format\""));
  EXPECT_THAT(CreateError(Config({{"timestamps", "later"}})), HasSubstr("option \"timestamps\""));
  EXPECT_THAT(CreateError(Config({{"loop", "yes"}})), HasSubstr("option \"loop\""));
  EXPECT_THAT(CreateError(Config({{"loop", "true"}, {"timestamps", "file"}})),
              HasSubstr("option \"loop\": requires timestamps=now"));
  SensorConfig wrong_kind = Config({});
  wrong_kind.kind = "simulated";
  EXPECT_THAT(CreateError(wrong_kind), HasSubstr("is not \"csv\""));
}

TEST_F(CsvReplaySensorTest, FileProblemsAreReportedWithTheSensor) {
  auto missing = CreateSensor(Config({{"path", (dir_.path() / "none.csv").string()}}), 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("sensor \"rec\": "));
  EXPECT_THAT(CreateError(Config({{"path", WriteCsv("timestamp,a\n", "empty.csv")}})),
              HasSubstr("no data rows"));
  EXPECT_THAT(CreateError(Config({{"path", WriteCsv("timestamp,a\nx,1\n", "bad.csv")}})),
              HasSubstr("bad.csv:2: column \"timestamp\""));
}

}  // namespace
}  // namespace keel::edge
