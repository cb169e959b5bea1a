#include "edge/model/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/files.h"

namespace keel::edge::model {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json ValidOnnx() {
  return json::parse(R"({
    "name": "pump-ae", "version": "1.2.0", "backend": "onnx",
    "inputs": ["motor.vibration.rms", "motor.current.rms"],
    "modes": ["running"],
    "onnx": {"file": "models/model.onnx", "output": "reconstruction",
             "threshold": {"quantile": 0.995, "margin": 1.2},
             "normalize": {"mean": [1.0, 2.0], "std": [0.5, 4.0]}},
    "health": {"golden": [{"input": [1.0, 2.0], "expected": [0.9, 2.1], "tolerance": 1e-3},
                          {"input": [0.0, 0.0], "expected_score": 0.25}],
               "latency_budget_us": 500}})");
}

json ValidBuiltin() {
  return json::parse(R"({
    "name": "pump-maha", "version": "0.3.1-rc.1+build.7", "backend": "builtin",
    "inputs": ["a", "b", "c"],
    "builtin": {"kind": "mahalanobis", "params": {"threshold": 8}},
    "health": {"golden": [], "latency_budget_us": 100}})");
}

TEST(ManifestTest, ParsesAnOnnxManifest) {
  auto parsed = ParseManifest(ValidOnnx().dump(), "manifest.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const ModelManifest& m = *parsed;
  EXPECT_EQ(m.name, "pump-ae");
  EXPECT_EQ(m.version, "1.2.0");
  EXPECT_EQ(m.backend, Backend::kOnnx);
  EXPECT_EQ(m.inputs, (std::vector<std::string>{"motor.vibration.rms", "motor.current.rms"}));
  EXPECT_EQ(m.modes, (std::vector<std::string>{"running"}));
  ASSERT_TRUE(m.onnx.has_value());
  EXPECT_FALSE(m.builtin.has_value());
  EXPECT_EQ(m.onnx->file, "models/model.onnx");
  EXPECT_EQ(m.onnx->output, OnnxOutput::kReconstruction);
  EXPECT_FALSE(m.onnx->threshold.fixed.has_value());
  EXPECT_DOUBLE_EQ(m.onnx->threshold.quantile, 0.995);
  EXPECT_DOUBLE_EQ(m.onnx->threshold.margin, 1.2);
  ASSERT_TRUE(m.onnx->normalize.has_value());
  EXPECT_EQ(m.onnx->normalize->std, (std::vector<double>{0.5, 4.0}));
  ASSERT_EQ(m.health.golden.size(), 2U);
  EXPECT_EQ(m.health.golden[0].expected, (std::vector<double>{0.9, 2.1}));
  EXPECT_DOUBLE_EQ(m.health.golden[0].tolerance, 1e-3);
  EXPECT_EQ(m.health.golden[1].expected_score, 0.25);
  EXPECT_DOUBLE_EQ(m.health.golden[1].tolerance, 1e-4);
  EXPECT_EQ(m.health.latency_budget_us, 500);
}

TEST(ManifestTest, ParsesABuiltinManifestAndAFixedThreshold) {
  auto parsed = ParseManifest(ValidBuiltin().dump(), "manifest.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->backend, Backend::kBuiltin);
  ASSERT_TRUE(parsed->builtin.has_value());
  EXPECT_EQ(parsed->builtin->kind, "mahalanobis");
  EXPECT_EQ(parsed->builtin->params.at("threshold"), 8.0);
  EXPECT_TRUE(parsed->modes.empty());

  json fixed = ValidOnnx();
  fixed["onnx"]["threshold"] = 0.75;
  fixed["onnx"]["output"] = "score";
  fixed["health"]["golden"][0]["expected"] = {0.5};
  auto with_fixed = ParseManifest(fixed.dump(), "manifest.json");
  ASSERT_TRUE(with_fixed.ok()) << with_fixed.status().ToString();
  EXPECT_EQ(with_fixed->onnx->threshold.fixed, 0.75);
  EXPECT_EQ(with_fixed->onnx->output, OnnxOutput::kScore);
}

struct BadCase {
  std::string label;
  std::function<void(json&)> mutate;
  std::string message;  // expected substring
};

TEST(ManifestTest, EachViolationNamesItsKey) {
  const std::vector<BadCase> cases = {
      {"unknown root key", [](json& j) { j["colour"] = "red"; }, "colour: unknown key"},
      {"unknown nested key", [](json& j) { j["onnx"]["threshold"]["q"] = 1; },
       "onnx.threshold.q: unknown key"},
      {"unknown golden key", [](json& j) { j["health"]["golden"][1]["note"] = "x"; },
       "health.golden[1].note: unknown key"},
      {"missing name", [](json& j) { j.erase("name"); }, "name: missing"},
      {"name type", [](json& j) { j["name"] = 7; }, "name: expected a string, got a number"},
      {"name chars", [](json& j) { j["name"] = "pump ae"; }, "name: \"pump ae\" may only use"},
      {"version", [](json& j) { j["version"] = "1.2"; }, "version: \"1.2\" is not a semantic"},
      {"backend", [](json& j) { j["backend"] = "tflite"; }, "backend: \"tflite\" is not a backend"},
      {"both backends",
       [](json& j) {
         j["builtin"] = {{"kind", "pca"}};
       },
       "builtin: not allowed with backend \"onnx\""},
      {"no onnx", [](json& j) { j.erase("onnx"); }, "onnx: missing (backend is \"onnx\")"},
      {"empty inputs", [](json& j) { j["inputs"] = json::array(); },
       "inputs: needs at least one input"},
      {"duplicate input", [](json& j) { j["inputs"][1] = "motor.vibration.rms"; },
       "inputs[1]: duplicate \"motor.vibration.rms\""},
      {"input type", [](json& j) { j["inputs"][0] = 1; }, "inputs[0]: expected a string"},
      {"modes type", [](json& j) { j["modes"] = "running"; }, "modes: expected an array"},
      {"file escapes", [](json& j) { j["onnx"]["file"] = "../other/model.onnx"; },
       "onnx.file: \"../other/model.onnx\" has an empty or \"..\" component"},
      {"file absolute", [](json& j) { j["onnx"]["file"] = "/etc/passwd"; },
       "onnx.file: \"/etc/passwd\" is absolute"},
      {"file inner dotdot", [](json& j) { j["onnx"]["file"] = "a/../../b.onnx"; }, "onnx.file:"},
      {"output", [](json& j) { j["onnx"]["output"] = "logits"; },
       "onnx.output: \"logits\" is not an output kind"},
      {"quantile range", [](json& j) { j["onnx"]["threshold"]["quantile"] = 1.5; },
       "onnx.threshold.quantile: 1.5 is not in (0, 1]"},
      {"margin range", [](json& j) { j["onnx"]["threshold"]["margin"] = 0; },
       "onnx.threshold.margin: 0 is not > 0"},
      {"threshold type", [](json& j) { j["onnx"]["threshold"] = "high"; },
       "onnx.threshold: expected a number or an object, got a string"},
      {"normalize length", [](json& j) { j["onnx"]["normalize"]["mean"] = {1.0}; },
       "onnx.normalize.mean: has 1 values, expected 2"},
      {"normalize std", [](json& j) { j["onnx"]["normalize"]["std"][1] = -1.0; },
       "onnx.normalize.std[1]: -1 is not > 0"},
      {"golden input length", [](json& j) { j["health"]["golden"][0]["input"] = {1.0}; },
       "health.golden[0].input: has 1 values, expected 2"},
      {"golden value type", [](json& j) { j["health"]["golden"][0]["input"][1] = "2"; },
       "health.golden[0].input[1]: expected a number, got a string"},
      {"golden both",
       [](json& j) {
         j["health"]["golden"][1]["expected"] = {1.0, 2.0};
       },
       "health.golden[1]: needs exactly one of \"expected\" and \"expected_score\""},
      {"golden expected length", [](json& j) { j["health"]["golden"][0]["expected"] = {1.0}; },
       "health.golden[0].expected: has 1 values, expected 2"},
      {"tolerance", [](json& j) { j["health"]["golden"][0]["tolerance"] = -1; },
       "health.golden[0].tolerance: -1 is negative"},
      {"no golden", [](json& j) { j["health"]["golden"] = json::array(); },
       "health.golden: an onnx model needs at least one golden sample"},
      {"no health", [](json& j) { j.erase("health"); }, "health: missing"},
      {"budget type", [](json& j) { j["health"]["latency_budget_us"] = 2.5; },
       "health.latency_budget_us: expected an integer, got 2.5"},
      {"budget range", [](json& j) { j["health"]["latency_budget_us"] = 0; },
       "health.latency_budget_us: 0 is not in [1, 60000000]"},
      {"budget negative", [](json& j) { j["health"]["latency_budget_us"] = -5; },
       "health.latency_budget_us: -5 is not in"},
  };
  for (const BadCase& c : cases) {
    json doc = ValidOnnx();
    c.mutate(doc);
    auto parsed = ParseManifest(doc.dump(), "bundle/manifest.json");
    ASSERT_FALSE(parsed.ok()) << c.label;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << c.label;
    EXPECT_THAT(parsed.status().message(), HasSubstr("bundle/manifest.json: " + c.message))
        << c.label;
  }
}

TEST(ManifestTest, BuiltinViolations) {
  const std::vector<BadCase> cases = {
      {"no builtin", [](json& j) { j.erase("builtin"); }, "builtin: missing"},
      {"onnx with builtin", [](json& j) { j["onnx"] = json::object(); },
       "onnx: not allowed with backend \"builtin\""},
      {"param type", [](json& j) { j["builtin"]["params"]["threshold"] = "8"; },
       "builtin.params.threshold: expected a number, got a string"},
      {"empty kind", [](json& j) { j["builtin"]["kind"] = ""; }, "builtin.kind: empty"},
      {"raw expected",
       [](json& j) {
         j["health"]["golden"] = json::parse(R"([{"input": [1, 2, 3], "expected": [1, 2, 3]}])");
       },
       "health.golden[0].expected: raw outputs exist only for backend \"onnx\""},
  };
  for (const BadCase& c : cases) {
    json doc = ValidBuiltin();
    c.mutate(doc);
    auto parsed = ParseManifest(doc.dump(), "m.json");
    ASSERT_FALSE(parsed.ok()) << c.label;
    EXPECT_THAT(parsed.status().message(), HasSubstr("m.json: " + c.message)) << c.label;
  }
}

TEST(ManifestTest, RejectsMalformedJsonDuplicateKeysAndHugeInput) {
  auto broken = ParseManifest(R"({"name": "x",)", "m.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), HasSubstr("m.json: not valid JSON"));

  auto array = ParseManifest("[1, 2]", "m.json");
  ASSERT_FALSE(array.ok());
  EXPECT_THAT(array.status().message(), HasSubstr("is a JSON array, not an object"));

  std::string text = ValidOnnx().dump();
  text.insert(1, R"("name": "shadow", )");
  auto duplicate = ParseManifest(text, "m.json");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(duplicate.status().message(), HasSubstr("m.json: duplicate key \"name\""));

  auto huge = ParseManifest(std::string(kMaxManifestBytes + 1, ' '), "m.json");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.status().message(), HasSubstr("exceeds the limit"));

  auto overflow = ParseManifest(R"({"name": 1e999})", "m.json");
  EXPECT_FALSE(overflow.ok());
}

TEST(ManifestTest, SemanticVersions) {
  for (const char* good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1",
                           "1.0.0-0.3.7", "1.0.0-x-y-z.--", "1.0.0+20130313144700",
                           "1.0.0-beta+exp.sha.5114f85", "1.0.0+0.build.1-rc.10000aaa-kk-0.1"}) {
    EXPECT_TRUE(IsSemanticVersion(good)) << good;
  }
  for (const char* bad :
       {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-01",
        "1.2.3-a..b", "1.2.3-a_b", "v1.2.3", " 1.2.3", "1.2.-3", "1..3", "1.2.3+a+b"}) {
    EXPECT_FALSE(IsSemanticVersion(bad)) << bad;
  }
}

TEST(ManifestTest, BundleRelativePaths) {
  EXPECT_TRUE(CheckBundleRelativePath("model.onnx").ok());
  EXPECT_TRUE(CheckBundleRelativePath("models/v2/model.onnx").ok());
  EXPECT_TRUE(CheckBundleRelativePath("./model.onnx").ok());
  EXPECT_TRUE(CheckBundleRelativePath("..model.onnx").ok());  // a name, not a parent
  for (const char* bad : {"", "/model.onnx", "..", "../model.onnx", "a/../../model.onnx",
                          "a//model.onnx", "models/", "a/.."}) {
    EXPECT_FALSE(CheckBundleRelativePath(bad).ok()) << bad;
  }
}

// The fuzz corpus doubles as golden files: valid seeds stay valid, invalid
// ones keep failing for their reason.
TEST(ManifestTest, FuzzCorpusSeeds) {
  const std::string dir = std::string(KEEL_SOURCE_DIR) + "/fuzz/corpus/edge_model_manifest_fuzz/";
  for (const char* valid : {"onnx_reconstruction.json", "onnx_score_fixed.json", "builtin.json"}) {
    auto text = ReadFile(dir + valid);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    auto parsed = ParseManifest(*text, valid);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  }
  const std::vector<std::pair<std::string, std::string>> invalid = {
      {"path_escape.json", "onnx.file"},
      {"duplicate_key.json", "duplicate key \"name\""},
      {"truncated_overflow.json", "not valid JSON"},
  };
  for (const auto& [file, reason] : invalid) {
    auto text = ReadFile(dir + file);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    auto parsed = ParseManifest(*text, file);
    ASSERT_FALSE(parsed.ok()) << file;
    EXPECT_THAT(parsed.status().message(), HasSubstr(reason)) << file;
  }
}

}  // namespace
}  // namespace keel::edge::model
