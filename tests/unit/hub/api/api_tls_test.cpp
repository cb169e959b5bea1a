// The API's TLS settings that are not visible in a reply.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>

#include "unit/hub/api/https_api_fixture.h"

namespace keel::hub {
namespace {

std::atomic<int> sessions_offered{0};

int CountSession(SSL*, SSL_SESSION*) {
  ++sessions_offered;
  return 0;  // not kept
}

using ApiTlsTest = HttpsApiTest;

// No Keel client resumes a session, and a TLS 1.3 server makes every ticket
// from the session with the client's certificate in it: the hub sends none.
TEST_F(ApiTlsTest, TheHubSendsNoSessionTickets) {
  StartServer();
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(pki_->ca_cert().c_str());
  client.enable_server_certificate_verification(true);
  SSL_CTX_set_session_cache_mode(client.ssl_context(), SSL_SESS_CACHE_CLIENT);
  SSL_CTX_sess_set_new_cb(client.ssl_context(), CountSession);
  sessions_offered = 0;
  for (int i = 0; i < 2; ++i) {
    auto res = client.Get("/healthz");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(sessions_offered.load(), 0);
}

}  // namespace
}  // namespace keel::hub
