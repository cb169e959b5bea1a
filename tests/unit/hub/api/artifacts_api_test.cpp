// The artifact registry endpoints, driven by keelctl itself (model push,
// list, show; artifact push), and a device installing what was published.
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <chrono>
#include <random>
#include <sstream>

#include "edge/ota/delta_download.h"
#include "tuf/delta_names.h"
#include "unit/hub/api/update_api_fixture.h"

namespace keel::hub {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ArtifactsApiTest : public testing::UpdateApiFixture {
 protected:
  // Sends only the request line and headers over TLS and returns what the
  // server answers before closing (or within 5 s).
  std::string HeadersOnly(const std::string& request_line,
                          const std::vector<std::string>& headers) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, pki_->ca_cert().c_str(), nullptr);
    BIO* bio = BIO_new_ssl_connect(ctx);
    BIO_set_conn_hostname(bio, ("localhost:" + std::to_string(server_->port())).c_str());
    std::string reply;
    if (BIO_do_connect(bio) == 1) {
      std::string head = request_line + " HTTP/1.1\r\nHost: localhost\r\n";
      for (const auto& h : headers) head += h + "\r\n";
      head += "\r\n";
      BIO_write(bio, head.data(), static_cast<int>(head.size()));
      BIO_flush(bio);
      char buf[4096];
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (reply.find("\r\n\r\n") == std::string::npos &&
             std::chrono::steady_clock::now() < deadline) {
        const int n = BIO_read(bio, buf, sizeof buf);
        if (n <= 0) break;
        reply.append(buf, static_cast<size_t>(n));
      }
    }
    BIO_free_all(bio);
    SSL_CTX_free(ctx);
    return reply;
  }

  std::unique_ptr<httplib::SSLClient> Client() {
    auto client = std::make_unique<httplib::SSLClient>("localhost", server_->port());
    client->set_ca_cert_path(pki_->ca_cert().c_str());
    client->enable_server_certificate_verification(true);
    return client;
  }
};

TEST_F(ArtifactsApiTest, PushedModelIsListedShownAndInstallableByADevice) {
  const std::string model(300000, 'w');
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "lineage.json", R"({"training_window": [1, 2]})").ok());
  auto [rc, output] = Keelctl({"model", "push", Bundle("1.3.0", model).string(), "--lineage",
                               (dir_.path() / "lineage.json").string(), "--published-by", "alice"});
  ASSERT_EQ(rc, 0) << output;
  EXPECT_THAT(output, HasSubstr("published model pump-ae@1.3.0: 2 file(s)"));

  auto [list_rc, list] = Keelctl({"model", "list"});
  ASSERT_EQ(list_rc, 0) << list;
  EXPECT_THAT(list, HasSubstr("pump-ae"));
  EXPECT_THAT(list, HasSubstr("1.3.0"));
  EXPECT_THAT(list, HasSubstr("alice"));

  auto [show_rc, shown] = Keelctl({"--json", "model", "show", "pump-ae@1.3.0"});
  ASSERT_EQ(show_rc, 0) << shown;
  const json record = json::parse(shown);
  EXPECT_EQ(record["lineage"]["training_window"][1], 2);
  EXPECT_EQ(record["files"]["model.onnx"]["length"], 300000);
  EXPECT_EQ(record["files"]["model.onnx"]["sha256"], crypto::Sha256Hex(model));

  // What was published is signed and served to devices.
  auto source = Source("pump-1");
  auto device = Device();
  ASSERT_TRUE(device->RefreshMetadata(source).ok());
  auto payload = device->Download(source, "pump-ae@1.3.0/model.onnx");
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, model);
}

TEST_F(ArtifactsApiTest, ANewVersionIsPublishedWithADeltaADeviceWithTheOldOneUses) {
  std::mt19937 rng(7);
  std::string v1(200000, '\0');
  for (char& c : v1) c = static_cast<char>(rng());
  std::string v2 = v1;
  for (size_t i = 0; i < v2.size(); i += 1000) v2[i] = static_cast<char>(v2[i] + 1);  // 0.1%
  ASSERT_EQ(Keelctl({"model", "push", Bundle("1.0.0", v1).string()}).first, 0);
  auto [rc, out] = Keelctl({"model", "push", Bundle("1.1.0", v2).string()});
  ASSERT_EQ(rc, 0) << out;
  const std::string delta_name =
      tuf::DeltaTargetName("pump-ae@1.1.0/model.onnx", crypto::Sha256Hex(v1));
  const auto targets = repo_->targets().targets;
  ASSERT_TRUE(targets.contains(delta_name));
  EXPECT_EQ(targets.at(delta_name).custom["delta_of"], "pump-ae@1.1.0/model.onnx");
  EXPECT_LT(targets.at(delta_name).length, 20000);

  auto source = Source("pump-1");
  auto device = Device();
  ASSERT_TRUE(device->RefreshMetadata(source).ok());
  auto got = edge::ota::DownloadPreferringDelta(*device, source, "pump-ae@1.1.0/model.onnx", v1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->via_delta) << got->fallback_reason;
  EXPECT_EQ(got->content, v2);
  EXPECT_LT(got->downloaded_length, 20000);
}

TEST_F(ArtifactsApiTest, AVersionCannotBeRepublishedWithOtherContent) {
  ASSERT_EQ(Keelctl({"model", "push", Bundle("2.0.0", "first").string()}).first, 0);
  EXPECT_EQ(Keelctl({"model", "push", Bundle("2.0.0", "first").string()}).first, 0);  // same
  auto [rc, output] = Keelctl({"model", "push", Bundle("2.0.0", "second").string()});
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(output, HasSubstr("immutable"));
}

TEST_F(ArtifactsApiTest, ConfigArtifactsAndBadInput) {
  ASSERT_TRUE(WriteFileAtomic(dir_.path() / "agent.toml", "[hub]\n").ok());
  auto [rc, output] = Keelctl({"artifact", "push", "--kind", "config", "--name", "plant",
                               "--version", "1.0.0", (dir_.path() / "agent.toml").string()});
  ASSERT_EQ(rc, 0) << output;
  EXPECT_TRUE(repo_->targets().targets.contains("plant@1.0.0/agent.toml"));

  auto [bad_rc, bad] = Keelctl({"model", "show", "pump-ae"});
  EXPECT_NE(bad_rc, 0);
  EXPECT_THAT(bad, HasSubstr("NAME@VERSION"));
  auto [missing_rc, missing] = Keelctl({"model", "show", "pump-ae@9.9.9"});
  EXPECT_EQ(missing_rc, 1);
  EXPECT_THAT(missing, HasSubstr("not published"));

  auto client = Client();
  httplib::Headers auth = {{"Authorization", "Bearer operator"}};
  auto garbage = client->Post("/api/v1/artifacts", auth, "{\"name\": 1}", "application/json");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_THAT(garbage->body, HasSubstr("name: must be a string"));
}

TEST_F(ArtifactsApiTest, UploadsNeedTheTokenAndRespectTheLimits) {
  auto client = Client();
  auto anonymous =
      client->Post("/api/v1/blobs", std::string(1000, 'x'), "application/octet-stream");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  httplib::Headers auth = {{"Authorization", "Bearer operator"}};
  auto small =
      client->Post("/api/v1/blobs", auth, std::string(1000, 'x'), "application/octet-stream");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 201);
  EXPECT_EQ(json::parse(small->body)["sha256"], crypto::Sha256Hex(std::string(1000, 'x')));

  // Limits are enforced on the headers, before any of the body is read: these
  // requests send none of the body they announce and still get their answer.
  const std::string big = std::to_string(kMaxUpload + 1);
  EXPECT_THAT(HeadersOnly("POST /api/v1/blobs",
                          {"Authorization: Bearer operator", "Content-Length: " + big}),
              HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(HeadersOnly("POST /api/v1/blobs", {"Content-Length: 10"}), HasSubstr("HTTP/1.1 401"));
  EXPECT_THAT(HeadersOnly("POST /api/v1/blobs",
                          {"Authorization: Bearer operator", "Transfer-Encoding: chunked"}),
              HasSubstr("HTTP/1.1 411"));
  // Everything else keeps the small body limit (64 KiB by default).
  EXPECT_THAT(HeadersOnly("POST /api/v1/devices",
                          {"Authorization: Bearer operator", "Content-Length: 100000"}),
              HasSubstr("HTTP/1.1 413"));
  EXPECT_EQ(store_->ListDevices()->size(), 1u);
  // Nothing partial is left among the blobs.
  for (const auto& entry : std::filesystem::directory_iterator(blobs_->dir())) {
    EXPECT_TRUE(IsSha256Hex(entry.path().filename().string())) << entry.path();
  }
}

}  // namespace
}  // namespace keel::hub
