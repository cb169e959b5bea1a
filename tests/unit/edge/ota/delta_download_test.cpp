#include "edge/ota/delta_download.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "common/files.h"
#include "common/zstd_delta.h"
#include "crypto/tokens.h"
#include "edge/ota/model_install.h"
#include "test_util/temp_dir.h"
#include "tuf/delta_names.h"
#include "unit/edge/model/onnx_model_builder.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::edge::ota {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kName = "pump-ae@1.3.0/model.onnx";

// 256 KiB of float32 "weights".
std::string Weights(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> weight(0.0f, 0.05f);
  std::string bytes(64 * 1024 * sizeof(float), '\0');
  for (size_t at = 0; at < bytes.size(); at += sizeof(float)) {
    const float w = weight(rng);
    std::memcpy(bytes.data() + at, &w, sizeof(float));
  }
  return bytes;
}

// `base` with every 500th weight changed: a small update.
std::string Retrained(std::string base) {
  for (size_t at = 0; at < base.size(); at += 500 * sizeof(float)) {
    const float w = 1e-5f * static_cast<float>(at);
    std::memcpy(base.data() + at, &w, sizeof(float));
  }
  return base;
}

class DeltaDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = testing::OpenTestRepository(keys_, tmp_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    source_ = std::make_unique<testing::FakeSource>(*repo_);
    auto updater =
        Updater::Open(PosixFileSystem(), tmp_.path() / "device", pinned_root_, keys_.clock);
    ASSERT_TRUE(updater.ok());
    updater_ = std::move(updater).value();
    testing::PublishTarget(*repo_, *source_, kName, target_);
  }

  // Publishes `delta` as the delta of kName from a base whose SHA-256 is
  // `base_sha256`, and refreshes the device's metadata.
  void PublishDelta(const std::string& base_sha256, const std::string& delta,
                    json custom = json::object()) {
    testing::PublishTarget(*repo_, *source_, tuf::DeltaTargetName(kName, base_sha256), delta,
                           std::move(custom));
    Refresh();
  }

  void Refresh() { ASSERT_TRUE(updater_->RefreshMetadata(*source_).ok()); }

  TargetDownload Download(std::optional<std::string_view> base) {
    source_->bytes_served_ = 0;
    auto got = DownloadPreferringDelta(*updater_, *source_, kName, base);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok()) return {};
    EXPECT_TRUE(got->content == target_) << "content is not the target";
    EXPECT_EQ(got->target_length, static_cast<int64_t>(target_.size()));
    EXPECT_EQ(got->downloaded_length, source_->bytes_served_);
    return std::move(got).value();
  }

  const std::string base_ = Weights(1);
  const std::string target_ = Retrained(base_);
  const std::string base_sha256_ = crypto::Sha256Hex(base_);

  TempDir tmp_;
  tuf::testing::Repo keys_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<testing::FakeSource> source_;
  std::unique_ptr<Updater> updater_;
};

TEST_F(DeltaDownloadTest, NamesTheDeltaAfterTheFirst16HexDigitsOfTheBase) {
  EXPECT_EQ(tuf::DeltaTargetName("m@2/model.onnx", std::string(16, 'a') + std::string(48, 'b')),
            "m@2/model.onnx.from-aaaaaaaaaaaaaaaa.zst");
}

TEST_F(DeltaDownloadTest, PublishedDeltaIsFetchedInsteadOfTheTarget) {
  const std::string delta = MakeDelta(base_, target_).value();
  PublishDelta(base_sha256_, delta, {{"delta_of", kName}, {"base_sha256", base_sha256_}});
  const TargetDownload got = Download(base_);
  EXPECT_TRUE(got.via_delta);
  EXPECT_EQ(got.fallback_reason, "");
  EXPECT_EQ(got.downloaded_length, static_cast<int64_t>(delta.size()));
  EXPECT_LT(source_->bytes_served_, static_cast<int64_t>(target_.size() / 10));
}

TEST_F(DeltaDownloadTest, WithoutABaseTheTargetIsDownloaded) {
  PublishDelta(base_sha256_, MakeDelta(base_, target_).value());
  const TargetDownload got = Download(std::nullopt);
  EXPECT_FALSE(got.via_delta);
  EXPECT_EQ(got.fallback_reason, "no base on the device");
  EXPECT_EQ(got.downloaded_length, static_cast<int64_t>(target_.size()));
}

TEST_F(DeltaDownloadTest, WithoutAPublishedDeltaTheTargetIsDownloaded) {
  Refresh();
  const TargetDownload got = Download(base_);
  EXPECT_FALSE(got.via_delta);
  EXPECT_THAT(got.fallback_reason,
              HasSubstr("no delta from base " + base_sha256_.substr(0, 16) + " is published"));
  EXPECT_EQ(got.downloaded_length, static_cast<int64_t>(target_.size()));
}

TEST_F(DeltaDownloadTest, SignedGarbageAsDeltaFallsBackToTheTarget) {
  const std::string garbage(2000, 'g');
  PublishDelta(base_sha256_, garbage);
  const TargetDownload got = Download(base_);
  EXPECT_FALSE(got.via_delta);
  EXPECT_THAT(got.fallback_reason, HasSubstr("delta: not a zstd frame"));
  EXPECT_EQ(got.downloaded_length, static_cast<int64_t>(garbage.size() + target_.size()));
}

// The delta listed under the device's base was made from another base: the
// frame's checksum (or, failing that, the target's hash) refuses the result.
TEST_F(DeltaDownloadTest, DeltaFromAnotherBaseFallsBackToTheTarget) {
  PublishDelta(base_sha256_, MakeDelta(Weights(2), target_).value());
  const TargetDownload got = Download(base_);
  EXPECT_FALSE(got.via_delta);
  EXPECT_THAT(got.fallback_reason, HasSubstr(tuf::DeltaTargetName(kName, base_sha256_)));
}

// A delta that applies cleanly but rebuilds other bytes: only the full
// target's signed hash can tell, and it does.
TEST_F(DeltaDownloadTest, RebuiltBytesThatAreNotTheTargetFallBack) {
  PublishDelta(base_sha256_, MakeDelta(base_, Retrained(Weights(3))).value());
  const TargetDownload got = Download(base_);
  EXPECT_FALSE(got.via_delta);
  EXPECT_THAT(got.fallback_reason, HasSubstr("rebuilt from"));
}

TEST_F(DeltaDownloadTest, DeltaWhoseCustomDataNamesAnotherBaseIsNotFetched) {
  PublishDelta(base_sha256_, MakeDelta(base_, target_).value(),
               {{"base_sha256", std::string(64, '0')}});
  const TargetDownload got = Download(base_);
  EXPECT_FALSE(got.via_delta);
  EXPECT_THAT(got.fallback_reason, HasSubstr("custom.base_sha256"));
  EXPECT_EQ(got.downloaded_length, static_cast<int64_t>(target_.size()));
}

TEST_F(DeltaDownloadTest, DeltaNotSmallerThanTheTargetIsNotFetched) {
  PublishDelta(base_sha256_, std::string(target_.size(), 'x'));
  const TargetDownload got = Download(base_);
  EXPECT_FALSE(got.via_delta);
  EXPECT_THAT(got.fallback_reason, HasSubstr("is not smaller than the target"));
}

// A broken connection is not a reason to fetch the whole target: it is
// returned, and the next call resumes the delta where it stopped.
TEST_F(DeltaDownloadTest, BrokenDeltaTransferIsReturnedAndResumed) {
  const std::string delta = MakeDelta(base_, target_).value();
  ASSERT_GT(delta.size(), 512u);
  PublishDelta(base_sha256_, delta);
  source_->break_after_ = 512;
  auto broken = DownloadPreferringDelta(*updater_, *source_, kName, base_);
  EXPECT_EQ(broken.status().code(), StatusCode::kUnavailable);
  auto resumed = DownloadPreferringDelta(*updater_, *source_, kName, base_);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(resumed->via_delta);
  EXPECT_TRUE(resumed->content == target_);
  EXPECT_EQ(source_->offsets_.back(), 512);
}

TEST_F(DeltaDownloadTest, UnknownTargetIsNotFound) {
  Refresh();
  auto got = DownloadPreferringDelta(*updater_, *source_, "nope", base_);
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
}

// A model bundle of a 64-32-64 autoencoder; `bias` changes one decoder bias
// (a small retrain), and its golden sample follows.
std::map<std::string, std::string> Bundle(const std::string& version, float bias) {
  auto layers = model::testing::Autoencoder(64, 32);
  layers[1].bias[5] = bias;
  std::vector<double> x(64);
  json inputs = json::array();
  for (int i = 0; i < 64; ++i) {
    x[i] = 0.01 * i - 0.3;
    inputs.push_back("f" + std::to_string(i));
  }
  const json manifest = {{"name", "pump-ae"},
                         {"version", version},
                         {"backend", "onnx"},
                         {"inputs", inputs},
                         {"onnx",
                          {{"file", "model.onnx"},
                           {"output", "reconstruction"},
                           {"threshold", {{"quantile", 0.99}, {"margin", 1.2}}}}},
                         {"health",
                          {{"golden",
                            {{{"input", x},
                              {"expected", model::testing::ForwardMlp(layers, x)},
                              {"tolerance", 1e-5}}}},
                           {"latency_budget_us", 1'000'000}}}};
  return {{"manifest.json", manifest.dump(2)},
          {"model.onnx", model::testing::BuildMlpOnnx(layers)}};
}

TEST_F(DeltaDownloadTest, InstallFetchesTheModelAsADeltaFromTheRunningSlot) {
  auto slots = SlotStore::Open(PosixFileSystem(), tmp_.path() / "device" / "model");
  ASSERT_TRUE(slots.ok());
  const auto v1 = Bundle("1.0.0", 0.1f);
  const auto v2 = Bundle("1.1.0", 0.2f);
  for (const auto& [file, content] : v1) {
    testing::PublishTarget(*repo_, *source_, "pump-ae@1.0.0/" + file, content);
  }
  Refresh();
  auto first = InstallModel(*updater_, *source_, *slots, "pump-ae", "1.0.0");
  ASSERT_TRUE(first.ok() && first->committed) << first.status().ToString();
  EXPECT_EQ(first->downloaded_bytes, first->target_bytes);

  for (const auto& [file, content] : v2) {
    testing::PublishTarget(*repo_, *source_, "pump-ae@1.1.0/" + file, content);
  }
  const std::string delta = MakeDelta(v1.at("model.onnx"), v2.at("model.onnx")).value();
  testing::PublishTarget(
      *repo_, *source_,
      tuf::DeltaTargetName("pump-ae@1.1.0/model.onnx", crypto::Sha256Hex(v1.at("model.onnx"))),
      delta);
  Refresh();
  source_->bytes_served_ = 0;
  auto second = InstallModel(*updater_, *source_, *slots, "pump-ae", "1.1.0");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->committed) << second->result;
  // manifest.json in full (no delta published for it), model.onnx as a delta.
  EXPECT_EQ(second->downloaded_bytes,
            static_cast<int64_t>(v2.at("manifest.json").size() + delta.size()));
  EXPECT_EQ(second->target_bytes,
            static_cast<int64_t>(v2.at("manifest.json").size() + v2.at("model.onnx").size()));
  EXPECT_EQ(source_->bytes_served_, second->downloaded_bytes);
  EXPECT_LT(delta.size(), v2.at("model.onnx").size() / 10);
  auto installed = ReadFile(slots->Current()->dir / "model.onnx");
  ASSERT_TRUE(installed.ok());
  EXPECT_TRUE(*installed == v2.at("model.onnx"));
}

}  // namespace
}  // namespace keel::edge::ota
