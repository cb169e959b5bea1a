// The update endpoints over real HTTPS with device client certificates, read
// by the device's Updater through HttpsUpdateSource (docs/ota.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "crypto/certificate_authority.h"
#include "crypto/tokens.h"
#include "edge/ota/https_update_source.h"
#include "edge/ota/updater.h"
#include "hub/api/api_server.h"
#include "hub/registry/enrollment_service.h"
#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"
#include "tuf/repository.h"
#include "unit/edge/ota/fake_update_source.h"
#include "unit/tuf/tuf_test_repo.h"

namespace keel::hub {
namespace {

using ::testing::HasSubstr;
using tuf::Role;

const std::string kModel = "onnx " + std::string(200000, 'm');

class UpdatesApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path() / "tls");
    pki_->Issue("server", "localhost", /*server=*/true);
    pki_->Issue("pump-1", "pump-1");
    pki_->Issue("pump-9", "pump-9");  // never registered
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->CreateDevice("pump-1", 0).ok());
    auto ca =
        crypto::CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "test CA", keys_.clock);
    ASSERT_TRUE(ca.ok());
    ca_ = std::make_unique<crypto::CertificateAuthority>(std::move(ca).value());
    enrollment_ =
        std::make_unique<EnrollmentService>(*store_, *ca_, keys_.clock, EnrollmentOptions{});

    const auto repo_dir = dir_.path() / "updates";
    repo_ = edge::ota::testing::OpenTestRepository(keys_, repo_dir, &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    ASSERT_TRUE(EnsureDirectory(repo_dir / "targets").ok());
    const std::string sha = crypto::Sha256Hex(kModel);
    ASSERT_TRUE(WriteFileAtomic(repo_dir / "targets" / sha, kModel).ok());
    ASSERT_TRUE(repo_
                    ->AddTarget("pump-ae@1.2.0/model.onnx",
                                {static_cast<int64_t>(kModel.size()), sha, {{"kind", "model"}}})
                    .ok());

    ApiOptions options;
    options.port = 0;
    options.cert_file = pki_->cert("server");
    options.key_file = pki_->key("server");
    options.client_ca_file = pki_->ca_cert();
    options.admin_token_sha256 = crypto::Sha256Hex("operator");
    options.threads = 2;
    ApiDependencies deps{*store_, *store_, *enrollment_, metrics_, keys_.clock, nullptr, nullptr};
    deps.updates = repo_.get();
    deps.update_targets_dir = repo_dir / "targets";
    server_ = NewApiServer(options, std::move(deps));
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  edge::ota::HttpsUpdateSource Source(const std::string& device) {
    return edge::ota::HttpsUpdateSource({Endpoint{"https", "localhost", server_->port()},
                                         pki_->ca_cert(), pki_->cert(device), pki_->key(device)});
  }

  std::unique_ptr<edge::ota::Updater> Device() {
    auto updater = edge::ota::Updater::Open(PosixFileSystem(), dir_.path() / "device", pinned_root_,
                                            keys_.clock);
    EXPECT_TRUE(updater.ok());
    return std::move(updater).value();
  }

  TempDir dir_;
  tuf::testing::Repo keys_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<crypto::CertificateAuthority> ca_;
  std::unique_ptr<EnrollmentService> enrollment_;
  MetricsRegistry metrics_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(UpdatesApiTest, ADeviceRefreshesAndDownloadsOverHttps) {
  auto source = Source("pump-1");
  auto device = Device();
  ASSERT_TRUE(device->RefreshMetadata(source).ok());
  auto payload = device->Download(source, "pump-ae@1.2.0/model.onnx");
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, kModel);
}

TEST_F(UpdatesApiTest, DownloadsResumeWithARangeRequest) {
  auto source = Source("pump-1");
  std::string got;
  ASSERT_TRUE(source
                  .FetchTarget("pump-ae@1.2.0/model.onnx", 150000,
                               [&](std::string_view chunk) {
                                 got.append(chunk);
                                 return Status::Ok();
                               })
                  .ok());
  EXPECT_EQ(got, kModel.substr(150000));
}

TEST_F(UpdatesApiTest, OnlyRegisteredDevicesWithACertificateAreServed) {
  auto stranger = Source("pump-9");
  EXPECT_EQ(stranger.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kPermissionDenied);
  edge::ota::HttpsUpdateSource anonymous(
      {Endpoint{"https", "localhost", server_->port()}, pki_->ca_cert(), "", ""});
  EXPECT_EQ(anonymous.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kUnauthenticated);
  ASSERT_TRUE(store_->RevokeDevice("pump-1", 1).ok());
  auto revoked = Source("pump-1");
  EXPECT_EQ(revoked.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(UpdatesApiTest, UnknownFilesAndOversizedMetadata) {
  auto source = Source("pump-1");
  EXPECT_EQ(source.FetchMetadata("root.2.json", 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source.FetchMetadata("../hub.db", 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source.FetchMetadata("timestamp.json", 10).status().code(),
            StatusCode::kResourceExhausted);
  Status missing = source.FetchTarget("nope", 0, [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST_F(UpdatesApiTest, ATargetWhoseFileIsMissingIsAnErrorNotAnEmptyBody) {
  std::filesystem::remove(dir_.path() / "updates" / "targets" / crypto::Sha256Hex(kModel));
  auto source = Source("pump-1");
  size_t received = 0;
  Status status = source.FetchTarget("pump-ae@1.2.0/model.onnx", 0, [&](std::string_view chunk) {
    received += chunk.size();
    return Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(received, 0U);
}

}  // namespace
}  // namespace keel::hub
