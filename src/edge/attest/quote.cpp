#include "edge/attest/quote.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "crypto/hex.h"
#include "crypto/signature.h"

namespace keel::edge::attest {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxDepth = 4;

// Thrown by the parse callback; caught in Parse.
struct ParseRefusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses `payload` refusing repeated keys and nesting deeper than kMaxDepth.
Result<Json> Parse(std::string_view message, std::string_view payload, size_t max_bytes) {
  if (payload.size() > max_bytes) {
    return Status::InvalidArgument(
        fmt::format("{}: payload is {} bytes, more than {}", message, payload.size(), max_bytes));
  }
  std::vector<std::set<std::string>> keys;  // one set per open object
  size_t depth = 0;
  auto callback = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys.emplace_back();
        [[fallthrough]];
      case Json::parse_event_t::array_start:
        if (++depth > kMaxDepth) throw ParseRefusal("nested too deeply");
        break;
      case Json::parse_event_t::object_end:
        keys.pop_back();
        [[fallthrough]];
      case Json::parse_event_t::array_end:
        --depth;
        break;
      case Json::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second) {
          throw ParseRefusal("key \"" + parsed.get<std::string>() + "\" repeated");
        }
        break;
      case Json::parse_event_t::value:
        break;
    }
    return true;
  };
  try {
    Json root = Json::parse(payload.begin(), payload.end(), callback);
    if (!root.is_object()) {
      return Status::InvalidArgument(
          fmt::format("{}: expected a JSON object, got {}", message, root.type_name()));
    }
    return root;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", message, e.what()));
  }
}

// Field access on one object with errors `<where>: "<key>": <why>`.
class Fields {
 public:
  Fields(std::string where, const Json& object) : where_(std::move(where)), object_(object) {}

  Status Only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Error(key, "unknown key");
      }
    }
    for (std::string_view key : allowed) {
      if (!object_.contains(key)) return Error(key, "missing");
    }
    return Status::Ok();
  }

  Result<std::string> String(std::string_view key) const {
    const Json& v = object_.at(key);
    if (!v.is_string()) return Error(key, fmt::format("expected a string, got {}", v.type_name()));
    return v.get<std::string>();
  }

  Result<std::string> Hex(std::string_view key, size_t min_bytes, size_t max_bytes) const {
    KEEL_ASSIGN_OR_RETURN(std::string text, String(key));
    auto bytes = crypto::HexDecode(text);
    if (!bytes.ok() || bytes->size() < min_bytes || bytes->size() > max_bytes) {
      return Error(
          key, min_bytes == max_bytes
                   ? fmt::format("must be {} lower-case hex digits", 2 * min_bytes)
                   : fmt::format("must be {}..{} bytes in lower-case hex", min_bytes, max_bytes));
    }
    return text;
  }

  Result<int64_t> NonNegative(std::string_view key) const {
    const Json& v = object_.at(key);
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
      if (v.is_number_unsigned() &&
          v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Error(key, "integer out of range");
      }
      return v.get<int64_t>();
    }
    return Error(key, "expected an integer >= 0");
  }

  Status Error(std::string_view key, std::string_view why) const {
    return Status::InvalidArgument(fmt::format("{}: \"{}\": {}", where_, key, why));
  }

 private:
  std::string where_;
  const Json& object_;
};

bool IsDeviceId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(id[0]) && std::all_of(id.begin(), id.end(), [&](char c) {
           return alnum(c) || c == '.' || c == '_' || c == '-';
         });
}

Json QuoteJson(const Quote& q) {
  Json events = Json::array();
  for (const auto& e : q.events) {
    events.push_back(
        {{"kind", e.kind}, {"name", e.name}, {"version", e.version}, {"sha256", e.sha256}});
  }
  return {
      {"device", q.device}, {"nonce", q.nonce}, {"events", events}, {"pcr", q.pcr}, {"t", q.t_ms}};
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<MeasuredEvent> DecodeEvent(const std::string& where, const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument(where + ": expected an object");
  Fields f(where, j);
  KEEL_RETURN_IF_ERROR(f.Only({"kind", "name", "version", "sha256"}));
  MeasuredEvent e;
  KEEL_ASSIGN_OR_RETURN(e.kind, f.String("kind"));
  KEEL_ASSIGN_OR_RETURN(e.name, f.String("name"));
  KEEL_ASSIGN_OR_RETURN(e.version, f.String("version"));
  KEEL_ASSIGN_OR_RETURN(e.sha256, f.String("sha256"));
  Status valid = ValidateEvent(e);
  if (!valid.ok()) {
    // "measurement: "<key>": why" -> "<where>: "<key>": why"
    return Status::InvalidArgument(where + valid.message().substr(valid.message().find(':')));
  }
  return e;
}

Result<Quote> DecodeQuote(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("quote: \"quote\": expected an object");
  Fields f("quote", j);
  KEEL_RETURN_IF_ERROR(f.Only({"device", "nonce", "events", "pcr", "t"}));
  Quote q;
  KEEL_ASSIGN_OR_RETURN(q.device, f.String("device"));
  if (!IsDeviceId(q.device)) {
    return f.Error("device", "must match ^[a-z0-9][a-z0-9._-]{0,63}$");
  }
  KEEL_ASSIGN_OR_RETURN(q.nonce, f.Hex("nonce", kNonceBytes, kNonceBytes));
  KEEL_ASSIGN_OR_RETURN(q.pcr, f.Hex("pcr", 32, 32));
  KEEL_ASSIGN_OR_RETURN(q.t_ms, f.NonNegative("t"));
  const Json& events = j.at("events");
  if (!events.is_array()) return f.Error("events", "expected an array");
  if (events.empty() || events.size() > kMaxEvents) {
    return f.Error("events", fmt::format("must hold 1..{} events", kMaxEvents));
  }
  for (size_t i = 0; i < events.size(); ++i) {
    KEEL_ASSIGN_OR_RETURN(auto e, DecodeEvent(fmt::format("quote: events[{}]", i), events[i]));
    q.events.push_back(std::move(e));
  }
  return q;
}

}  // namespace

std::string QuoteSignedBytes(const Quote& quote) { return Dump(QuoteJson(quote)); }

Result<SignedQuote> SignQuote(Quote quote, const crypto::PrivateKey& key) {
  KEEL_ASSIGN_OR_RETURN(std::string signature, crypto::Sign(key, QuoteSignedBytes(quote)));
  return SignedQuote{std::move(quote), std::move(signature)};
}

std::string EncodeSignedQuote(const SignedQuote& q) {
  return Dump({{"quote", QuoteJson(q.quote)}, {"signature", crypto::HexEncode(q.signature)}});
}

Result<SignedQuote> DecodeSignedQuote(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, Parse("quote", payload, kMaxQuoteBytes));
  Fields f("quote", root);
  KEEL_RETURN_IF_ERROR(f.Only({"quote", "signature"}));
  SignedQuote out;
  KEEL_ASSIGN_OR_RETURN(const std::string signature,
                        f.Hex("signature", 1, crypto::kMaxSignatureBytes));
  out.signature = *crypto::HexDecode(signature);
  KEEL_ASSIGN_OR_RETURN(out.quote, DecodeQuote(root.at("quote")));
  return out;
}

std::string EncodeNonceReply(const NonceReply& r) {
  return Dump({{"nonce", r.nonce}, {"expires_ms", r.expires_ms}});
}

Result<NonceReply> DecodeNonceReply(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, Parse("nonce reply", payload, 4096));
  Fields f("nonce reply", root);
  KEEL_RETURN_IF_ERROR(f.Only({"nonce", "expires_ms"}));
  NonceReply r;
  KEEL_ASSIGN_OR_RETURN(r.nonce, f.Hex("nonce", kNonceBytes, kNonceBytes));
  KEEL_ASSIGN_OR_RETURN(r.expires_ms, f.NonNegative("expires_ms"));
  return r;
}

std::string EncodeVerdict(const Verdict& v) {
  return Dump({{"verdict", v.trusted ? "trusted" : "quarantined"}, {"reason", v.reason}});
}

Result<Verdict> DecodeVerdict(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, Parse("verdict", payload, 16 * 1024));
  Fields f("verdict", root);
  KEEL_RETURN_IF_ERROR(f.Only({"verdict", "reason"}));
  Verdict v;
  KEEL_ASSIGN_OR_RETURN(const std::string verdict, f.String("verdict"));
  if (verdict != "trusted" && verdict != "quarantined") {
    return f.Error("verdict", "must be trusted or quarantined");
  }
  v.trusted = verdict == "trusted";
  KEEL_ASSIGN_OR_RETURN(v.reason, f.String("reason"));
  return v;
}

}  // namespace keel::edge::attest
