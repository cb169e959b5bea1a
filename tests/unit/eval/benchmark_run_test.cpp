#include "eval/benchmark_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "test_util/temp_dir.h"

namespace keel::eval {
namespace {

using ::testing::HasSubstr;

// Test-only detector: |x0 - mean of everything seen so far| > 2.
class RunningMeanDetector : public edge::inference::Detector {
 public:
  std::string_view kind() const override { return "running_mean"; }
  Status Fit(const std::vector<std::vector<double>>& normal) override {
    for (const auto& x : normal) Add(x[0]);
    return Status::Ok();
  }
  Result<double> Score(std::span<const double> x) override {
    const double s = std::abs(x[0] - sum_ / count_);
    Add(x[0]);
    return s;
  }
  double threshold() const override { return 2.0; }

 private:
  void Add(double v) {
    sum_ += v;
    ++count_;
  }
  double sum_ = 0;
  double count_ = 0;
};

SkabRunOptions Skab(const std::filesystem::path& data, const std::filesystem::path& out,
                    DetectorFactory factory, size_t train_rows) {
  SkabRunOptions options;
  options.data_dir = data;
  options.out_dir = out;
  options.make_detector = std::move(factory);
  options.train_rows = train_rows;
  return options;
}

NabRunOptions Nab(const std::filesystem::path& data, const std::filesystem::path& out,
                  DetectorFactory factory) {
  NabRunOptions options;
  options.data_dir = data;
  options.out_dir = out;
  options.make_detector = std::move(factory);
  return options;
}

DetectorFactory RunningMean();

DetectorFactory RunningMean() {
  return []() -> Result<std::unique_ptr<edge::inference::Detector>> {
    return std::unique_ptr<edge::inference::Detector>(std::make_unique<RunningMeanDetector>());
  };
}

void Write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string Read(const std::filesystem::path& p) {
  auto text = ReadFile(p);
  return text.ok() ? *text : "<" + text.status().ToString() + ">";
}

std::string SkabFile(const std::vector<double>& x, const std::vector<int>& labels) {
  std::string text = "datetime;x;anomaly;changepoint\n";
  for (size_t i = 0; i < x.size(); ++i) {
    text += "2020-03-09 10:14:3" + std::to_string(i) + ";" + std::to_string(x[i]) + ";" +
            std::to_string(labels[i]) + ".0;0.0\n";
  }
  return text;
}

TEST(BenchmarkRunTest, SkabWritesPredictionsAndScoresLabelledFiles) {
  TempDir dir;
  const auto data = dir.path() / "skab";
  Write(data / "valve" / "1.csv", SkabFile({0, 0, 0, 0, 0, 10, 10, 0}, {0, 0, 0, 0, 0, 1, 1, 0}));
  Write(data / "free.csv", "datetime;x\n2020-03-09 10:14:30;1\n2020-03-09 10:14:31;1\n");
  auto report = RunSkab(Skab(data, dir.path() / "out", RunningMean(), 4));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files, 2u);
  EXPECT_EQ(report->scored_files, 1u);
  ASSERT_TRUE(report->score.has_value());
  // Test rows 4..7: predictions 0,1,1,1 (row 7: |0 - 20/7| > 2), labels 0,1,1,0.
  EXPECT_EQ(report->score->counts, (ConfusionCounts{.tp = 2, .fp = 1, .fn = 0, .tn = 1}));
  EXPECT_DOUBLE_EQ(report->score->f1, 2.0 / 2.5);
  EXPECT_EQ(Read(dir.path() / "out" / "valve" / "1.csv"),
            "datetime;anomaly;changepoint\n"
            "2020-03-09 10:14:30;0;0\n2020-03-09 10:14:31;0;0\n2020-03-09 10:14:32;0;0\n"
            "2020-03-09 10:14:33;0;0\n2020-03-09 10:14:34;0;0\n2020-03-09 10:14:35;1;1\n"
            "2020-03-09 10:14:36;1;0\n2020-03-09 10:14:37;1;0\n");
  EXPECT_EQ(Read(dir.path() / "out" / "free.csv"),
            "datetime;anomaly;changepoint\n2020-03-09 10:14:30;0;0\n2020-03-09 10:14:31;0;0\n");

  auto json = nlohmann::json::parse(SkabReportJson(*report));
  EXPECT_EQ(json["benchmark"], "skab");
  EXPECT_DOUBLE_EQ(json["f1"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(json["far"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(json["mar"].get<double>(), 0.0);
  EXPECT_EQ(json["files"], 2);
}

TEST(BenchmarkRunTest, SkabErrorsNameTheFile) {
  TempDir dir;
  Write(dir.path() / "bad.csv", "datetime;x;anomaly\n2020-03-09 10:14:30;1;7\n");
  auto report = RunSkab(Skab(dir.path(), dir.path() / "out", RunningMean(), 0));
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("bad.csv"));
  EXPECT_THAT(report.status().message(), HasSubstr("not 0 or 1"));

  auto failing = RunSkab(Skab(
      dir.path(), dir.path() / "out",
      []() -> Result<std::unique_ptr<edge::inference::Detector>> {
        return Status::InvalidArgument("unknown detector kind \"x\"");
      },
      0));
  ASSERT_FALSE(failing.ok());
  EXPECT_THAT(failing.status().message(), HasSubstr("unknown detector"));

  std::filesystem::create_directories(dir.path() / "empty");
  auto empty = RunSkab(Skab(dir.path() / "empty", dir.path() / "o2", RunningMean(), 0));
  EXPECT_EQ(empty.status().code(), StatusCode::kNotFound);
}

// 100 rows every 5 minutes from 2014-04-01, value 0 except 6 at `spike`.
std::string NabFile(size_t spike) {
  std::string text = "timestamp,value\n";
  for (size_t i = 0; i < 100; ++i) {
    const size_t minutes = i * 5;
    char line[64];
    std::snprintf(line, sizeof line, "2014-04-01 %02zu:%02zu:00,%d\n", minutes / 60, minutes % 60,
                  i == spike ? 6 : 0);
    text += line;
  }
  return text;
}

TEST(BenchmarkRunTest, NabWritesScoresAndFindsLabelsUpwards) {
  TempDir dir;
  const auto root = dir.path() / "nab";
  Write(root / "data" / "real" / "a.csv", NabFile(50));
  Write(root / "data" / "unlabelled.csv", NabFile(30));
  // Window rows 48..57 (04:00 .. 04:45).
  Write(root / "labels" / "combined_windows.json",
        R"({"real/a.csv": [["2014-04-01 04:00:00.000000", "2014-04-01 04:45:00.000000"]]})");
  auto report = RunNab(Nab(root / "data", dir.path() / "out", RunningMean()));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files, 2u);
  EXPECT_EQ(report->scored_files, 1u);
  ASSERT_EQ(report->by_profile.size(), 3u);  // the default profiles
  // The spike at row 50 (position -0.8) is the only detection at the best threshold.
  const double tp = std::tanh(2.0) / std::tanh(2.5);
  for (const auto& [name, result] : report->by_profile) {
    const double fn = name == "reward_low_FN_rate" ? 2.0 : 1.0;
    EXPECT_NEAR(result.normalized, 100.0 * (tp + fn) / (1.0 + fn), 1e-9) << name;
    EXPECT_DOUBLE_EQ(result.threshold, 0.75) << name;  // 6 / (6 + 2)
  }
  const std::string out = Read(dir.path() / "out" / "real" / "a.csv");
  EXPECT_THAT(out, HasSubstr("timestamp,value,anomaly_score\n2014-04-01 00:00:00,0,0\n"));
  EXPECT_THAT(out, HasSubstr("2014-04-01 04:10:00,6,0.75\n"));

  auto json = nlohmann::json::parse(NabReportJson(*report));
  EXPECT_EQ(json["benchmark"], "nab");
  EXPECT_NEAR(json["standard"].get<double>(), 100.0 * (tp + 1.0) / 2.0, 1e-9);
  EXPECT_TRUE(json.contains("reward_low_fp"));
  EXPECT_TRUE(json.contains("reward_low_fn"));
}

TEST(BenchmarkRunTest, NabWithoutLabelsOnlyWritesAndRejectsBadLabels) {
  TempDir dir;
  Write(dir.path() / "data" / "a.csv", NabFile(50));
  auto report = RunNab(Nab(dir.path() / "data", dir.path() / "out", RunningMean()));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->by_profile.empty());
  EXPECT_EQ(NabReportJson(*report).find("standard"), std::string::npos);

  Write(dir.path() / "w.json", "{");
  NabRunOptions bad_options = Nab(dir.path() / "data", dir.path() / "out", RunningMean());
  bad_options.windows_file = dir.path() / "w.json";
  auto bad = RunNab(bad_options);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("w.json"));
}

TEST(BenchmarkRunTest, NabAcceptsBackwardTimestampsAndRejectsBadValues) {
  TempDir dir;
  std::string text = NabFile(50);
  text += "2014-04-01 00:00:00,1\n";  // steps back, as in a real NAB file
  Write(dir.path() / "data" / "a.csv", text);
  auto report = RunNab(Nab(dir.path() / "data", dir.path() / "out", RunningMean()));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->files, 1u);

  Write(dir.path() / "data" / "a.csv", "timestamp,value\n2014-04-01 00:00:00,nan\n");
  auto bad = RunNab(Nab(dir.path() / "data", dir.path() / "out", RunningMean()));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("a.csv:2: column \"value\""));
}

TEST(BenchmarkRunTest, FindUpwardsStopsAtTheRoot) {
  TempDir dir;
  Write(dir.path() / "x" / "labels" / "w.json", "{}");
  std::filesystem::create_directories(dir.path() / "x" / "a" / "b");
  auto found = FindUpwards(dir.path() / "x" / "a" / "b", "labels/w.json");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, dir.path() / "x" / "labels" / "w.json");
  EXPECT_FALSE(FindUpwards(dir.path() / "x", "labels/none.json").has_value());
}

}  // namespace
}  // namespace keel::eval
