// The fixture of the update and artifact API tests: a real ApiServer over
// HTTPS with a test PKI, a SQLite store, a signed update repository with one
// model target, the artifact registry publishing into it and the rollout
// controller; keelctl runs in-process against it.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "common/files.h"
#include "crypto/certificate_authority.h"
#include "crypto/tokens.h"
#include "edge/ota/https_update_source.h"
#include "edge/ota/updater.h"
#include "hub/api/api_server.h"
#include "hub/models/artifact_registry.h"
#include "hub/registry/enrollment_service.h"
#include "hub/store/sqlite_store.h"
#include "test_util/keelctl_run.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"
#include "tuf/repository.h"
#include "unit/edge/ota/fake_update_source.h"
#include "unit/tuf/tuf_test_repo.h"

namespace keel::hub::testing {

using tuf::Role;

inline const std::string kModel = "onnx " + std::string(200000, 'm');

class UpdateApiFixture : public ::testing::Test {
 protected:
  static constexpr size_t kMaxUpload = 1 << 20;

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
    options.max_upload_bytes = kMaxUpload;
    blobs_ = BlobStore::Open(repo_dir / "targets").value();
    registry_ = std::make_unique<ArtifactRegistry>(*store_, *blobs_, repo_.get(), keys_.clock);
    ApiDependencies deps{*store_, *store_, *enrollment_, metrics_, keys_.clock, nullptr, nullptr};
    deps.updates = repo_.get();
    deps.update_targets_dir = repo_dir / "targets";
    deps.registry = registry_.get();
    deps.blobs = blobs_.get();
    rollouts_ = rollout::RolloutController::Open(*store_, *store_, *store_, keys_.clock).value();
    deps.rollouts = rollouts_.get();
    deps.rollout_store = store_.get();
    attestation_ =
        attest::AttestationService::Open(*store_, *store_, *store_, keys_.clock, metrics_).value();
    deps.attestation = attestation_.get();
    server_ = NewApiServer(options, std::move(deps));
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_TRUE(WriteFileAtomic(dir_.path() / "operator.token", "operator\n").ok());
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

  // Runs keelctl against the test hub; returns {exit code, stdout + stderr}.
  std::pair<int, std::string> Keelctl(const std::vector<std::string>& args) {
    return RunKeelctlAgainst("https://localhost:" + std::to_string(server_->port()),
                             dir_.path() / "operator.token", pki_->ca_cert(), args);
  }

  // A model bundle directory for pump-ae@`version` with an onnx file.
  std::filesystem::path Bundle(const std::string& version, const std::string& model) {
    const auto dir = dir_.path() / ("bundle-" + version);
    EXPECT_TRUE(EnsureDirectory(dir).ok());
    const nlohmann::json manifest = {
        {"name", "pump-ae"},
        {"version", version},
        {"backend", "onnx"},
        {"inputs", {"a", "b"}},
        {"onnx",
         {{"file", "model.onnx"},
          {"output", "reconstruction"},
          {"threshold", {{"quantile", 0.99}}}}},
        {"health",
         {{"golden", {{{"input", {1.0, 2.0}}, {"expected", {1.0, 2.0}}}}},
          {"latency_budget_us", 1000}}}};
    EXPECT_TRUE(WriteFileAtomic(dir / "manifest.json", manifest.dump(2)).ok());
    EXPECT_TRUE(WriteFileAtomic(dir / "model.onnx", model).ok());
    return dir;
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
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<ArtifactRegistry> registry_;
  std::unique_ptr<rollout::RolloutController> rollouts_;
  std::unique_ptr<attest::AttestationService> attestation_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace keel::hub::testing
