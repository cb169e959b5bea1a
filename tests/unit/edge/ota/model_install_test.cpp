#include "edge/ota/model_install.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "crypto/tokens.h"
#include "edge/model/model_bundle.h"
#include "test_util/temp_dir.h"
#include "unit/edge/model/onnx_model_builder.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::edge::ota {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using tuf::Role;

// An 8-4-8 tanh autoencoder bundle whose golden sample is computed by the
// hand-written forward pass (`golden_offset` spoils it).
json BundleManifest(const std::string& version, double golden_offset = 0.0,
                    int64_t latency_budget_us = 1'000'000) {
  const auto layers = model::testing::Autoencoder(8, 4);
  const std::vector<double> x = {0.1, -0.2, 0.3, 0.0, 0.5, -0.4, 0.2, 0.1};
  std::vector<double> expected = model::testing::ForwardMlp(layers, x);
  expected[2] += golden_offset;
  json inputs = json::array();
  for (int i = 0; i < 8; ++i) inputs.push_back("f" + std::to_string(i));
  return {{"name", "pump-ae"},
          {"version", version},
          {"backend", "onnx"},
          {"inputs", inputs},
          {"onnx",
           {{"file", "model.onnx"},
            {"output", "reconstruction"},
            {"threshold", {{"quantile", 0.99}, {"margin", 1.2}}}}},
          {"health",
           {{"golden", {{{"input", x}, {"expected", expected}, {"tolerance", 1e-5}}}},
            {"latency_budget_us", latency_budget_us}}}};
}

class ModelInstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = testing::OpenTestRepository(keys_, tmp_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    source_ = std::make_unique<testing::FakeSource>(*repo_);
    auto updater =
        Updater::Open(PosixFileSystem(), tmp_.path() / "device", pinned_root_, keys_.clock);
    ASSERT_TRUE(updater.ok());
    updater_ = std::move(updater).value();
    auto slots = SlotStore::Open(PosixFileSystem(), tmp_.path() / "device" / "model");
    ASSERT_TRUE(slots.ok());
    slots_ = std::make_unique<SlotStore>(std::move(slots).value());
  }

  // Publishes the bundle's files as targets "<name>@<version>/<file>".
  void Publish(const json& manifest) {
    const std::string prefix = "pump-ae@" + manifest["version"].get<std::string>() + "/";
    const std::map<std::string, std::string> files = {
        {"manifest.json", manifest.dump(2)},
        {"model.onnx", model::testing::BuildMlpOnnx(model::testing::Autoencoder(8, 4))}};
    for (const auto& [file, content] : files) {
      ASSERT_TRUE(repo_
                      ->AddTarget(prefix + file, {static_cast<int64_t>(content.size()),
                                                  crypto::Sha256Hex(content),
                                                  {{"kind", "model"}}})
                      .ok());
      source_->payloads_[prefix + file] = content;
    }
    ASSERT_TRUE(updater_->RefreshMetadata(*source_).ok());
  }

  ModelInstallOutcome Install(const std::string& version, const model::HealthCheckOptions& h = {}) {
    auto outcome = InstallModel(*updater_, *source_, *slots_, "pump-ae", version, h);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : ModelInstallOutcome{};
  }

  std::string Running() const {
    auto slot = slots_->Current();
    return slot.ok() ? slot->manifest.version : "none";
  }

  TempDir tmp_;
  tuf::testing::Repo keys_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<testing::FakeSource> source_;
  std::unique_ptr<Updater> updater_;
  std::unique_ptr<SlotStore> slots_;
};

TEST_F(ModelInstallTest, HealthyModelIsCommittedAndLoadsFromItsSlot) {
  Publish(BundleManifest("1.2.0"));
  const ModelInstallOutcome outcome = Install("1.2.0");
  EXPECT_TRUE(outcome.committed);
  EXPECT_EQ(outcome.result, "committed pump-ae 1.2.0");
  EXPECT_EQ(Running(), "1.2.0");
  auto loaded = model::LoadModelBundle(slots_->Current()->dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->manifest.version, "1.2.0");
}

TEST_F(ModelInstallTest, FailingGoldenSampleIsRolledBackAutomatically) {
  Publish(BundleManifest("1.2.0"));
  ASSERT_TRUE(Install("1.2.0").committed);
  Publish(BundleManifest("1.3.0", /*golden_offset=*/0.01));
  const ModelInstallOutcome outcome = Install("1.3.0");
  EXPECT_FALSE(outcome.committed);
  EXPECT_THAT(outcome.result, HasSubstr("rolled back pump-ae 1.3.0"));
  EXPECT_THAT(outcome.result, HasSubstr("golden sample 0"));
  EXPECT_EQ(Running(), "1.2.0");
}

TEST_F(ModelInstallTest, ModelOverItsLatencyBudgetIsRolledBack) {
  Publish(BundleManifest("1.2.0"));
  ASSERT_TRUE(Install("1.2.0").committed);
  Publish(BundleManifest("1.3.0", 0.0, /*latency_budget_us=*/500));
  int64_t now = 0;
  model::HealthCheckOptions slow;
  slow.latency_runs = 5;
  slow.monotonic_us = [&now] { return now += 700; };  // each Score() appears to take 700 us
  const ModelInstallOutcome outcome = Install("1.3.0", slow);
  EXPECT_FALSE(outcome.committed);
  EXPECT_THAT(outcome.result, HasSubstr("exceeds the budget of 500 us"));
  EXPECT_EQ(Running(), "1.2.0");
}

TEST_F(ModelInstallTest, DowngradeAndMissingFilesChangeNothing) {
  Publish(BundleManifest("1.2.0"));
  ASSERT_TRUE(Install("1.2.0").committed);
  Publish(BundleManifest("1.1.0"));
  auto downgrade = InstallModel(*updater_, *source_, *slots_, "pump-ae", "1.1.0");
  EXPECT_EQ(downgrade.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(downgrade.status().message(), HasSubstr("downgrade"));
  auto missing = InstallModel(*updater_, *source_, *slots_, "pump-ae", "9.0.0");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_FALSE(slots_->status().trial.has_value());
}

}  // namespace
}  // namespace keel::edge::ota
