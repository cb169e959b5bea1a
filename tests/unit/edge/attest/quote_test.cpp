#include "edge/attest/quote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/hex.h"
#include "crypto/signature.h"

namespace keel::edge::attest {
namespace {

using ::testing::HasSubstr;

SignedQuote Sample() {
  SignedQuote q;
  q.quote.device = "pump-1";
  q.quote.nonce = std::string(64, '1');
  q.quote.events = {{"agent", "keel-edge", "0.1.0", std::string(64, 'a')},
                    {"model", "pump-ae", "1.2.0", std::string(64, 'b')}};
  q.quote.pcr = ReplayPcr(q.quote.events);
  q.quote.t_ms = 1'732'470'000'000;
  q.signature = std::string("\x30\x45\x02\x20", 4) + std::string(20, 'z');
  return q;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

TEST(QuoteTest, RoundTripsAndSignsCanonicalBytes) {
  const SignedQuote q = Sample();
  const std::string wire = EncodeSignedQuote(q);
  auto decoded = DecodeSignedQuote(wire);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, q);
  const std::string bytes = QuoteSignedBytes(q.quote);
  EXPECT_EQ(bytes.find(' '), std::string::npos);
  EXPECT_LT(bytes.find("\"device\""), bytes.find("\"events\""));  // keys sorted
  // The same quote with other whitespace and key order decodes equal, so
  // its signed bytes are the same.
  const std::string spaced = "{ \"signature\" : \"" + crypto::HexEncode(q.signature) +
                             "\" ,\n \"quote\": " + QuoteSignedBytes(q.quote) + " }";
  auto again = DecodeSignedQuote(spaced);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, q);
}

TEST(QuoteTest, SignedQuoteVerifiesWithTheDeviceKey) {
  auto key = crypto::PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  auto signed_quote = SignQuote(Sample().quote, *key);
  ASSERT_TRUE(signed_quote.ok());
  auto decoded = DecodeSignedQuote(EncodeSignedQuote(*signed_quote));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->signature, signed_quote->signature);
  EXPECT_EQ(QuoteSignedBytes(decoded->quote), QuoteSignedBytes(signed_quote->quote));
}

TEST(QuoteTest, StrictDecodingNamesTheKey) {
  const std::string wire = EncodeSignedQuote(Sample());
  struct Case {
    std::string payload, expected;
  };
  const std::vector<Case> cases = {
      {"[]", "expected a JSON object"},
      {"{", "quote:"},
      {Replace(wire, "\"t\":", "\"x\":1,\"t\":"), "\"x\": unknown key"},
      {Replace(wire, "\"t\":1732470000000", "\"t\":-1"), "\"t\": expected an integer >= 0"},
      {Replace(wire, "\"t\":1732470000000", "\"t\":1.5"), "\"t\""},
      {Replace(wire, "\"t\":1732470000000", "\"t\":\"1\""), "\"t\""},
      {Replace(wire, "\"device\":\"pump-1\"", "\"device\":\"Pump/1\""), "\"device\""},
      {Replace(wire, "\"device\":\"pump-1\"", "\"device\":7"), "\"device\": expected a string"},
      {Replace(wire, std::string(64, '1'), std::string(62, '1')), "\"nonce\""},
      {Replace(wire, "\"pcr\":\"", "\"pcr\":\"A"), "\"pcr\""},
      {Replace(wire, "\"kind\":\"agent\"", "\"kind\":\"kernel\""), "events[0]: \"kind\""},
      {Replace(wire, "\"name\":\"pump-ae\"", "\"name\":\"\""), "events[1]: \"name\""},
      {Replace(wire, ",\"version\":\"1.2.0\"", ""), "events[1]: \"version\": missing"},
      {Replace(wire, "\"signature\":\"", "\"signature\":\"0"), "\"signature\""},
      {Replace(wire, "\"pcr\":", "\"pcr\":\"" + std::string(64, '0') + "\",\"pcr\":"), "repeated"},
      {Replace(wire, "\"events\":[", "\"events\":[[[[[]]]],"), "nested too deeply"},
      {std::string(kMaxQuoteBytes + 1, ' '), "more than"},
  };
  for (const auto& c : cases) {
    auto r = DecodeSignedQuote(c.payload);
    ASSERT_FALSE(r.ok()) << c.payload;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.expected)) << c.payload;
  }
  SignedQuote none = Sample();
  none.quote.events.clear();
  EXPECT_THAT(DecodeSignedQuote(EncodeSignedQuote(none)).status().message(),
              HasSubstr("\"events\": must hold 1..128 events"));
}

TEST(QuoteTest, NonceAndVerdictMessages) {
  const NonceReply nonce{std::string(64, 'f'), 1'732'470'060'000};
  EXPECT_EQ(*DecodeNonceReply(EncodeNonceReply(nonce)), nonce);
  EXPECT_FALSE(DecodeNonceReply(R"({"nonce":"ab","expires_ms":1})").ok());
  EXPECT_FALSE(DecodeNonceReply(R"({"nonce":")" + std::string(64, 'f') + R"("})").ok());
  for (const Verdict& v : {Verdict{true, ""}, Verdict{false, "model pump-ae: hash differs"}}) {
    EXPECT_EQ(*DecodeVerdict(EncodeVerdict(v)), v);
  }
  EXPECT_THAT(DecodeVerdict(R"({"verdict":"maybe","reason":""})").status().message(),
              HasSubstr("\"verdict\""));
}

}  // namespace
}  // namespace keel::edge::attest
