// HttpsApiTest: the fixture of the API endpoint tests that run over real
// HTTPS: a server certificate shared by the suite, and per test a fresh
// SqliteStore, device CA and EnrollmentService, a FakeClock and a
// MetricsRegistry. StartServer() (re)starts the API with the test's extra
// dependencies; Call() sends one request as an operator (or anonymously),
// Keelctl() runs keelctl against it.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "crypto/certificate_authority.h"
#include "crypto/tokens.h"
#include "hub/api/api_server.h"
#include "hub/registry/enrollment_service.h"
#include "hub/store/sqlite_store.h"
#include "test_util/keelctl_run.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::hub {

class HttpsApiTest : public ::testing::Test {
 protected:
  static constexpr const char* kToken = "operator-token";

  static void SetUpTestSuite() {
    pki_dir_ = new TempDir();
    pki_ = new TestPki(pki_dir_->path() / "tls");
    pki_->Issue("server", "localhost", /*server=*/true);
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete pki_dir_;
  }

  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto ca = crypto::CertificateAuthority::LoadOrCreate(dir_.path() / "pki", "test CA", clock_);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::make_unique<crypto::CertificateAuthority>(std::move(ca).value());
    enrollment_ = std::make_unique<EnrollmentService>(*store_, *ca_, clock_, EnrollmentOptions{});
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Starts the API (stopping a running one first) on a free port with the
  // store, enrollment, clock and metrics, after `configure` adjusted the
  // options and added dependencies.
  void StartServer(const std::function<void(ApiOptions&, ApiDependencies&)>& configure = {}) {
    if (server_) server_->Stop();
    ApiOptions options;
    options.port = 0;
    options.cert_file = pki_->cert("server");
    options.key_file = pki_->key("server");
    options.client_ca_file = pki_->ca_cert();
    options.admin_token_sha256 = crypto::Sha256Hex(kToken);
    options.threads = 2;
    ApiDependencies deps{*store_, *store_, *enrollment_, metrics_, clock_, nullptr, nullptr};
    if (configure) configure(options, deps);
    server_ = NewApiServer(options, std::move(deps));
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  struct Reply {
    int status = 0;
    nlohmann::json body;  // discarded when the body is not JSON
    std::string etag;
  };

  // One request: GET, POST, PUT or DELETE, with the operator token unless
  // `authorized` is false.
  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             httplib::Headers headers = {}, bool authorized = true) {
    httplib::SSLClient client("127.0.0.1", server_->port());
    client.set_ca_cert_path(pki_->ca_cert().c_str());
    client.enable_server_certificate_verification(true);
    if (authorized) headers.emplace("Authorization", std::string("Bearer ") + kToken);
    httplib::Result res = method == "GET"    ? client.Get(path, headers)
                          : method == "POST" ? client.Post(path, headers, body, "application/json")
                          : method == "PUT"  ? client.Put(path, headers, body, "application/json")
                                             : client.Delete(path, headers);
    if (!res) {
      ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(res.error());
      return {};
    }
    return {res->status, nlohmann::json::parse(res->body, nullptr, false),
            res->get_header_value("ETag")};
  }

  // Runs keelctl as the operator against the server; {exit code, stdout + stderr}.
  std::pair<int, std::string> Keelctl(const std::vector<std::string>& args) {
    const auto token = dir_.path() / "operator.token";
    std::ofstream(token) << kToken << "\n";
    return RunKeelctlAgainst("https://localhost:" + std::to_string(server_->port()), token,
                             pki_->ca_cert(), args);
  }

  static std::string ErrorMessage(const Reply& r) {
    return r.body.value("/error/message"_json_pointer, std::string());
  }

  static inline TempDir* pki_dir_ = nullptr;
  static inline TestPki* pki_ = nullptr;
  TempDir dir_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<crypto::CertificateAuthority> ca_;
  std::unique_ptr<EnrollmentService> enrollment_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace keel::hub
