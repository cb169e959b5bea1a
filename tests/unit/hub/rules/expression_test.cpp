#include "hub/rules/expression.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace keel::hub::rules {
namespace {

// Series as (t, value) lists and one detection's fields; "now" is the
// evaluation time.
struct FakeInputs : EvalInputs {
  std::map<std::string, std::vector<std::pair<int64_t, double>>> series;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> texts;
  int64_t now_ms = 0;

  std::optional<double> Latest(const std::string& name) const override {
    auto it = series.find(name);
    if (it == series.end() || it->second.empty()) return std::nullopt;
    return it->second.back().second;
  }
  WindowSummary Window(const std::string& name, int64_t window_ms) const override {
    WindowSummary w;
    auto it = series.find(name);
    if (it == series.end()) return w;
    for (const auto& [t, v] : it->second) {
      if (t <= now_ms - window_ms || t > now_ms) continue;
      if (w.count == 0) {
        w.min = w.max = w.first = v;
        w.first_t = t;
      }
      w.min = std::min(w.min, v);
      w.max = std::max(w.max, v);
      w.sum += v;
      w.last = v;
      w.last_t = t;
      ++w.count;
    }
    return w;
  }
  std::optional<double> Number(const std::string& field) const override {
    auto it = numbers.find(field);
    return it == numbers.end() ? std::nullopt : std::optional<double>(it->second);
  }
  std::optional<std::string> Text(const std::string& field) const override {
    auto it = texts.find(field);
    return it == texts.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

std::optional<bool> Eval(std::string_view text, const EvalInputs& in,
                         InputKind kind = InputKind::kSeries) {
  auto e = Expression::Parse(text, kind);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().ToString();
  if (!e.ok()) return std::nullopt;
  return e->Evaluate(in);
}

std::string ParseError(std::string_view text, InputKind kind = InputKind::kSeries) {
  auto e = Expression::Parse(text, kind);
  EXPECT_FALSE(e.ok()) << text << " parsed";
  return e.ok() ? "" : std::string(e.status().message());
}

TEST(ExpressionTest, ArithmeticPrecedenceAndComparisons) {
  FakeInputs in;
  EXPECT_EQ(Eval("1 + 2 * 3 == 7", in), true);
  EXPECT_EQ(Eval("(1 + 2) * 3 == 9", in), true);
  EXPECT_EQ(Eval("10 / 4 == 2.5", in), true);
  EXPECT_EQ(Eval("-2 - -3 == 1", in), true);
  EXPECT_EQ(Eval("1e3 >= 1000 and 0.5 < .6", in), true);
  EXPECT_EQ(Eval("abs(-3) != 3", in), false);
  EXPECT_EQ(Eval("not (1 > 2) && !false", in), true);
  EXPECT_EQ(Eval("1 > 2 or 2 > 1", in), true);
  EXPECT_EQ(Eval("true == (1 < 2)", in), true);
}

TEST(ExpressionTest, SeriesFunctionsOverTheirWindow) {
  FakeInputs in;
  in.now_ms = 100'000;
  // One sample every 10 s from t = 10 s to 100 s: 1, 2, ..., 10.
  for (int i = 1; i <= 10; ++i) in.series["temp"].push_back({i * 10'000, i});
  EXPECT_EQ(Eval("value(\"temp\") == 10", in), true);
  // The last 30 s: samples at 80, 90, 100 s (70 s is on the boundary, outside).
  EXPECT_EQ(Eval("count('temp', 30s) == 3", in), true);
  EXPECT_EQ(Eval("avg('temp', 30s) == 9", in), true);
  EXPECT_EQ(Eval("min('temp', 30s) == 8 and max('temp', 30s) == 10", in), true);
  EXPECT_EQ(Eval("sum('temp', 30s) == 27", in), true);
  EXPECT_EQ(Eval("delta('temp', 30s) == 2", in), true);
  // 2 units over 20 s between the first and last sample: 0.1 per second.
  EXPECT_EQ(Eval("rate('temp', 30s) > 0.0999 and rate('temp', 30s) < 0.1001", in), true);
  EXPECT_EQ(Eval("avg('temp', 1h) == 5.5", in), true);
}

TEST(ExpressionTest, MissingInputsAreUnknownAndFollowKleeneLogic) {
  FakeInputs in;
  in.now_ms = 1000;
  in.series["a"] = {{1000, 5}};
  EXPECT_EQ(Eval("value('nothing') > 1", in), std::nullopt);
  EXPECT_EQ(Eval("not (value('nothing') > 1)", in), std::nullopt);
  EXPECT_EQ(Eval("value('nothing') > 1 and false", in), false);
  EXPECT_EQ(Eval("value('nothing') > 1 or true", in), true);
  EXPECT_EQ(Eval("value('nothing') > 1 or false", in), std::nullopt);
  EXPECT_EQ(Eval("avg('nothing', 1m) > 0", in), std::nullopt);
  EXPECT_EQ(Eval("count('nothing', 1m) == 0", in), true);
  EXPECT_EQ(Eval("value('a') / 0 > 1", in), std::nullopt);
  // A single sample has no rate.
  EXPECT_EQ(Eval("rate('a', 1m) > 0", in), std::nullopt);
}

TEST(ExpressionTest, DetectionFields) {
  FakeInputs in;
  in.texts = {{"type", "anomaly.raised"}, {"signal", "vibration"}};
  in.numbers = {{"score", 0.93}, {"threshold", 0.5}};
  const auto k = InputKind::kDetection;
  EXPECT_EQ(Eval("type == \"anomaly.raised\" and score >= 0.9", in, k), true);
  EXPECT_EQ(Eval("score / number('threshold') > 1.8", in, k), true);
  EXPECT_EQ(Eval("signal != 'vibration'", in, k), false);
  EXPECT_EQ(Eval("text('model') == 'v2'", in, k), std::nullopt);
  EXPECT_EQ(Eval("'it\\'s' == \"it's\"", in, k), true);
}

TEST(ExpressionTest, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(ParseError("value('x') > "), "column 14: expected a value, found the end");
  EXPECT_EQ(ParseError("value('x') = 3"),
            "column 12: \"=\" is not an operator: compare with \"==\"");
  EXPECT_EQ(ParseError("temperature > 3"),
            "column 1: unknown name \"temperature\" (strings are quoted: \"temperature\")");
  EXPECT_EQ(ParseError("avg('x') > 3"),
            "column 1: avg() takes 2 arguments: avg(\"<series>\", <window like 5m>)");
  EXPECT_EQ(ParseError("avg('x', 5) > 3"),
            "column 10: the window must be a duration like 5m, not a number");
  EXPECT_EQ(ParseError("avg('x', 8d) > 3"),
            "column 10: the window must be more than 0 and at most 7d");
  EXPECT_EQ(ParseError("value('x') + 1"),
            "column 1: a condition must be true or false, this is a number");
  EXPECT_EQ(ParseError("value('x') > 'hot'"), "column 12: \">\" compares a number with a string");
  EXPECT_EQ(ParseError("1 < 2 < 3"), "column 7: comparisons do not chain: write a < b and b < c");
  EXPECT_EQ(ParseError("value('x') > 1 and 2"),
            "column 16: the right of \"and\" must be a boolean, not a number");
  EXPECT_EQ(ParseError("score > 0.5"),
            "column 1: \"score\" reads a detection: only in rules with \"on\": \"detection\"");
  EXPECT_EQ(ParseError("value('x') > 1", InputKind::kDetection),
            "column 1: value() reads a series: not in rules with \"on\": \"detection\"");
  EXPECT_EQ(ParseError("system('rm -rf /') == 0"), "column 1: unknown function \"system\"");
  EXPECT_EQ(ParseError("value(x) > 1"), "column 7: unknown name \"x\" (strings are quoted: \"x\")");
  EXPECT_EQ(ParseError("value('a' + 'b') > 1"),
            "column 11: the left of \"+\" must be a number, not a string");
  EXPECT_EQ(ParseError("value('x') > 1 $"), "column 16: unexpected character '$'");
  EXPECT_EQ(ParseError("value('x) > 1"), "column 7: string not closed");
  EXPECT_EQ(ParseError("1.5h > 1"),
            "column 1: duration \"1.5h\": expected a number and a unit (ms, s, m, h, d), e.g. 10m");
  EXPECT_EQ(ParseError("(value('x') > 1"), "column 16: expected \")\", found the end");
  EXPECT_EQ(ParseError(""), "column 1: expected a value, found the end");
}

TEST(ExpressionTest, LimitsBoundTheWork) {
  std::string deep(100, '(');
  deep += "true" + std::string(100, ')');
  EXPECT_NE(ParseError(deep).find("nested more than 48 deep"), std::string::npos);
  std::string negations(200, '!');
  EXPECT_NE(ParseError(negations + "true").find("nested more than"), std::string::npos);
  std::string long_sum = "1";
  for (int i = 0; i < 300; ++i) long_sum += " + 1";
  EXPECT_NE(ParseError(long_sum + " > 0").find("at most 256"), std::string::npos);
  EXPECT_NE(ParseError(std::string(5000, ' ') + "true").find("longer than 4096"),
            std::string::npos);
}

TEST(ExpressionTest, ReportsTheSeriesItReadsWithTheLongestWindow) {
  auto e = Expression::Parse(
      "value('a') > 1 and avg('a', 5m) > 2 and rate('a', 10m) > 0 or count('b', 30s) > 3",
      InputKind::kSeries);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->series(), (std::map<std::string, int64_t>{{"a", 600'000}, {"b", 30'000}}));
}

}  // namespace
}  // namespace keel::hub::rules
