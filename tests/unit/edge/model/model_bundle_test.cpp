#include "edge/model/model_bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/files.h"
#include "edge/model/model_health.h"
#include "edge/model/onnx_detector.h"
#include "test_util/temp_dir.h"
#include "unit/edge/model/onnx_model_builder.h"

namespace keel::edge::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Autoencoder;
using testing::BuildMlpOnnx;
using testing::ForwardMlp;
using ::testing::HasSubstr;

const std::vector<double> kMean = {1, 2, 3, 4, 5, 6, 7, 8};
const std::vector<double> kStd = {0.5, 1, 2, 4, 0.5, 1, 2, 4};

std::vector<double> Normalized(const std::vector<double>& x) {
  std::vector<double> z(x.size());
  for (size_t i = 0; i < x.size(); ++i) z[i] = (x[i] - kMean[i]) / kStd[i];
  return z;
}

// An 8-4-8 tanh autoencoder bundle whose golden samples are computed by the
// hand-written forward pass.
json AutoencoderManifest() {
  const auto layers = Autoencoder(8, 4);
  json golden = json::array();
  for (const std::vector<double>& x : {std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8},
                                       std::vector<double>{1.5, 1, 5, 0, 5.25, 6.5, 9, 16}}) {
    golden.push_back(
        {{"input", x}, {"expected", ForwardMlp(layers, Normalized(x))}, {"tolerance", 1e-5}});
  }
  json inputs = json::array();
  for (int i = 0; i < 8; ++i) inputs.push_back("feature." + std::to_string(i));
  return {{"name", "pump-ae"},
          {"version", "1.2.0"},
          {"backend", "onnx"},
          {"inputs", inputs},
          {"onnx",
           {{"file", "model.onnx"},
            {"output", "reconstruction"},
            {"threshold", {{"quantile", 0.99}, {"margin", 1.2}}},
            {"normalize", {{"mean", kMean}, {"std", kStd}}}}},
          {"health", {{"golden", golden}, {"latency_budget_us", 1'000'000}}}};
}

json BuiltinManifest() {
  return json::parse(R"({
    "name": "pump-maha", "version": "2.0.0", "backend": "builtin", "inputs": ["a", "b"],
    "builtin": {"kind": "mahalanobis", "params": {"threshold": 8}},
    "health": {"golden": [{"input": [0.0, 0.0], "expected_score": 0.0, "tolerance": 0.01}],
               "latency_budget_us": 1000000}})");
}

void WriteBundle(const fs::path& dir, const json& manifest, const std::string& model) {
  ASSERT_TRUE(EnsureDirectory(dir).ok());
  ASSERT_TRUE(WriteFileAtomic(dir / "manifest.json", manifest.dump(2)).ok());
  if (!model.empty()) {
    ASSERT_TRUE(WriteFileAtomic(dir / "model.onnx", model).ok());
  }
}

TEST(ModelBundleTest, OnnxBundleMatchesTheHandWrittenForwardPass) {
  TempDir tmp;
  const auto layers = Autoencoder(8, 4);
  WriteBundle(tmp.path(), AutoencoderManifest(), BuildMlpOnnx(layers));
  auto loaded = LoadModelBundle(tmp.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->manifest.name, "pump-ae");
  EXPECT_EQ(loaded->directory, tmp.path());
  ASSERT_NE(loaded->detector, nullptr);
  EXPECT_EQ(loaded->detector->kind(), "onnx");

  const std::vector<double> x = {0.5, 3, 2, 9, 5, 5, 8, 1};
  const auto z = Normalized(x);
  const auto y = ForwardMlp(layers, z);
  double mse = 0.0;
  for (size_t i = 0; i < 8; ++i) mse += (z[i] - y[i]) * (z[i] - y[i]) / 8.0;
  auto score = loaded->detector->Score(x);
  ASSERT_TRUE(score.ok());
  EXPECT_NEAR(*score, mse, 1e-5 * std::max(1.0, mse));

  EXPECT_TRUE(CheckModelHealth(*loaded).ok()) << CheckModelHealth(*loaded).ToString();
}

// One detector per operating mode is made on the agent's sampling thread:
// from what was loaded, without reading the bundle again.
TEST(ModelBundleTest, NewDetectorNeedsNoFiles) {
  TempDir tmp;
  const auto dir = tmp.path() / "bundle";
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  WriteBundle(dir, AutoencoderManifest(), BuildMlpOnnx(Autoencoder(8, 4)));
  auto loaded = LoadModelBundle(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_FALSE(loaded->model_bytes.empty());
  std::filesystem::remove_all(dir);

  auto fresh = NewDetector(*loaded);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_NE(fresh->get(), loaded->detector.get());
  const std::vector<double> x = {0.5, 3, 2, 9, 5, 5, 8, 1};
  EXPECT_EQ(*(*fresh)->Score(x), *loaded->detector->Score(x));

  WriteBundle(tmp.path(), BuiltinManifest(), "");
  auto builtin = LoadModelBundle(tmp.path());
  ASSERT_TRUE(builtin.ok()) << builtin.status().ToString();
  EXPECT_TRUE(builtin->model_bytes.empty());
  auto fresh_builtin = NewDetector(*builtin);
  ASSERT_TRUE(fresh_builtin.ok());
  EXPECT_EQ((*fresh_builtin)->kind(), "mahalanobis");
  EXPECT_DOUBLE_EQ((*fresh_builtin)->threshold(), 8.0);
}

TEST(ModelBundleTest, BuiltinBundleCreatesAnUnfittedDetectorWithItsParams) {
  TempDir tmp;
  WriteBundle(tmp.path(), BuiltinManifest(), "");
  auto loaded = LoadModelBundle(tmp.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->detector->kind(), "mahalanobis");
  EXPECT_DOUBLE_EQ(loaded->detector->threshold(), 8.0);

  Status unfitted = CheckModelHealth(*loaded);
  EXPECT_EQ(unfitted.code(), StatusCode::kFailedPrecondition) << unfitted.ToString();
  EXPECT_THAT(unfitted.message(), HasSubstr("golden sample 0"));

  std::vector<std::vector<double>> normal;
  for (int i = 0; i < 50; ++i) normal.push_back({std::sin(i * 0.7), std::cos(i * 1.3)});
  ASSERT_TRUE(loaded->detector->Fit(normal).ok());
  auto origin = loaded->detector->Score(std::vector<double>{0.0, 0.0});
  ASSERT_TRUE(origin.ok());
  loaded->manifest.health.golden[0].expected_score = *origin + 0.005;
  EXPECT_TRUE(CheckModelHealth(*loaded).ok());
  loaded->manifest.health.golden[0].expected_score = *origin + 0.02;
  Status off = CheckModelHealth(*loaded);
  EXPECT_EQ(off.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(off.message(), HasSubstr("golden sample 0: score"));
}

TEST(ModelBundleTest, BuiltinKindAndParamsAreValidatedAtLoad) {
  TempDir tmp;
  json manifest = BuiltinManifest();
  manifest["builtin"]["params"]["thershold"] = 3;
  WriteBundle(tmp.path(), manifest, "");
  auto loaded = LoadModelBundle(tmp.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("manifest.json: builtin"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("thershold"));

  manifest = BuiltinManifest();
  manifest["builtin"]["kind"] = "lstm";
  WriteBundle(tmp.path(), manifest, "");
  auto unknown = LoadModelBundle(tmp.path());
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown kind \"lstm\""));
}

TEST(ModelBundleTest, GoldenOutputOutOfToleranceNamesSampleOutputAndError) {
  TempDir tmp;
  json manifest = AutoencoderManifest();
  manifest["health"]["golden"][1]["expected"][5] =
      manifest["health"]["golden"][1]["expected"][5].get<double>() + 0.01;
  manifest["health"]["golden"][1]["tolerance"] = 1e-4;
  WriteBundle(tmp.path(), manifest, BuildMlpOnnx(Autoencoder(8, 4)));
  auto loaded = LoadModelBundle(tmp.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Status health = CheckModelHealth(*loaded);
  EXPECT_EQ(health.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(health.message(),
              HasSubstr("model pump-ae 1.2.0: health: golden sample 1: output 5"));
  EXPECT_THAT(health.message(), HasSubstr("off by 0.01"));
  EXPECT_THAT(health.message(), HasSubstr("(tolerance 0.0001)"));
}

TEST(ModelBundleTest, GoldenScoreOutOfTolerance) {
  TempDir tmp;
  json manifest = AutoencoderManifest();
  manifest["health"]["golden"].push_back(
      {{"input", {1, 2, 3, 4, 5, 6, 7, 8}}, {"expected_score", 123.0}, {"tolerance", 0.5}});
  WriteBundle(tmp.path(), manifest, BuildMlpOnnx(Autoencoder(8, 4)));
  auto loaded = LoadModelBundle(tmp.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Status health = CheckModelHealth(*loaded);
  EXPECT_EQ(health.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(health.message(), HasSubstr("golden sample 2: score"));
  EXPECT_THAT(health.message(), HasSubstr("differs from the expected 123"));
}

TEST(ModelBundleTest, LatencyIsTheMedianOfRunsAgainstTheBudget) {
  TempDir tmp;
  json manifest = AutoencoderManifest();
  manifest["health"]["latency_budget_us"] = 500;
  WriteBundle(tmp.path(), manifest, BuildMlpOnnx(Autoencoder(8, 4)));
  auto loaded = LoadModelBundle(tmp.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();

  // Each Score() appears to take `step` us, except every fourth run which
  // takes 10 ms: an outlier the median ignores.
  int64_t now = 0;
  int calls = 0;
  int64_t step = 0;
  HealthCheckOptions options;
  options.latency_runs = 9;
  options.monotonic_us = [&] {
    ++calls;
    if (calls % 2 == 0) now += (calls % 8 == 0) ? 10'000 : step;
    return now;
  };
  step = 499;
  EXPECT_TRUE(CheckModelHealth(*loaded, options).ok());
  EXPECT_EQ(calls, 18);
  step = 700;
  Status slow = CheckModelHealth(*loaded, options);
  EXPECT_EQ(slow.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(slow.message(),
              HasSubstr("median Score() latency 700 us over 9 runs exceeds the budget of 500 us"));

  options.latency_runs = 0;
  EXPECT_EQ(CheckModelHealth(*loaded, options).code(), StatusCode::kInvalidArgument);
}

TEST(ModelBundleTest, ModelPathMayNotLeaveTheBundle) {
  TempDir tmp;
  const fs::path bundle = tmp.path() / "bundle";
  const std::string model = BuildMlpOnnx(Autoencoder(8, 4));
  ASSERT_TRUE(WriteFileAtomic(tmp.path() / "outside.onnx", model).ok());

  json manifest = AutoencoderManifest();
  manifest["onnx"]["file"] = "../outside.onnx";
  WriteBundle(bundle, manifest, "");
  auto lexical = LoadModelBundle(bundle);
  ASSERT_FALSE(lexical.ok());
  EXPECT_EQ(lexical.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(lexical.status().message(), HasSubstr("onnx.file: \"../outside.onnx\""));

  manifest["onnx"]["file"] = "model.onnx";
  WriteBundle(bundle, manifest, "");
  fs::create_symlink(tmp.path() / "outside.onnx", bundle / "model.onnx");
  auto symlink = LoadModelBundle(bundle);
  ASSERT_FALSE(symlink.ok());
  EXPECT_EQ(symlink.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(symlink.status().message(), HasSubstr("outside the bundle directory"));
}

TEST(ModelBundleTest, MissingCorruptAndMismatchedFiles) {
  TempDir tmp;
  auto not_dir = LoadModelBundle(tmp.path() / "nope");
  EXPECT_EQ(not_dir.status().code(), StatusCode::kNotFound);

  auto no_manifest = LoadModelBundle(tmp.path());
  EXPECT_EQ(no_manifest.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_manifest.status().message(), HasSubstr("manifest.json"));

  WriteBundle(tmp.path(), AutoencoderManifest(), "");
  auto no_model = LoadModelBundle(tmp.path());
  EXPECT_EQ(no_model.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_model.status().message(), HasSubstr("no model file \"model.onnx\""));

  WriteBundle(tmp.path(), AutoencoderManifest(), "\x08\x07garbage that is not protobuf");
  auto corrupt = LoadModelBundle(tmp.path());
  EXPECT_EQ(corrupt.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(corrupt.status().message(), HasSubstr((tmp.path() / "model.onnx").string()));
  EXPECT_THAT(corrupt.status().message(), HasSubstr("OpenCV cannot read the model"));

  json narrow = AutoencoderManifest();
  narrow["inputs"] = {"a", "b", "c", "d", "e", "f"};
  narrow["onnx"].erase("normalize");
  narrow["health"]["golden"] = json::parse(R"([{"input": [0,0,0,0,0,0], "expected_score": 0}])");
  WriteBundle(tmp.path(), narrow, BuildMlpOnnx(Autoencoder(8, 4)));
  auto mismatch = LoadModelBundle(tmp.path());
  EXPECT_EQ(mismatch.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatch.status().message(), HasSubstr("probe with a [1, 6] input"));

  json bad = AutoencoderManifest();
  bad["version"] = "latest";
  WriteBundle(tmp.path(), bad, BuildMlpOnnx(Autoencoder(8, 4)));
  auto bad_manifest = LoadModelBundle(tmp.path());
  EXPECT_EQ(bad_manifest.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_manifest.status().message(), HasSubstr("manifest.json: version"));
}

}  // namespace
}  // namespace keel::edge::model
