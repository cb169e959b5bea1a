#include "edge/model/onnx_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/random.h"
#include "edge/inference/pca_detector.h"
#include "unit/edge/model/onnx_model_builder.h"

namespace keel::edge::model {
namespace {

using testing::Autoencoder;
using testing::BuildMlpOnnx;
using testing::DenseLayer;
using testing::ForwardMlp;
using ::testing::HasSubstr;

OnnxDetector::Options ReconstructionOptions(size_t dims) {
  OnnxDetector::Options options;
  options.dims = dims;
  options.output = OnnxOutput::kReconstruction;
  options.threshold.quantile = 0.99;
  options.threshold.margin = 1.0;
  return options;
}

OnnxDetector::Options ScoreOptions(size_t dims, double fixed_threshold) {
  OnnxDetector::Options options;
  options.dims = dims;
  options.output = OnnxOutput::kScore;
  options.threshold.fixed = fixed_threshold;
  return options;
}

std::vector<std::vector<double>> CorrelatedRows(size_t n, size_t d, uint64_t seed) {
  SeededRandom random(seed);
  std::vector<std::vector<double>> rows;
  for (size_t r = 0; r < n; ++r) {
    const double a = 3.0 * random.Gaussian();
    const double b = random.Gaussian();
    std::vector<double> row(d);
    for (size_t i = 0; i < d; ++i) {
      const auto fi = static_cast<double>(i);
      row[i] = 5.0 + fi + a * std::cos(0.7 * fi) + b * std::sin(1.3 * fi) + 0.1 * random.Gaussian();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::unique_ptr<OnnxDetector> MustCreate(const std::string& bytes, OnnxDetector::Options options) {
  auto created = OnnxDetector::Create(bytes, "model.onnx", std::move(options));
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return created.ok() ? std::move(created).value() : nullptr;
}

TEST(OnnxDetectorTest, OnnxMatchesHandWrittenForwardPass) {
  const auto layers = Autoencoder(8, 4);
  auto detector = MustCreate(BuildMlpOnnx(layers), ReconstructionOptions(8));
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->kind(), "onnx");
  SeededRandom random(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<double> x(8);
    for (double& v : x) v = 2.0 * random.Gaussian();
    auto output = detector->Forward(x);
    ASSERT_TRUE(output.ok()) << output.status().ToString();
    const std::vector<double> expected = ForwardMlp(layers, x);
    ASSERT_EQ(output->size(), expected.size());
    double mse = 0.0;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR((*output)[i], expected[i], 1e-5) << "trial " << trial << " output " << i;
      mse += (x[i] - expected[i]) * (x[i] - expected[i]) / 8.0;
    }
    auto score = detector->Score(x);
    ASSERT_TRUE(score.ok());
    EXPECT_NEAR(*score, mse, 1e-5 * std::max(1.0, mse));
  }
}

TEST(OnnxDetectorTest, NormalizesInputBeforeTheModel) {
  const auto layers = Autoencoder(8, 4);
  auto options = ReconstructionOptions(8);
  options.normalize =
      Normalization{.mean = {1, 2, 3, 4, 5, 6, 7, 8}, .std = {0.5, 1, 2, 4, 0.5, 1, 2, 4}};
  auto detector = MustCreate(BuildMlpOnnx(layers), options);
  ASSERT_NE(detector, nullptr);
  const std::vector<double> x = {1.5, 1.0, 5.0, 0.0, 5.25, 6.5, 9.0, 16.0};
  std::vector<double> z(8);
  for (size_t i = 0; i < 8; ++i)
    z[i] = (x[i] - options.normalize->mean[i]) / options.normalize->std[i];
  auto output = detector->Forward(x);
  ASSERT_TRUE(output.ok());
  const auto expected = ForwardMlp(layers, z);
  double mse = 0.0;
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_NEAR((*output)[i], expected[i], 1e-5);
    mse += (z[i] - expected[i]) * (z[i] - expected[i]) / 8.0;
  }
  auto score = detector->Score(x);
  ASSERT_TRUE(score.ok());
  EXPECT_NEAR(*score, mse, 1e-5);
}

// A linear autoencoder whose encoder is P^T and decoder P (P: the PCA
// detector's k leading components), fed the PCA detector's standardization,
// reconstructs z as P P^T z, so d * MSE is exactly the Q statistic.
TEST(OnnxDetectorTest, LinearAutoencoderOfPrincipalComponentsGivesPcaQStatistic) {
  constexpr size_t kDims = 8;
  const auto rows = CorrelatedRows(400, kDims, 3);
  inference::PcaDetector pca({.variance = 0.9, .quantile = 0.99, .threshold = 1.0});
  ASSERT_TRUE(pca.Fit(rows).ok());
  const Eigen::MatrixXd& p = pca.components();
  const auto k = static_cast<int>(p.cols());
  ASSERT_GT(k, 0);
  ASSERT_LT(k, static_cast<int>(kDims));

  Normalization norm{.mean = std::vector<double>(kDims, 0.0),
                     .std = std::vector<double>(kDims, 0.0)};
  for (const auto& row : rows) {
    for (size_t i = 0; i < kDims; ++i) norm.mean[i] += row[i] / static_cast<double>(rows.size());
  }
  for (const auto& row : rows) {
    for (size_t i = 0; i < kDims; ++i) {
      norm.std[i] +=
          (row[i] - norm.mean[i]) * (row[i] - norm.mean[i]) / static_cast<double>(rows.size() - 1);
    }
  }
  for (double& s : norm.std) s = std::sqrt(s);

  DenseLayer encoder;
  encoder.in = static_cast<int>(kDims);
  encoder.out = k;
  DenseLayer decoder;
  decoder.in = k;
  decoder.out = static_cast<int>(kDims);
  for (int j = 0; j < k; ++j) {
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(kDims); ++i) {
      encoder.weight.push_back(static_cast<float>(p(i, j)));
    }
    encoder.bias.push_back(0.0F);
  }
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(kDims); ++i) {
    for (int j = 0; j < k; ++j) decoder.weight.push_back(static_cast<float>(p(i, j)));
    decoder.bias.push_back(0.0F);
  }
  auto options = ReconstructionOptions(kDims);
  options.normalize = norm;
  auto onnx = MustCreate(BuildMlpOnnx({encoder, decoder}), options);
  ASSERT_NE(onnx, nullptr);

  auto probes = CorrelatedRows(50, kDims, 4);
  probes[0][2] += 3.0;  // off the normal subspace: a large Q
  probes[1][5] -= 2.0;
  for (size_t r = 0; r < probes.size(); ++r) {
    auto stats = pca.Decompose(probes[r]);
    auto score = onnx->Score(probes[r]);
    ASSERT_TRUE(stats.ok() && score.ok());
    EXPECT_NEAR(*score * static_cast<double>(kDims), stats->q, 1e-5 + 1e-5 * stats->q)
        << "row " << r;
  }
  auto far = pca.Decompose(probes[0]);
  ASSERT_TRUE(far.ok());
  EXPECT_GT(far->q, 1.0);  // the comparison covered a clearly anomalous row
}

TEST(OnnxDetectorTest, ScoreOutputIsTheModelsScalar) {
  DenseLayer linear{.in = 3, .out = 1, .weight = {0.5F, -1.0F, 2.0F}, .bias = {0.25F}};
  auto detector = MustCreate(BuildMlpOnnx({linear}), ScoreOptions(3, 2.0));
  ASSERT_NE(detector, nullptr);
  auto score = detector->Score(std::vector<double>{2.0, 1.0, 0.5});
  ASSERT_TRUE(score.ok());
  EXPECT_NEAR(*score, 0.5 * 2.0 - 1.0 + 2.0 * 0.5 + 0.25, 1e-6);
  EXPECT_DOUBLE_EQ(detector->threshold(), 2.0);
  ASSERT_TRUE(detector->Fit({{0, 0, 0}, {1, 1, 1}}).ok());
  EXPECT_DOUBLE_EQ(detector->threshold(), 2.0);
  EXPECT_FALSE(detector->IsAnomaly(1.25));
  EXPECT_TRUE(detector->IsAnomaly(2.5));
}

TEST(OnnxDetectorTest, FitSetsQuantileTimesMarginOfNormalScores) {
  const auto layers = Autoencoder(8, 4);
  auto options = ReconstructionOptions(8);
  options.threshold.quantile = 0.9;
  options.threshold.margin = 1.5;
  auto detector = MustCreate(BuildMlpOnnx(layers), options);
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->threshold(), std::numeric_limits<double>::infinity());
  EXPECT_FALSE(detector->IsAnomaly(1e300));

  const auto rows = CorrelatedRows(11, 8, 5);
  std::vector<double> scores;
  for (const auto& row : rows) scores.push_back(*detector->Score(row));
  std::sort(scores.begin(), scores.end());
  ASSERT_TRUE(detector->Fit(rows).ok());
  // 11 rows: the 0.9 quantile is exactly the 10th smallest score (index 9).
  EXPECT_NEAR(detector->threshold(), 1.5 * scores[9], 1e-12);
}

TEST(OnnxDetectorTest, CorruptModelIsInvalidArgumentNamingTheFile) {
  auto garbage = OnnxDetector::Create("this is not an onnx model", "bundle/model.onnx",
                                      ReconstructionOptions(8));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr("bundle/model.onnx"));

  const std::string bytes = BuildMlpOnnx(Autoencoder(8, 4));
  auto truncated =
      OnnxDetector::Create(bytes.substr(0, bytes.size() / 2), "cut.onnx", ReconstructionOptions(8));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.status().message(), HasSubstr("cut.onnx"));

  auto empty = OnnxDetector::Create("", "empty.onnx", ReconstructionOptions(8));
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("empty.onnx: the model file is empty"));
}

TEST(OnnxDetectorTest, ModelShapeMustMatchInputsAndOutputKind) {
  const std::string bytes = BuildMlpOnnx(Autoencoder(8, 4));
  auto narrow = OnnxDetector::Create(bytes, "model.onnx", ReconstructionOptions(6));
  ASSERT_FALSE(narrow.ok());
  EXPECT_EQ(narrow.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(narrow.status().message(), HasSubstr("[1, 6]"));

  auto as_score = OnnxDetector::Create(bytes, "model.onnx", ScoreOptions(8, 1.0));
  ASSERT_FALSE(as_score.ok());
  EXPECT_THAT(as_score.status().message(), HasSubstr("outputs 8 values"));

  auto bad_norm = ReconstructionOptions(8);
  bad_norm.normalize = Normalization{.mean = {0}, .std = {1}};
  auto mismatched = OnnxDetector::Create(bytes, "model.onnx", bad_norm);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_THAT(mismatched.status().message(), HasSubstr("1 means and 1 stds for 8 inputs"));
}

TEST(OnnxDetectorTest, RejectsWrongDimensionAndNonFiniteInput) {
  auto detector = MustCreate(BuildMlpOnnx(Autoencoder(8, 4)), ReconstructionOptions(8));
  ASSERT_NE(detector, nullptr);
  auto short_input = detector->Score(std::vector<double>(7, 0.0));
  ASSERT_FALSE(short_input.ok());
  EXPECT_EQ(short_input.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(short_input.status().message(), HasSubstr("input has 7 values, the model takes 8"));

  std::vector<double> nan_input(8, 0.0);
  nan_input[3] = std::numeric_limits<double>::quiet_NaN();
  auto nan_score = detector->Score(nan_input);
  ASSERT_FALSE(nan_score.ok());
  EXPECT_THAT(nan_score.status().message(), HasSubstr("input value 3 is not finite"));

  auto ragged = detector->Fit({std::vector<double>(8, 0.0), std::vector<double>(9, 0.0)});
  ASSERT_FALSE(ragged.ok());
  EXPECT_THAT(ragged.message(), HasSubstr("fit: row 1"));
  EXPECT_FALSE(detector->Fit({}).ok());
}

}  // namespace
}  // namespace keel::edge::model
