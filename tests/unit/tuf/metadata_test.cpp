#include "tuf/metadata.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "tuf/signing.h"
#include "unit/tuf/tuf_test_repo.h"

namespace keel::tuf {
namespace {

using ::testing::HasSubstr;

// The "signed" part of `bytes` after replacing `from` by `to` in it (no
// signature check: these are parser tests).
std::string Edited(const nlohmann::json& signed_part, const std::string& from,
                   const std::string& to) {
  std::string text = signed_part.dump();
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return R"({"signed":)" + text + R"(,"signatures":[]})";
}

Status TimestampError(const std::string& bytes) {
  auto envelope = ParseEnvelope(bytes, "timestamp.json");
  if (!envelope.ok()) return envelope.status();
  return ParseTimestamp(envelope->signed_part, "timestamp.json").status();
}

TEST(MetadataTest, EveryRoleRoundTrips) {
  testing::Repo repo;
  const RootMetadata root = repo.Root(3);
  auto parsed_root = ParseRoot(ToJson(root), "root.json");
  ASSERT_TRUE(parsed_root.ok()) << parsed_root.status().ToString();
  EXPECT_EQ(parsed_root->version, 3);
  EXPECT_EQ(parsed_root->keys, root.keys);
  EXPECT_EQ(ToJson(*parsed_root), ToJson(root));
  const TargetsMetadata targets = repo.Targets(2, "payload");
  auto parsed_targets = ParseTargets(ToJson(targets), "targets.json");
  ASSERT_TRUE(parsed_targets.ok()) << parsed_targets.status().ToString();
  EXPECT_EQ(ToJson(*parsed_targets), ToJson(targets));
  EXPECT_EQ(parsed_targets->targets.at("pump-ae").custom["kind"], "model");
  const SnapshotMetadata snapshot = repo.Snapshot(4, 2);
  EXPECT_EQ(ToJson(ParseSnapshot(ToJson(snapshot), "snapshot.json").value()), ToJson(snapshot));
  const TimestampMetadata timestamp = repo.Timestamp(5, 4, "snapshot bytes");
  EXPECT_EQ(ToJson(ParseTimestamp(ToJson(timestamp), "timestamp.json").value()), ToJson(timestamp));
}

TEST(MetadataTest, ErrorsNameTheFileAndThePath) {
  testing::Repo repo;
  const nlohmann::json timestamp = ToJson(repo.Timestamp(1, 1, "x"));
  EXPECT_THAT(
      TimestampError(Edited(timestamp, R"("version":1})", R"("version":1,"extra":2})")).message(),
      HasSubstr("timestamp.json: signed.meta.\"snapshot.json\".extra: unknown key"));
  EXPECT_THAT(
      TimestampError(Edited(timestamp, R"("version":1})", R"("version":1,"version":2})")).message(),
      HasSubstr("key \"version\" appears twice"));
  EXPECT_THAT(TimestampError(Edited(timestamp, R"("version":1})", R"("version":1.5})")).message(),
              HasSubstr("1.5 is not a whole number"));
  EXPECT_THAT(TimestampError(Edited(timestamp, R"("version":1})", R"("version":0})")).message(),
              HasSubstr("signed.meta.\"snapshot.json\".version: must be a whole number in 1.."));
  EXPECT_THAT(
      TimestampError(Edited(timestamp, R"("_type":"timestamp")", R"("_type":"root")")).message(),
      HasSubstr("signed._type: is \"root\", expected \"timestamp\""));
  const std::string expires = timestamp["expires"].get<std::string>();
  EXPECT_THAT(TimestampError(Edited(timestamp, expires, "2027-02-30T00:00:00Z")).message(),
              HasSubstr("signed.expires: \"2027-02-30T00:00:00Z\" is not a UTC time"));
  EXPECT_THAT(TimestampError(Edited(timestamp, expires, "2027-01-01 00:00:00")).message(),
              HasSubstr("is not a UTC time"));
  EXPECT_THAT(
      TimestampError(Edited(timestamp, R"("snapshot.json")", R"("targets.json")")).message(),
      HasSubstr("signed.meta.\"snapshot.json\": is required"));
  EXPECT_THAT(TimestampError("{\"signed\": {}, \"signatures\": [").message(),
              HasSubstr("timestamp.json: not valid JSON"));
  EXPECT_THAT(TimestampError(std::string(200, '[') + std::string(200, ']')).message(),
              HasSubstr("nesting deeper than"));
  EXPECT_THAT(TimestampError(R"({"signed":{},"signatures":[{"keyid":"ab","sig":"XY"}]})").message(),
              HasSubstr("$.signatures[0].sig"));
}

TEST(MetadataTest, RootKeysAndRolesAreChecked) {
  testing::Repo repo;
  const RootMetadata root = repo.Root();
  const nlohmann::json json = ToJson(root);
  const std::string some_keyid = root.keys.begin()->first;
  const std::string other_keyid = std::next(root.keys.begin())->first;

  nlohmann::json wrong_id = json;
  wrong_id["keys"][std::string(64, 'a')] = wrong_id["keys"][some_keyid];
  EXPECT_THAT(ParseRoot(wrong_id, "root.json").status().message(),
              HasSubstr("the key id is not the SHA-256 of the key"));

  nlohmann::json unknown_key = json;
  unknown_key["roles"]["targets"]["keyids"] = {std::string(64, 'b')};
  EXPECT_THAT(ParseRoot(unknown_key, "root.json").status().message(),
              HasSubstr("signed.roles.targets.keyids: key \"bbbb"));

  nlohmann::json repeated = json;
  repeated["roles"]["root"]["keyids"] = {some_keyid, some_keyid};
  EXPECT_THAT(ParseRoot(repeated, "root.json").status().message(), HasSubstr("listed twice"));

  nlohmann::json too_high = json;
  too_high["roles"]["snapshot"]["threshold"] = 2;
  EXPECT_THAT(ParseRoot(too_high, "root.json").status().message(),
              HasSubstr("signed.roles.snapshot.threshold: must be a whole number in 1..1"));

  nlohmann::json missing_role = json;
  missing_role["roles"].erase("timestamp");
  EXPECT_THAT(ParseRoot(missing_role, "root.json").status().message(),
              HasSubstr("signed.roles.timestamp: is required"));

  nlohmann::json rsa = json;
  rsa["keys"][other_keyid]["keytype"] = "rsa";
  EXPECT_THAT(ParseRoot(rsa, "root.json").status().message(),
              HasSubstr("only keytype and scheme \"ed25519\""));
}

TEST(MetadataTest, TargetHashesAreSha256Hex) {
  testing::Repo repo;
  nlohmann::json targets = ToJson(repo.Targets(1, "payload"));
  targets["targets"]["pump-ae"]["hashes"]["sha256"] = "ABC";
  EXPECT_THAT(ParseTargets(targets, "targets.json").status().message(),
              HasSubstr("signed.targets.\"pump-ae\".hashes.sha256: must be 64 lower-case hex"));
  targets["targets"]["pump-ae"]["hashes"] = {{"md5", "00"}};
  EXPECT_FALSE(ParseTargets(targets, "targets.json").ok());
}

TEST(MetadataTest, KeyIdIsTheDigestOfTheCanonicalKeyObject) {
  const std::string raw(32, '\x01');
  EXPECT_EQ(KeyId(raw).size(), 64U);
  EXPECT_NE(KeyId(raw), KeyId(std::string(32, '\x02')));
  // Canonical bytes: sorted keys, no whitespace.
  EXPECT_EQ(CanonicalBytes(nlohmann::json::parse(R"({ "b": 1, "a": [1, 2] })")),
            R"({"a":[1,2],"b":1})");
}

// The fuzz corpus starts from well-formed files, so mutations reach deep.
TEST(MetadataTest, FuzzSeedsAreWellFormed) {
  const auto dir = std::filesystem::path(KEEL_SOURCE_DIR) / "fuzz/corpus/tuf_metadata_fuzz";
  auto parse = [&](const char* name) {
    auto bytes = ReadFile(dir / name);
    EXPECT_TRUE(bytes.ok()) << name;
    auto envelope = ParseEnvelope(bytes.ok() ? *bytes : "", name);
    EXPECT_TRUE(envelope.ok()) << envelope.status().ToString();
    return envelope.ok() ? envelope->signed_part : nlohmann::json();
  };
  EXPECT_TRUE(ParseRoot(parse("root.json"), "root.json").ok());
  EXPECT_TRUE(ParseTimestamp(parse("timestamp.json"), "timestamp.json").ok());
  EXPECT_TRUE(ParseSnapshot(parse("snapshot.json"), "snapshot.json").ok());
  EXPECT_TRUE(ParseTargets(parse("targets.json"), "targets.json").ok());
}

}  // namespace
}  // namespace keel::tuf
