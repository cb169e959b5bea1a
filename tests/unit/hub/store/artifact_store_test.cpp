#include <gtest/gtest.h>

#include "store_fixture.h"

namespace keel::hub {
namespace {

class ArtifactStoreTest : public StoreTest {};

ArtifactRecord Artifact(std::string name, std::string version, int64_t published_ms) {
  ArtifactRecord a;
  a.name = std::move(name);
  a.version = std::move(version);
  a.kind = ArtifactKind::kModel;
  a.files["manifest.json"] = {std::string(64, 'a'), 120};
  a.files["model.onnx"] = {std::string(64, 'b'), 4096};
  a.digest = std::string(64, 'c');
  a.size = 4216;
  a.parent = "1.0.0";
  a.lineage_json = R"({"training_window":[1,2]})";
  a.metrics_json = R"({"f1":0.9})";
  a.published_by = "alice";
  a.published_ms = published_ms;
  return a;
}

TEST_F(ArtifactStoreTest, AddedArtifactsSurviveReopenUnchanged) {
  const ArtifactRecord a = Artifact("pump-ae", "1.1.0", 100);
  ASSERT_TRUE(store_->AddArtifact(a).ok());
  Reopen();
  auto got = store_->GetArtifact("pump-ae", "1.1.0");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, a);
}

TEST_F(ArtifactStoreTest, VersionsAreImmutable) {
  ASSERT_TRUE(store_->AddArtifact(Artifact("pump-ae", "1.1.0", 100)).ok());
  ArtifactRecord changed = Artifact("pump-ae", "1.1.0", 200);
  changed.files["model.onnx"].sha256 = std::string(64, 'd');
  const Status again = store_->AddArtifact(changed);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("pump-ae@1.1.0"), std::string::npos) << again.message();
  EXPECT_EQ(store_->GetArtifact("pump-ae", "1.1.0")->files.at("model.onnx").sha256,
            std::string(64, 'b'));
}

TEST_F(ArtifactStoreTest, ListsByNameInPublicationOrder) {
  ASSERT_TRUE(store_->AddArtifact(Artifact("pump-ae", "1.2.0", 300)).ok());
  ASSERT_TRUE(store_->AddArtifact(Artifact("fan", "0.1.0", 50)).ok());
  ASSERT_TRUE(store_->AddArtifact(Artifact("pump-ae", "1.1.0", 100)).ok());
  auto pump = store_->ListArtifacts("pump-ae");
  ASSERT_TRUE(pump.ok());
  ASSERT_EQ(pump->size(), 2u);
  EXPECT_EQ((*pump)[0].version, "1.1.0");
  EXPECT_EQ((*pump)[1].version, "1.2.0");
  auto all = store_->ListArtifacts("");
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "fan");
}

TEST_F(ArtifactStoreTest, UnknownArtifactIsNotFound) {
  EXPECT_EQ(store_->GetArtifact("nope", "1.0.0").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListArtifacts("nope")->empty());
  EXPECT_EQ(store_->AddArtifact(ArtifactRecord{}).code(), StatusCode::kInvalidArgument);
}

TEST_F(ArtifactStoreTest, CorruptRowIsAnErrorNotAGuess) {
  ASSERT_TRUE(store_->AddArtifact(Artifact("pump-ae", "1.1.0", 100)).ok());
  store_.reset();
  RunSql(path(), "UPDATE artifacts SET files = 'not json'");
  Reopen();
  auto got = store_->GetArtifact("pump-ae", "1.1.0");
  EXPECT_EQ(got.status().code(), StatusCode::kIoError);
  EXPECT_NE(got.status().message().find("files is corrupt"), std::string::npos);
}

}  // namespace
}  // namespace keel::hub
