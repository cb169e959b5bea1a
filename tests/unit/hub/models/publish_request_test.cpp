#include "hub/models/publish_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace keel::hub {
namespace {

using nlohmann::json;

json Valid() {
  return {{"name", "pump-ae"},
          {"version", "1.3.0"},
          {"kind", "model"},
          {"files", {{"manifest.json", {{"sha256", std::string(64, 'a')}, {"length", 10}}}}},
          {"parent", "1.2.0"},
          {"lineage", {{"training_window", {1, 2}}}},
          {"metrics", {{"f1", 0.9}}},
          {"published_by", "alice"}};
}

std::string ErrorOf(const json& body) {
  auto r = ParsePublishRequest(body.dump());
  EXPECT_FALSE(r.ok()) << body.dump();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(PublishRequestTest, ParsesEveryMember) {
  auto r = ParsePublishRequest(Valid().dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "pump-ae");
  EXPECT_EQ(r->version, "1.3.0");
  EXPECT_EQ(r->kind, ArtifactKind::kModel);
  EXPECT_EQ(r->files.at("manifest.json").length, 10);
  EXPECT_EQ(r->parent, "1.2.0");
  EXPECT_EQ(json::parse(r->lineage_json)["training_window"][1], 2);
  EXPECT_EQ(json::parse(r->metrics_json)["f1"], 0.9);
  EXPECT_EQ(r->published_by, "alice");
}

TEST(PublishRequestTest, OptionalMembersDefault) {
  json body = Valid();
  for (const char* key : {"parent", "lineage", "metrics", "published_by"}) body.erase(key);
  auto r = ParsePublishRequest(body.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lineage_json, "{}");
  EXPECT_EQ(r->parent, "");
}

TEST(PublishRequestTest, ErrorsSayWhatAndWhere) {
  EXPECT_NE(ErrorOf(json("x")).find("body: must be a JSON object"), std::string::npos);
  EXPECT_NE(ParsePublishRequest("{").status().message().find("not valid JSON"), std::string::npos);
  auto with = [](const char* key, json value) {
    json b = Valid();
    b[key] = std::move(value);
    return b;
  };
  EXPECT_NE(ErrorOf(with("name", "../x")).find("name:"), std::string::npos);
  EXPECT_NE(ErrorOf(with("name", 3)).find("name: must be a string"), std::string::npos);
  EXPECT_NE(ErrorOf(with("version", "1.2")).find("version:"), std::string::npos);
  EXPECT_NE(ErrorOf(with("kind", "firmware")).find("kind:"), std::string::npos);
  EXPECT_NE(ErrorOf(with("parent", "latest")).find("parent:"), std::string::npos);
  EXPECT_NE(ErrorOf(with("lineage", "x")).find("lineage: must be a JSON object"),
            std::string::npos);
  EXPECT_NE(ErrorOf(with("extra", 1)).find("extra: unknown member"), std::string::npos);
  EXPECT_NE(ErrorOf(with("files", json::object())).find("files:"), std::string::npos);
  EXPECT_NE(ErrorOf(with("files", {{"a/b", {{"sha256", std::string(64, 'a')}, {"length", 1}}}}))
                .find("files.a/b"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(with("files", {{"m", {{"sha256", "zz"}, {"length", 1}}}})).find("files.m.sha256"),
      std::string::npos);
  EXPECT_NE(ErrorOf(with("files", {{"m", {{"sha256", std::string(64, 'a')}, {"length", -1}}}}))
                .find("files.m.length"),
            std::string::npos);
  EXPECT_NE(ErrorOf(with("files",
                         {{"m", {{"sha256", std::string(64, 'a')}, {"length", 1}, {"mode", 7}}}}))
                .find("files.m.mode: unknown member"),
            std::string::npos);
  json many = json::object();
  for (int i = 0; i <= static_cast<int>(kMaxArtifactFiles); ++i) {
    many["f" + std::to_string(i)] = {{"sha256", std::string(64, 'a')}, {"length", 1}};
  }
  EXPECT_NE(ErrorOf(with("files", many)).find("more than"), std::string::npos);
}

}  // namespace
}  // namespace keel::hub
