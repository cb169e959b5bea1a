#include "hub/rules/expression.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include "common/duration.h"

namespace keel::hub::rules {
namespace expression_detail {

enum class ValueType { kBool, kNumber, kString, kDuration };

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kBool:
      return "a boolean";
    case ValueType::kNumber:
      return "a number";
    case ValueType::kString:
      return "a string";
    case ValueType::kDuration:
      return "a duration";
  }
  return "?";
}

enum class Op {
  kNumber,    // literal: num
  kBool,      // literal: flag
  kString,    // literal: str
  kDuration,  // literal: ms
  kNeg,
  kNot,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kLess,
  kLessEq,
  kGreater,
  kGreaterEq,
  kEq,
  kNotEq,
  kAnd,
  kOr,
  kAbs,
  // Series functions: str = series, ms = window.
  kValue,
  kAvg,
  kMin,
  kMax,
  kSum,
  kCount,
  kDelta,
  kRate,
  // Detection fields: str = field.
  kField,
  kText,
};

struct SeriesFunction {
  std::string_view name;
  Op op;
  bool windowed;
};
constexpr SeriesFunction kSeriesFunctions[] = {
    {"value", Op::kValue, false}, {"avg", Op::kAvg, true},   {"min", Op::kMin, true},
    {"max", Op::kMax, true},      {"sum", Op::kSum, true},   {"count", Op::kCount, true},
    {"delta", Op::kDelta, true},  {"rate", Op::kRate, true},
};

}  // namespace expression_detail

namespace {

using expression_detail::kSeriesFunctions;
using expression_detail::Op;
using expression_detail::ValueType;

enum class Tok { kEnd, kNumber, kDuration, kString, kIdent, kSymbol };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, symbol, or the string's value
  double number = 0;
  int64_t ms = 0;
  size_t column = 1;  // 1-based
};

Status ErrorAt(size_t column, std::string_view what) {
  return Status::InvalidArgument(fmt::format("column {}: {}", column, what));
}

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Result<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const size_t column = i + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token token;
    token.column = column;
    if (IsDigit(c) || (c == '.' && i + 1 < text.size() && IsDigit(text[i + 1]))) {
      size_t j = i;
      while (j < text.size() && (IsDigit(text[j]) || text[j] == '.')) ++j;
      if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
        size_t k = j + 1;
        if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
        if (k < text.size() && IsDigit(text[k])) {
          j = k;
          while (j < text.size() && IsDigit(text[j])) ++j;
        }
      }
      size_t unit_end = j;
      while (unit_end < text.size() && IsIdentStart(text[unit_end])) ++unit_end;
      const std::string_view number = text.substr(i, j - i);
      if (unit_end > j) {
        auto ms = ParseDuration(text.substr(i, unit_end - i));
        if (!ms.ok()) return ErrorAt(column, ms.status().message());
        token.kind = Tok::kDuration;
        token.ms = *ms;
        token.text = std::string(text.substr(i, unit_end - i));
        i = unit_end;
      } else {
        double value = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value)) {
          return ErrorAt(column, fmt::format("\"{}\" is not a number", number));
        }
        token.kind = Tok::kNumber;
        token.number = value;
        token.text = std::string(number);
        i = j;
      }
    } else if (IsIdentStart(c)) {
      size_t j = i;
      while (j < text.size() && (IsIdentStart(text[j]) || IsDigit(text[j]))) ++j;
      token.kind = Tok::kIdent;
      token.text = std::string(text.substr(i, j - i));
      i = j;
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      std::string value;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == c) {
          closed = true;
          break;
        }
        if (text[j] == '\\') {
          if (j + 1 >= text.size() ||
              (text[j + 1] != '\\' && text[j + 1] != '"' && text[j + 1] != '\'')) {
            return ErrorAt(j + 1, "only \\\\, \\\" and \\' may follow a backslash");
          }
          ++j;
        }
        value += text[j++];
      }
      if (!closed) return ErrorAt(column, "string not closed");
      token.kind = Tok::kString;
      token.text = std::move(value);
      i = j + 1;
    } else {
      static constexpr std::string_view kTwo[] = {"<=", ">=", "==", "!=", "&&", "||"};
      static constexpr std::string_view kOne = "()+-*/<>!,";
      std::string_view symbol;
      for (auto two : kTwo) {
        if (text.substr(i, 2) == two) symbol = two;
      }
      if (symbol.empty() && kOne.find(c) != std::string_view::npos) symbol = text.substr(i, 1);
      if (symbol.empty()) {
        if (c == '=') return ErrorAt(column, "\"=\" is not an operator: compare with \"==\"");
        return ErrorAt(column, fmt::format("unexpected character '{}'", c));
      }
      token.kind = Tok::kSymbol;
      token.text = std::string(symbol);
      i += symbol.size();
    }
    out.push_back(std::move(token));
  }
  Token end;
  end.column = text.size() + 1;
  out.push_back(std::move(end));
  return out;
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
      return "the end";
    case Tok::kString:
      return fmt::format("the string \"{}\"", t.text);
    default:
      return fmt::format("\"{}\"", t.text);
  }
}

}  // namespace

struct Expression::Node {
  expression_detail::Op op = expression_detail::Op::kNumber;
  expression_detail::ValueType type = expression_detail::ValueType::kBool;
  double num = 0;
  bool flag = false;
  int64_t ms = 0;
  std::string str;
  std::vector<std::unique_ptr<Node>> args;
};

namespace {

using Node = Expression::Node;
using NodePtr = std::unique_ptr<Node>;

class Parser {
 public:
  Parser(std::vector<Token> tokens, InputKind kind, std::map<std::string, int64_t>& series)
      : tokens_(std::move(tokens)), kind_(kind), series_(series) {}

  Result<NodePtr> ParseAll() {
    KEEL_ASSIGN_OR_RETURN(NodePtr root, ParseOr());
    if (Peek().kind != Tok::kEnd) {
      return ErrorAt(Peek().column,
                     fmt::format("expected an operator, found {}", Describe(Peek())));
    }
    if (root->type != ValueType::kBool) {
      return ErrorAt(
          1, fmt::format("a condition must be true or false, this is {}", TypeName(root->type)));
    }
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  bool IsSymbol(std::string_view s) const {
    return Peek().kind == Tok::kSymbol && Peek().text == s;
  }
  bool IsWord(std::string_view s) const { return Peek().kind == Tok::kIdent && Peek().text == s; }
  Token Take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  Status Expect(std::string_view symbol) {
    if (!IsSymbol(symbol)) {
      return ErrorAt(Peek().column,
                     fmt::format("expected \"{}\", found {}", symbol, Describe(Peek())));
    }
    Take();
    return Status::Ok();
  }

  // Recursion guard: every descent into a sub-expression passes here.
  Status Enter(size_t column) {
    if (++depth_ > Expression::kMaxDepth) {
      return ErrorAt(column, fmt::format("nested more than {} deep", Expression::kMaxDepth));
    }
    return Status::Ok();
  }

  NodePtr Make(Op op, ValueType type) {
    ++nodes_;
    auto n = std::make_unique<Node>();
    n->op = op;
    n->type = type;
    return n;
  }
  NodePtr Binary(Op op, ValueType type, NodePtr a, NodePtr b) {
    auto n = Make(op, type);
    n->args.push_back(std::move(a));
    n->args.push_back(std::move(b));
    return n;
  }

  Status RequireType(const Node& n, ValueType want, size_t column, std::string_view role) {
    if (n.type == want) return Status::Ok();
    return ErrorAt(column,
                   fmt::format("{} must be {}, not {}", role, TypeName(want), TypeName(n.type)));
  }

  // A left-associative chain of `and` (or `or`): `next` parses each side.
  Result<NodePtr> ParseLogic(Op op, std::string_view symbol, std::string_view word,
                             Result<NodePtr> (Parser::*next)()) {
    KEEL_ASSIGN_OR_RETURN(NodePtr left, (this->*next)());
    while (IsSymbol(symbol) || IsWord(word)) {
      const size_t column = Take().column;
      KEEL_RETURN_IF_ERROR(
          RequireType(*left, ValueType::kBool, column, fmt::format("the left of \"{}\"", word)));
      KEEL_ASSIGN_OR_RETURN(NodePtr right, (this->*next)());
      KEEL_RETURN_IF_ERROR(
          RequireType(*right, ValueType::kBool, column, fmt::format("the right of \"{}\"", word)));
      left = Binary(op, ValueType::kBool, std::move(left), std::move(right));
    }
    return left;
  }
  Result<NodePtr> ParseOr() { return ParseLogic(Op::kOr, "||", "or", &Parser::ParseAnd); }
  Result<NodePtr> ParseAnd() { return ParseLogic(Op::kAnd, "&&", "and", &Parser::ParseNot); }

  Result<NodePtr> ParseNot() {
    if (IsSymbol("!") || IsWord("not")) {
      const size_t column = Take().column;
      KEEL_RETURN_IF_ERROR(Enter(column));
      KEEL_ASSIGN_OR_RETURN(NodePtr operand, ParseNot());
      --depth_;
      KEEL_RETURN_IF_ERROR(RequireType(*operand, ValueType::kBool, column, "what \"not\" negates"));
      auto n = Make(Op::kNot, ValueType::kBool);
      n->args.push_back(std::move(operand));
      return n;
    }
    return ParseComparison();
  }

  Result<NodePtr> ParseComparison() {
    KEEL_ASSIGN_OR_RETURN(NodePtr left, ParseSum());
    static constexpr std::pair<std::string_view, Op> kOps[] = {
        {"<", Op::kLess},       {"<=", Op::kLessEq}, {">", Op::kGreater},
        {">=", Op::kGreaterEq}, {"==", Op::kEq},     {"!=", Op::kNotEq}};
    for (const auto& [symbol, op] : kOps) {
      if (!IsSymbol(symbol)) continue;
      const size_t column = Take().column;
      KEEL_ASSIGN_OR_RETURN(NodePtr right, ParseSum());
      const bool equality = op == Op::kEq || op == Op::kNotEq;
      if (left->type != right->type) {
        return ErrorAt(column, fmt::format("\"{}\" compares {} with {}", symbol,
                                           TypeName(left->type), TypeName(right->type)));
      }
      if (!equality && left->type != ValueType::kNumber) {
        return ErrorAt(column, fmt::format("\"{}\" orders numbers, not {}s", symbol,
                                           TypeName(left->type).substr(2)));
      }
      if (left->type == ValueType::kDuration) {
        return ErrorAt(column, "a duration is only a window argument, e.g. avg(\"x\", 5m)");
      }
      for (const auto& [next, unused] : kOps) {
        if (IsSymbol(next)) {
          return ErrorAt(Peek().column, "comparisons do not chain: write a < b and b < c");
        }
      }
      return Binary(op, ValueType::kBool, std::move(left), std::move(right));
    }
    return left;
  }

  // A left-associative chain of `+`/`-` (or `*`/`/`): `next` parses each side.
  Result<NodePtr> ParseArithmetic(std::pair<std::string_view, Op> first,
                                  std::pair<std::string_view, Op> second,
                                  Result<NodePtr> (Parser::*next)()) {
    KEEL_ASSIGN_OR_RETURN(NodePtr left, (this->*next)());
    while (IsSymbol(first.first) || IsSymbol(second.first)) {
      const Token t = Take();
      KEEL_ASSIGN_OR_RETURN(NodePtr right, (this->*next)());
      KEEL_RETURN_IF_ERROR(Arithmetic(*left, *right, t));
      left = Binary(t.text == first.first ? first.second : second.second, ValueType::kNumber,
                    std::move(left), std::move(right));
    }
    return left;
  }
  Result<NodePtr> ParseSum() {
    return ParseArithmetic({"+", Op::kAdd}, {"-", Op::kSub}, &Parser::ParseProduct);
  }
  Result<NodePtr> ParseProduct() {
    return ParseArithmetic({"*", Op::kMul}, {"/", Op::kDiv}, &Parser::ParseUnary);
  }

  Status Arithmetic(const Node& left, const Node& right, const Token& op) {
    KEEL_RETURN_IF_ERROR(RequireType(left, ValueType::kNumber, op.column,
                                     fmt::format("the left of \"{}\"", op.text)));
    return RequireType(right, ValueType::kNumber, op.column,
                       fmt::format("the right of \"{}\"", op.text));
  }

  Result<NodePtr> ParseUnary() {
    if (IsSymbol("-")) {
      const size_t column = Take().column;
      KEEL_RETURN_IF_ERROR(Enter(column));
      KEEL_ASSIGN_OR_RETURN(NodePtr operand, ParseUnary());
      --depth_;
      KEEL_RETURN_IF_ERROR(RequireType(*operand, ValueType::kNumber, column, "what \"-\" negates"));
      auto n = Make(Op::kNeg, ValueType::kNumber);
      n->args.push_back(std::move(operand));
      return n;
    }
    return ParsePrimary();
  }

  Result<NodePtr> ParsePrimary() {
    const Token t = Take();
    switch (t.kind) {
      case Tok::kNumber: {
        auto n = Make(Op::kNumber, ValueType::kNumber);
        n->num = t.number;
        return n;
      }
      case Tok::kDuration: {
        auto n = Make(Op::kDuration, ValueType::kDuration);
        n->ms = t.ms;
        return n;
      }
      case Tok::kString: {
        auto n = Make(Op::kString, ValueType::kString);
        n->str = t.text;
        return n;
      }
      case Tok::kIdent:
        return ParseName(t);
      case Tok::kSymbol:
        if (t.text == "(") {
          KEEL_RETURN_IF_ERROR(Enter(t.column));
          KEEL_ASSIGN_OR_RETURN(NodePtr inner, ParseOr());
          --depth_;
          KEEL_RETURN_IF_ERROR(Expect(")"));
          return inner;
        }
        break;
      case Tok::kEnd:
        break;
    }
    return ErrorAt(t.column, fmt::format("expected a value, found {}", Describe(t)));
  }

  Result<NodePtr> ParseName(const Token& name) {
    if (name.text == "true" || name.text == "false") {
      auto n = Make(Op::kBool, ValueType::kBool);
      n->flag = name.text == "true";
      return n;
    }
    // Detection shorthands: type, signal, score.
    if (!IsSymbol("(")) {
      if (name.text == "type" || name.text == "signal" || name.text == "score") {
        KEEL_RETURN_IF_ERROR(RequireDetection(name));
        const bool text = name.text != "score";
        auto n =
            Make(text ? Op::kText : Op::kField, text ? ValueType::kString : ValueType::kNumber);
        n->str = name.text;
        return n;
      }
      return ErrorAt(name.column, fmt::format("unknown name \"{}\" (strings are quoted: \"{}\")",
                                              name.text, name.text));
    }
    Take();  // "("
    KEEL_RETURN_IF_ERROR(Enter(name.column));
    std::vector<std::pair<NodePtr, size_t>> args;
    if (!IsSymbol(")")) {
      while (true) {
        const size_t column = Peek().column;
        KEEL_ASSIGN_OR_RETURN(NodePtr arg, ParseOr());
        args.emplace_back(std::move(arg), column);
        if (!IsSymbol(",")) break;
        Take();
      }
    }
    KEEL_RETURN_IF_ERROR(Expect(")"));
    --depth_;
    return MakeCall(name, std::move(args));
  }

  Status RequireDetection(const Token& name) {
    if (kind_ == InputKind::kDetection) return Status::Ok();
    return ErrorAt(name.column, fmt::format("\"{}\" reads a detection: only in rules with "
                                            "\"on\": \"detection\"",
                                            name.text));
  }

  Status Arity(const Token& name, size_t got, size_t want, std::string_view usage) {
    if (got == want) return Status::Ok();
    return ErrorAt(name.column, fmt::format("{}() takes {} argument{}: {}", name.text, want,
                                            want == 1 ? "" : "s", usage));
  }

  Result<NodePtr> MakeCall(const Token& name, std::vector<std::pair<NodePtr, size_t>> args) {
    if (name.text == "abs") {
      KEEL_RETURN_IF_ERROR(Arity(name, args.size(), 1, "abs(<number>)"));
      KEEL_RETURN_IF_ERROR(
          RequireType(*args[0].first, ValueType::kNumber, args[0].second, "abs()'s argument"));
      auto n = Make(Op::kAbs, ValueType::kNumber);
      n->args.push_back(std::move(args[0].first));
      return n;
    }
    if (name.text == "number" || name.text == "text") {
      KEEL_RETURN_IF_ERROR(RequireDetection(name));
      KEEL_RETURN_IF_ERROR(Arity(name, args.size(), 1, fmt::format("{}(\"<field>\")", name.text)));
      KEEL_ASSIGN_OR_RETURN(std::string field, Literal(args[0], "the field"));
      const bool text = name.text == "text";
      auto n = Make(text ? Op::kText : Op::kField, text ? ValueType::kString : ValueType::kNumber);
      n->str = std::move(field);
      return n;
    }
    for (const auto& f : kSeriesFunctions) {
      if (name.text != f.name) continue;
      if (kind_ != InputKind::kSeries) {
        return ErrorAt(name.column, fmt::format("{}() reads a series: not in rules with "
                                                "\"on\": \"detection\"",
                                                name.text));
      }
      const std::string usage = f.windowed
                                    ? fmt::format("{}(\"<series>\", <window like 5m>)", f.name)
                                    : fmt::format("{}(\"<series>\")", f.name);
      KEEL_RETURN_IF_ERROR(Arity(name, args.size(), f.windowed ? 2 : 1, usage));
      KEEL_ASSIGN_OR_RETURN(std::string series, Literal(args[0], "the series"));
      auto n = Make(f.op, ValueType::kNumber);
      if (f.windowed) {
        const Node& window = *args[1].first;
        if (window.op != Op::kDuration) {
          return ErrorAt(
              args[1].second,
              fmt::format("the window must be a duration like 5m, not {}", TypeName(window.type)));
        }
        if (window.ms <= 0 || window.ms > Expression::kMaxWindowMs) {
          return ErrorAt(args[1].second, "the window must be more than 0 and at most 7d");
        }
        n->ms = window.ms;
      }
      auto& longest = series_[series];
      longest = std::max(longest, n->ms);
      n->str = std::move(series);
      return n;
    }
    return ErrorAt(name.column, fmt::format("unknown function \"{}\"", name.text));
  }

  // A string literal argument (series and field names are fixed at load
  // time, so the engine knows what a rule reads).
  Result<std::string> Literal(const std::pair<NodePtr, size_t>& arg, std::string_view role) {
    if (arg.first->op != Op::kString) {
      return ErrorAt(arg.second, fmt::format("{} must be a quoted name", role));
    }
    const std::string& s = arg.first->str;
    if (s.empty() || s.size() > 128) {
      return ErrorAt(arg.second, fmt::format("{} must be 1 to 128 characters", role));
    }
    return s;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;

 public:
  size_t nodes_ = 0;

 private:
  InputKind kind_;
  std::map<std::string, int64_t>& series_;
};

// Evaluation: a value or unknown.
struct Value {
  bool known = false;
  double num = 0;
  bool flag = false;
  std::string str;
};

Value Unknown() { return {}; }
Value Number(double v) {
  if (!std::isfinite(v)) return Unknown();
  Value out;
  out.known = true;
  out.num = v;
  return out;
}
Value Bool(bool b) {
  Value out;
  out.known = true;
  out.flag = b;
  return out;
}

Value Eval(const Node& n, const EvalInputs& in);

Value SeriesValue(const Node& n, const EvalInputs& in) {
  if (n.op == Op::kValue) {
    auto latest = in.Latest(n.str);
    return latest ? Number(*latest) : Unknown();
  }
  const WindowSummary w = in.Window(n.str, n.ms);
  if (n.op == Op::kCount) return Number(static_cast<double>(w.count));
  if (w.count == 0) return Unknown();
  switch (n.op) {
    case Op::kAvg:
      return Number(w.sum / static_cast<double>(w.count));
    case Op::kMin:
      return Number(w.min);
    case Op::kMax:
      return Number(w.max);
    case Op::kSum:
      return Number(w.sum);
    case Op::kDelta:
      return Number(w.last - w.first);
    case Op::kRate:
      // Per second between the window's first and last samples.
      if (w.last_t <= w.first_t) return Unknown();
      return Number((w.last - w.first) * 1000.0 / static_cast<double>(w.last_t - w.first_t));
    default:
      return Unknown();
  }
}

Value Compare(Op op, const Node& n, const Value& a, const Value& b) {
  if (!a.known || !b.known) return Unknown();
  const ValueType t = n.args[0]->type;
  if (t == ValueType::kString || t == ValueType::kBool) {
    const bool equal = t == ValueType::kString ? a.str == b.str : a.flag == b.flag;
    return Bool(op == Op::kEq ? equal : !equal);
  }
  switch (op) {
    case Op::kLess:
      return Bool(a.num < b.num);
    case Op::kLessEq:
      return Bool(a.num <= b.num);
    case Op::kGreater:
      return Bool(a.num > b.num);
    case Op::kGreaterEq:
      return Bool(a.num >= b.num);
    case Op::kEq:
      return Bool(a.num == b.num);
    default:
      return Bool(a.num != b.num);
  }
}

Value Eval(const Node& n, const EvalInputs& in) {
  switch (n.op) {
    case Op::kNumber:
      return Number(n.num);
    case Op::kBool:
      return Bool(n.flag);
    case Op::kString: {
      Value v;
      v.known = true;
      v.str = n.str;
      return v;
    }
    case Op::kDuration:
      return Number(static_cast<double>(n.ms));
    case Op::kNeg: {
      const Value v = Eval(*n.args[0], in);
      return v.known ? Number(-v.num) : v;
    }
    case Op::kNot: {
      const Value v = Eval(*n.args[0], in);
      return v.known ? Bool(!v.flag) : v;
    }
    case Op::kAbs: {
      const Value v = Eval(*n.args[0], in);
      return v.known ? Number(std::fabs(v.num)) : v;
    }
    case Op::kAnd:
    case Op::kOr: {
      // Kleene: a decisive side decides even when the other is unknown.
      const bool decisive = n.op == Op::kOr;
      const Value a = Eval(*n.args[0], in);
      if (a.known && a.flag == decisive) return a;
      const Value b = Eval(*n.args[1], in);
      if (b.known && b.flag == decisive) return b;
      if (!a.known || !b.known) return Unknown();
      return Bool(!decisive);
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv: {
      const Value a = Eval(*n.args[0], in);
      const Value b = Eval(*n.args[1], in);
      if (!a.known || !b.known) return Unknown();
      if (n.op == Op::kAdd) return Number(a.num + b.num);
      if (n.op == Op::kSub) return Number(a.num - b.num);
      if (n.op == Op::kMul) return Number(a.num * b.num);
      return b.num == 0 ? Unknown() : Number(a.num / b.num);
    }
    case Op::kLess:
    case Op::kLessEq:
    case Op::kGreater:
    case Op::kGreaterEq:
    case Op::kEq:
    case Op::kNotEq:
      return Compare(n.op, n, Eval(*n.args[0], in), Eval(*n.args[1], in));
    case Op::kField: {
      auto v = in.Number(n.str);
      return v ? Number(*v) : Unknown();
    }
    case Op::kText: {
      auto v = in.Text(n.str);
      if (!v) return Unknown();
      Value out;
      out.known = true;
      out.str = std::move(*v);
      return out;
    }
    default:
      return SeriesValue(n, in);
  }
}

}  // namespace

Result<Expression> Expression::Parse(std::string_view text, InputKind kind) {
  if (text.size() > kMaxLength) {
    return Status::InvalidArgument(fmt::format("longer than {} characters", kMaxLength));
  }
  KEEL_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  Expression e;
  Parser parser(std::move(tokens), kind, e.series_);
  KEEL_ASSIGN_OR_RETURN(NodePtr root, parser.ParseAll());
  if (parser.nodes_ > kMaxNodes) {
    return Status::InvalidArgument(fmt::format("{} terms: at most {} (split it into several rules)",
                                               parser.nodes_, kMaxNodes));
  }
  e.root_ = std::move(root);
  e.text_ = std::string(text);
  e.kind_ = kind;
  return e;
}

std::optional<bool> Expression::Evaluate(const EvalInputs& inputs) const {
  if (!root_) return std::nullopt;
  const Value v = Eval(*root_, inputs);
  if (!v.known) return std::nullopt;
  return v.flag;
}

}  // namespace keel::hub::rules
