#include "hub/models/artifact_registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::hub {
namespace {

using nlohmann::json;

json BuiltinManifest(const std::string& name, const std::string& version) {
  return {{"name", name},
          {"version", version},
          {"backend", "builtin"},
          {"inputs", {"a", "b"}},
          {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 8}}}}},
          {"health", {{"golden", json::array()}, {"latency_budget_us", 100}}}};
}

json OnnxManifest(const std::string& version) {
  return {
      {"name", "pump-ae"},
      {"version", version},
      {"backend", "onnx"},
      {"inputs", {"a", "b"}},
      {"onnx",
       {{"file", "model.onnx"}, {"output", "reconstruction"}, {"threshold", {{"quantile", 0.99}}}}},
      {"health",
       {{"golden", {{{"input", {1.0, 2.0}}, {"expected", {1.0, 2.0}}}}},
        {"latency_budget_us", 1000}}}};
}

class ArtifactRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path() / "hub.db").value();
    blobs_ = BlobStore::Open(dir_.path() / "updates" / "targets").value();
    std::string pinned;
    repo_ = edge::ota::testing::OpenTestRepository(keys_, dir_.path() / "updates", &pinned);
    registry_ = std::make_unique<ArtifactRegistry>(*store_, *blobs_, repo_.get(), keys_.clock);
  }

  ArtifactFileRef Upload(std::string_view bytes) {
    auto upload = blobs_->StartUpload(1 << 20).value();
    EXPECT_TRUE(upload->Append(bytes).ok());
    return upload->Finish().value();
  }

  PublishRequest Request(const std::string& version, ArtifactKind kind = ArtifactKind::kModel) {
    PublishRequest r;
    r.name = "pump-ae";
    r.version = version;
    r.kind = kind;
    r.published_by = "alice";
    if (kind == ArtifactKind::kModel) {
      r.files["manifest.json"] = Upload(BuiltinManifest("pump-ae", version).dump());
    }
    return r;
  }

  bool Signed(const std::string& target) const { return repo_->targets().targets.contains(target); }

  TempDir dir_;
  tuf::testing::Repo keys_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<ArtifactRegistry> registry_;
};

TEST_F(ArtifactRegistryTest, PublishRecordsAndSignsEveryFile) {
  PublishRequest r = Request("1.3.0");
  r.files["manifest.json"] = Upload(OnnxManifest("1.3.0").dump());
  r.files["model.onnx"] = Upload(std::string(5000, 'x'));
  r.lineage_json = R"({"training_window":[1,2]})";
  auto out = registry_->Publish(r);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->created);
  EXPECT_EQ(out->artifact.size, r.files["manifest.json"].length + 5000);
  EXPECT_EQ(out->artifact.digest, ArtifactDigest(r.files));
  EXPECT_EQ(out->artifact.published_ms, keys_.clock.NowMs());
  EXPECT_EQ(registry_->Get("pump-ae", "1.3.0")->lineage_json, r.lineage_json);
  const auto targets = repo_->targets().targets;
  ASSERT_TRUE(targets.contains("pump-ae@1.3.0/model.onnx"));
  const tuf::TargetFile& model = targets.at("pump-ae@1.3.0/model.onnx");
  EXPECT_EQ(model.sha256, r.files["model.onnx"].sha256);
  EXPECT_EQ(model.length, 5000);
  EXPECT_EQ(model.custom["kind"], "model");
  EXPECT_EQ(model.custom["version"], "1.3.0");
  EXPECT_TRUE(Signed("pump-ae@1.3.0/manifest.json"));
}

TEST_F(ArtifactRegistryTest, RepublishingIsIdempotentButVersionsAreImmutable) {
  PublishRequest r = Request("1.0.0");
  auto first = registry_->Publish(r);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const int64_t targets_version = repo_->targets().version;
  auto again = registry_->Publish(r);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(repo_->targets().version, targets_version);

  PublishRequest changed = r;
  json manifest = BuiltinManifest("pump-ae", "1.0.0");
  manifest["builtin"]["params"]["threshold"] = 9;
  changed.files["manifest.json"] = Upload(manifest.dump());
  const auto refused = registry_->Publish(changed);
  EXPECT_EQ(refused.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("immutable"), std::string::npos);
}

TEST_F(ArtifactRegistryTest, ModelBundlesAreValidated) {
  auto error_of = [&](const PublishRequest& r) {
    auto out = registry_->Publish(r);
    EXPECT_FALSE(out.ok());
    return out.status();
  };
  PublishRequest no_model_file = Request("1.0.0");
  no_model_file.files["manifest.json"] = Upload(OnnxManifest("1.0.0").dump());
  EXPECT_NE(error_of(no_model_file).message().find("model file \"model.onnx\""), std::string::npos);

  PublishRequest extra = Request("1.0.0");
  extra.files["notes.txt"] = Upload("hi");
  EXPECT_NE(error_of(extra).message().find("does not use"), std::string::npos);

  PublishRequest wrong_name = Request("1.0.0");
  wrong_name.files["manifest.json"] = Upload(BuiltinManifest("fan", "1.0.0").dump());
  EXPECT_NE(error_of(wrong_name).message().find("names fan@1.0.0"), std::string::npos);

  PublishRequest bad_manifest = Request("1.0.0");
  bad_manifest.files["manifest.json"] = Upload("{\"name\": 1}");
  const Status bad = error_of(bad_manifest);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("pump-ae@1.0.0/manifest.json"), std::string::npos) << bad.message();

  PublishRequest not_uploaded = Request("1.0.0");
  not_uploaded.files["manifest.json"] = {std::string(64, 'e'), 10};
  EXPECT_EQ(error_of(not_uploaded).code(), StatusCode::kNotFound);

  PublishRequest no_manifest = Request("1.0.0");
  no_manifest.files.clear();
  no_manifest.files["model.onnx"] = Upload("x");
  EXPECT_NE(error_of(no_manifest).message().find("needs manifest.json"), std::string::npos);

  EXPECT_TRUE(registry_->List("")->empty());
  EXPECT_TRUE(repo_->targets().targets.empty());
}

TEST_F(ArtifactRegistryTest, ConfigAndAgentArtifactsHoldTheirOneFile) {
  PublishRequest config = Request("2.0.0", ArtifactKind::kConfig);
  config.name = "plant-config";
  config.files["agent.toml"] = Upload("[hub]\n");
  ASSERT_TRUE(registry_->Publish(config).ok());
  EXPECT_TRUE(Signed("plant-config@2.0.0/agent.toml"));

  PublishRequest agent = Request("0.2.0", ArtifactKind::kAgent);
  agent.name = "keel-edge";
  agent.files["agent.toml"] = Upload("not a binary name");
  EXPECT_NE(registry_->Publish(agent).status().message().find("exactly one file named keel-edge"),
            std::string::npos);
}

TEST_F(ArtifactRegistryTest, ParentMustBeAnOlderPublishedVersion) {
  PublishRequest child = Request("1.1.0");
  child.parent = "1.0.0";
  EXPECT_EQ(registry_->Publish(child).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(registry_->Publish(Request("1.0.0")).ok());
  EXPECT_TRUE(registry_->Publish(child).ok());
  PublishRequest backwards = Request("0.9.0");
  backwards.parent = "1.0.0";
  EXPECT_NE(registry_->Publish(backwards).status().message().find("is not older"),
            std::string::npos);
}

TEST_F(ArtifactRegistryTest, WithoutSignedUpdatesNothingIsPublished) {
  ArtifactRegistry unsigned_registry(*store_, *blobs_, nullptr, keys_.clock);
  const auto out = unsigned_registry.Publish(Request("1.0.0"));
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("keelctl keys init"), std::string::npos);
  EXPECT_TRUE(store_->ListArtifacts("")->empty());
}

TEST_F(ArtifactRegistryTest, ReconcileSignsWhatACrashLeftUnsigned) {
  // A crash between recording and signing: the record exists, targets do not.
  PublishRequest r = Request("1.0.0");
  ArtifactRecord recorded;
  recorded.name = r.name;
  recorded.version = r.version;
  recorded.files = r.files;
  recorded.digest = ArtifactDigest(r.files);
  ASSERT_TRUE(store_->AddArtifact(recorded).ok());
  EXPECT_FALSE(Signed("pump-ae@1.0.0/manifest.json"));
  EXPECT_EQ(*registry_->Reconcile(), 1);
  EXPECT_TRUE(Signed("pump-ae@1.0.0/manifest.json"));
  EXPECT_EQ(*registry_->Reconcile(), 0);
}

}  // namespace
}  // namespace keel::hub
