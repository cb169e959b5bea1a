#include "edge/model/manifest.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace keel::edge::model {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxInputs = 4096;
constexpr int64_t kMaxLatencyBudgetUs = 60'000'000;

std::string_view JsonTypeName(const json& value) {
  if (value.is_number()) return "number";
  return value.type_name();
}

bool IsNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '.' || c == '_';
}

// Reads one JSON object, remembering which keys were used so that the rest
// can be reported as unknown.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  const json* Find(std::string_view key) {
    used_.insert(std::string(key));
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  std::string PathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  // The first key that was never asked for, if any.
  std::optional<std::string> UnknownKey() const {
    for (const auto& [key, value] : object_.items()) {
      if (!used_.contains(key)) return PathOf(key);
    }
    return std::nullopt;
  }

 private:
  const json& object_;
  std::string path_;
  std::set<std::string, std::less<>> used_;
};

class ManifestParser {
 public:
  explicit ManifestParser(std::string_view source) : source_(source) {}

  Result<ModelManifest> Parse(std::string_view text) {
    if (text.size() > kMaxManifestBytes) {
      return Status::InvalidArgument(fmt::format("{}: {} bytes exceeds the limit of {}", source_,
                                                 text.size(), kMaxManifestBytes));
    }
    KEEL_ASSIGN_OR_RETURN(const json doc, ParseJson(text));
    if (!doc.is_object()) {
      return Status::InvalidArgument(
          fmt::format("{}: the manifest is a JSON {}, not an object", source_, JsonTypeName(doc)));
    }
    return ParseRoot(doc);
  }

 private:
  Status Error(std::string_view path, std::string_view problem) const {
    return Status::InvalidArgument(fmt::format("{}: {}: {}", source_, path, problem));
  }

  Result<json> ParseJson(std::string_view text) const {
    std::vector<std::set<std::string>> keys_by_depth;
    std::optional<std::string> duplicate;
    auto callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) {
        keys_by_depth.emplace_back();
      } else if (event == json::parse_event_t::object_end) {
        if (!keys_by_depth.empty()) keys_by_depth.pop_back();
      } else if (event == json::parse_event_t::key && !keys_by_depth.empty() &&
                 parsed.is_string()) {
        if (!keys_by_depth.back().insert(parsed.get<std::string>()).second && !duplicate) {
          duplicate = parsed.get<std::string>();
        }
      }
      return true;
    };
    json doc;
    try {
      doc = json::parse(text.begin(), text.end(), callback);
    } catch (const json::exception& e) {
      return Status::InvalidArgument(fmt::format("{}: not valid JSON: {}", source_, e.what()));
    }
    if (duplicate) {
      return Status::InvalidArgument(fmt::format("{}: duplicate key \"{}\"", source_, *duplicate));
    }
    return doc;
  }

  Status CheckUnknown(const ObjectReader& reader) const {
    if (auto key = reader.UnknownKey()) return Error(*key, "unknown key");
    return Status::Ok();
  }

  Result<const json*> Required(ObjectReader& reader, std::string_view key) const {
    const json* value = reader.Find(key);
    if (value == nullptr) return Error(reader.PathOf(key), "missing");
    return value;
  }

  Result<ObjectReader> Object(const json& value, const std::string& path) const {
    if (!value.is_object()) {
      return Error(path, fmt::format("expected an object, got a {}", JsonTypeName(value)));
    }
    return ObjectReader(value, path);
  }

  Result<std::string> String(const json& value, const std::string& path) const {
    if (!value.is_string()) {
      return Error(path, fmt::format("expected a string, got a {}", JsonTypeName(value)));
    }
    return value.get<std::string>();
  }

  Result<double> Number(const json& value, const std::string& path) const {
    if (!value.is_number()) {
      return Error(path, fmt::format("expected a number, got a {}", JsonTypeName(value)));
    }
    const double number = value.get<double>();
    if (!std::isfinite(number)) return Error(path, "number is not finite");
    return number;
  }

  Result<std::vector<double>> Numbers(const json& value, const std::string& path,
                                      size_t expected_size) const {
    if (!value.is_array()) {
      return Error(path, fmt::format("expected an array, got a {}", JsonTypeName(value)));
    }
    if (value.size() != expected_size) {
      return Error(path, fmt::format("has {} values, expected {}", value.size(), expected_size));
    }
    std::vector<double> numbers;
    numbers.reserve(value.size());
    for (size_t i = 0; i < value.size(); ++i) {
      KEEL_ASSIGN_OR_RETURN(double number, Number(value[i], fmt::format("{}[{}]", path, i)));
      numbers.push_back(number);
    }
    return numbers;
  }

  Result<std::vector<std::string>> Names(const json& value, const std::string& path) const {
    if (!value.is_array()) {
      return Error(path, fmt::format("expected an array, got a {}", JsonTypeName(value)));
    }
    if (value.size() > kMaxInputs) {
      return Error(path, fmt::format("{} names exceed the limit of {}", value.size(), kMaxInputs));
    }
    std::vector<std::string> names;
    std::set<std::string, std::less<>> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string at = fmt::format("{}[{}]", path, i);
      KEEL_ASSIGN_OR_RETURN(std::string name, String(value[i], at));
      if (name.empty()) return Error(at, "empty name");
      if (!seen.insert(name).second) return Error(at, fmt::format("duplicate \"{}\"", name));
      names.push_back(std::move(name));
    }
    return names;
  }

  Result<ModelManifest> ParseRoot(const json& doc) const {
    ObjectReader root(doc, "");
    ModelManifest m;
    KEEL_ASSIGN_OR_RETURN(const json* name, Required(root, "name"));
    KEEL_ASSIGN_OR_RETURN(m.name, String(*name, "name"));
    if (m.name.empty() || m.name.size() > kMaxNameLength) {
      return Error("name", fmt::format("must have 1 to {} characters", kMaxNameLength));
    }
    for (char c : m.name) {
      if (!IsNameChar(c)) {
        return Error("name", fmt::format("\"{}\" may only use [A-Za-z0-9._-]", m.name));
      }
    }
    KEEL_ASSIGN_OR_RETURN(const json* version, Required(root, "version"));
    KEEL_ASSIGN_OR_RETURN(m.version, String(*version, "version"));
    if (!IsSemanticVersion(m.version)) {
      return Error("version",
                   fmt::format("\"{}\" is not a semantic version (e.g. 1.2.0)", m.version));
    }
    KEEL_ASSIGN_OR_RETURN(const json* backend, Required(root, "backend"));
    KEEL_ASSIGN_OR_RETURN(const std::string backend_name, String(*backend, "backend"));
    if (backend_name == "onnx") {
      m.backend = Backend::kOnnx;
    } else if (backend_name == "builtin") {
      m.backend = Backend::kBuiltin;
    } else {
      return Error("backend", fmt::format("\"{}\" is not a backend (onnx, builtin)", backend_name));
    }
    KEEL_ASSIGN_OR_RETURN(const json* inputs, Required(root, "inputs"));
    KEEL_ASSIGN_OR_RETURN(m.inputs, Names(*inputs, "inputs"));
    if (m.inputs.empty()) return Error("inputs", "needs at least one input");
    if (const json* modes = root.Find("modes")) {
      KEEL_ASSIGN_OR_RETURN(m.modes, Names(*modes, "modes"));
    }

    const json* onnx = root.Find("onnx");
    const json* builtin = root.Find("builtin");
    if (m.backend == Backend::kOnnx) {
      if (builtin != nullptr) return Error("builtin", "not allowed with backend \"onnx\"");
      if (onnx == nullptr) return Error("onnx", "missing (backend is \"onnx\")");
      KEEL_ASSIGN_OR_RETURN(m.onnx, ParseOnnx(*onnx, m.inputs.size()));
    } else {
      if (onnx != nullptr) return Error("onnx", "not allowed with backend \"builtin\"");
      if (builtin == nullptr) return Error("builtin", "missing (backend is \"builtin\")");
      KEEL_ASSIGN_OR_RETURN(m.builtin, ParseBuiltin(*builtin));
    }
    KEEL_ASSIGN_OR_RETURN(const json* health, Required(root, "health"));
    KEEL_ASSIGN_OR_RETURN(m.health, ParseHealth(*health, m));
    KEEL_RETURN_IF_ERROR(CheckUnknown(root));
    return m;
  }

  Result<OnnxSpec> ParseOnnx(const json& value, size_t dims) const {
    KEEL_ASSIGN_OR_RETURN(ObjectReader reader, Object(value, "onnx"));
    OnnxSpec spec;
    KEEL_ASSIGN_OR_RETURN(const json* file, Required(reader, "file"));
    KEEL_ASSIGN_OR_RETURN(spec.file, String(*file, "onnx.file"));
    if (Status status = CheckBundleRelativePath(spec.file); !status.ok()) {
      return Error("onnx.file", status.message());
    }
    KEEL_ASSIGN_OR_RETURN(const json* output, Required(reader, "output"));
    KEEL_ASSIGN_OR_RETURN(const std::string output_name, String(*output, "onnx.output"));
    if (output_name == "reconstruction") {
      spec.output = OnnxOutput::kReconstruction;
    } else if (output_name == "score") {
      spec.output = OnnxOutput::kScore;
    } else {
      return Error(
          "onnx.output",
          fmt::format("\"{}\" is not an output kind (reconstruction, score)", output_name));
    }
    KEEL_ASSIGN_OR_RETURN(const json* threshold, Required(reader, "threshold"));
    KEEL_ASSIGN_OR_RETURN(spec.threshold, ParseThreshold(*threshold));
    if (const json* normalize = reader.Find("normalize")) {
      KEEL_ASSIGN_OR_RETURN(ObjectReader norm, Object(*normalize, "onnx.normalize"));
      Normalization n;
      KEEL_ASSIGN_OR_RETURN(const json* mean, Required(norm, "mean"));
      KEEL_ASSIGN_OR_RETURN(n.mean, Numbers(*mean, "onnx.normalize.mean", dims));
      KEEL_ASSIGN_OR_RETURN(const json* sd, Required(norm, "std"));
      KEEL_ASSIGN_OR_RETURN(n.std, Numbers(*sd, "onnx.normalize.std", dims));
      for (size_t i = 0; i < n.std.size(); ++i) {
        if (!(n.std[i] > 0.0)) {
          return Error(fmt::format("onnx.normalize.std[{}]", i),
                       fmt::format("{} is not > 0", n.std[i]));
        }
      }
      KEEL_RETURN_IF_ERROR(CheckUnknown(norm));
      spec.normalize = std::move(n);
    }
    KEEL_RETURN_IF_ERROR(CheckUnknown(reader));
    return spec;
  }

  Result<ThresholdSpec> ParseThreshold(const json& value) const {
    ThresholdSpec spec;
    if (value.is_number()) {
      KEEL_ASSIGN_OR_RETURN(spec.fixed, Number(value, "onnx.threshold"));
      return spec;
    }
    if (!value.is_object()) {
      return Error("onnx.threshold",
                   fmt::format("expected a number or an object, got a {}", JsonTypeName(value)));
    }
    ObjectReader reader(value, "onnx.threshold");
    KEEL_ASSIGN_OR_RETURN(const json* quantile, Required(reader, "quantile"));
    KEEL_ASSIGN_OR_RETURN(spec.quantile, Number(*quantile, "onnx.threshold.quantile"));
    if (!(spec.quantile > 0.0 && spec.quantile <= 1.0)) {
      return Error("onnx.threshold.quantile", fmt::format("{} is not in (0, 1]", spec.quantile));
    }
    if (const json* margin = reader.Find("margin")) {
      KEEL_ASSIGN_OR_RETURN(spec.margin, Number(*margin, "onnx.threshold.margin"));
      if (!(spec.margin > 0.0)) {
        return Error("onnx.threshold.margin", fmt::format("{} is not > 0", spec.margin));
      }
    }
    KEEL_RETURN_IF_ERROR(CheckUnknown(reader));
    return spec;
  }

  Result<BuiltinSpec> ParseBuiltin(const json& value) const {
    KEEL_ASSIGN_OR_RETURN(ObjectReader reader, Object(value, "builtin"));
    BuiltinSpec spec;
    KEEL_ASSIGN_OR_RETURN(const json* kind, Required(reader, "kind"));
    KEEL_ASSIGN_OR_RETURN(spec.kind, String(*kind, "builtin.kind"));
    if (spec.kind.empty()) return Error("builtin.kind", "empty");
    if (const json* params = reader.Find("params")) {
      if (!params->is_object()) {
        return Error("builtin.params",
                     fmt::format("expected an object, got a {}", JsonTypeName(*params)));
      }
      for (const auto& [name, number] : params->items()) {
        KEEL_ASSIGN_OR_RETURN(spec.params[name],
                              Number(number, fmt::format("builtin.params.{}", name)));
      }
    }
    KEEL_RETURN_IF_ERROR(CheckUnknown(reader));
    return spec;
  }

  Result<HealthSpec> ParseHealth(const json& value, const ModelManifest& m) const {
    KEEL_ASSIGN_OR_RETURN(ObjectReader reader, Object(value, "health"));
    HealthSpec spec;
    KEEL_ASSIGN_OR_RETURN(const json* golden, Required(reader, "golden"));
    if (!golden->is_array()) {
      return Error("health.golden",
                   fmt::format("expected an array, got a {}", JsonTypeName(*golden)));
    }
    for (size_t i = 0; i < golden->size(); ++i) {
      KEEL_ASSIGN_OR_RETURN(GoldenSample sample,
                            ParseGolden((*golden)[i], fmt::format("health.golden[{}]", i), m));
      spec.golden.push_back(std::move(sample));
    }
    if (m.backend == Backend::kOnnx && spec.golden.empty()) {
      return Error("health.golden", "an onnx model needs at least one golden sample");
    }
    KEEL_ASSIGN_OR_RETURN(const json* budget, Required(reader, "latency_budget_us"));
    if (!budget->is_number_integer()) {
      return Error("health.latency_budget_us",
                   fmt::format("expected an integer, got {}", budget->dump()));
    }
    const bool in_range = budget->is_number_unsigned()
                              ? budget->get<uint64_t>() <= uint64_t{kMaxLatencyBudgetUs} &&
                                    budget->get<uint64_t>() >= 1
                              : false;
    if (!in_range) {
      return Error("health.latency_budget_us",
                   fmt::format("{} is not in [1, {}]", budget->dump(), kMaxLatencyBudgetUs));
    }
    spec.latency_budget_us = budget->get<int64_t>();
    KEEL_RETURN_IF_ERROR(CheckUnknown(reader));
    return spec;
  }

  Result<GoldenSample> ParseGolden(const json& value, const std::string& path,
                                   const ModelManifest& m) const {
    KEEL_ASSIGN_OR_RETURN(ObjectReader reader, Object(value, path));
    GoldenSample sample;
    KEEL_ASSIGN_OR_RETURN(const json* input, Required(reader, "input"));
    KEEL_ASSIGN_OR_RETURN(sample.input, Numbers(*input, path + ".input", m.inputs.size()));
    const json* expected = reader.Find("expected");
    const json* expected_score = reader.Find("expected_score");
    if ((expected == nullptr) == (expected_score == nullptr)) {
      return Error(path, "needs exactly one of \"expected\" and \"expected_score\"");
    }
    if (expected != nullptr) {
      if (m.backend != Backend::kOnnx) {
        return Error(path + ".expected", "raw outputs exist only for backend \"onnx\"");
      }
      const size_t outputs = m.onnx->output == OnnxOutput::kScore ? 1 : m.inputs.size();
      KEEL_ASSIGN_OR_RETURN(sample.expected, Numbers(*expected, path + ".expected", outputs));
    } else {
      KEEL_ASSIGN_OR_RETURN(sample.expected_score,
                            Number(*expected_score, path + ".expected_score"));
    }
    if (const json* tolerance = reader.Find("tolerance")) {
      KEEL_ASSIGN_OR_RETURN(sample.tolerance, Number(*tolerance, path + ".tolerance"));
      if (sample.tolerance < 0.0) {
        return Error(path + ".tolerance", fmt::format("{} is negative", sample.tolerance));
      }
    }
    KEEL_RETURN_IF_ERROR(CheckUnknown(reader));
    return sample;
  }

  std::string source_;
};

}  // namespace

Result<ModelManifest> ParseManifest(std::string_view json, std::string_view source) {
  return ManifestParser(source).Parse(json);
}

}  // namespace keel::edge::model
