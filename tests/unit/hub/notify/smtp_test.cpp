// E-mail routes through the real transport (libcurl SMTP) against a small
// SMTPS server written here: implicit TLS with OpenSSL, the hub's client
// certificate required and verified, AUTH PLAIN, and the DATA recorded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/sigpipe_guard.h"
#include "hub/notify/notification_dispatcher.h"
#include "notify_test_util.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::hub::notify {
namespace {

// One connection at a time; records what each session said. kImplicitTls
// (smtps://) starts with the TLS handshake; kStartTls offers STARTTLS in
// plaintext and continues over TLS; kPlaintextOnly never offers TLS.
// Client certificates are required and verified.
class FakeSmtpServer {
 public:
  enum class Mode { kImplicitTls, kStartTls, kPlaintextOnly };
  struct Session {
    std::string auth;  // the AUTH PLAIN credentials, decoded: "\0user\0password"
    std::string mail_from;
    std::vector<std::string> rcpt_to;
    std::string data;
    bool tls_ok = false;
    bool plaintext_mail = false;  // MAIL FROM arrived without TLS
  };

  FakeSmtpServer(const TestPki& pki, Mode mode, bool reject_recipients = false)
      : mode_(mode), reject_recipients_(reject_recipients) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_chain_file(ctx_, pki.cert("mail").c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, pki.key("mail").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_load_verify_locations(ctx_, pki.ca_cert().c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 4) != 0) {
      throw std::runtime_error("FakeSmtpServer: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeSmtpServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
    SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  // The sessions finished so far, waiting up to 5 s for `at_least`.
  std::vector<Session> sessions(size_t at_least = 1) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu_);
        if (sessions_.size() >= at_least) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mu_);
    return sessions_;
  }

 private:
  // A connection, plaintext until `ssl` is set.
  struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    bool ReadLine(std::string* line) {
      line->clear();
      char c = 0;
      while ((ssl != nullptr ? SSL_read(ssl, &c, 1) : static_cast<int>(::read(fd, &c, 1))) == 1) {
        if (c == '\n') {
          if (!line->empty() && line->back() == '\r') line->pop_back();
          return true;
        }
        *line += c;
      }
      return false;
    }
    void Say(const std::string& reply) {
      const std::string out = reply + "\r\n";
      if (ssl != nullptr) {
        SSL_write(ssl, out.data(), static_cast<int>(out.size()));
      } else {
        (void)::write(fd, out.data(), out.size());
      }
    }
    bool StartTls(SSL_CTX* ctx) {
      ssl = SSL_new(ctx);
      SSL_set_fd(ssl, fd);
      return SSL_accept(ssl) == 1;
    }
  };

  void Serve() {
    ScopedSigpipeBlock no_sigpipe;  // the client may hang up mid-reply
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      Conn conn;
      conn.fd = ::accept(listener_, nullptr, nullptr);
      if (conn.fd < 0) continue;
      timeval timeout{5, 0};
      ::setsockopt(conn.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      Session session;
      if (mode_ != Mode::kImplicitTls || conn.StartTls(ctx_)) {
        session.tls_ok = mode_ == Mode::kImplicitTls;
        Converse(conn, session);
      }
      if (conn.ssl != nullptr) {
        SSL_shutdown(conn.ssl);
        SSL_free(conn.ssl);
      }
      ::close(conn.fd);
      std::lock_guard lock(mu_);
      sessions_.push_back(std::move(session));
    }
  }

  static std::string Unbase64(const std::string& in) {
    std::string out(in.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    size_t padding = 0;
    for (auto it = in.rbegin(); it != in.rend() && *it == '=' && padding < 2; ++it) ++padding;
    out.resize(n < 0 ? 0 : static_cast<size_t>(n) - padding);
    return out;
  }

  void Converse(Conn& c, Session& s) {
    c.Say("220 keel-test ESMTP");
    std::string line;
    while (c.ReadLine(&line)) {
      const std::string verb = line.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO") {
        c.Say("250-keel-test");
        c.Say(mode_ == Mode::kStartTls && c.ssl == nullptr ? "250 STARTTLS" : "250 AUTH PLAIN");
      } else if (line == "STARTTLS" && mode_ == Mode::kStartTls && c.ssl == nullptr) {
        c.Say("220 2.0.0 ready to start TLS");
        if (!c.StartTls(ctx_)) return;
        s.tls_ok = true;
      } else if (line == "AUTH PLAIN") {
        c.Say("334 ");
        if (!c.ReadLine(&line)) return;
        s.auth = Unbase64(line);
        c.Say("235 2.7.0 accepted");
      } else if (line.rfind("AUTH PLAIN ", 0) == 0) {
        s.auth = Unbase64(line.substr(11));
        c.Say("235 2.7.0 accepted");
      } else if (line.rfind("MAIL FROM:", 0) == 0) {
        s.mail_from = line.substr(10);
        s.plaintext_mail = c.ssl == nullptr;
        c.Say("250 OK");
      } else if (line.rfind("RCPT TO:", 0) == 0) {
        s.rcpt_to.push_back(line.substr(8));
        c.Say(reject_recipients_ ? "550 5.1.1 no such user" : "250 OK");
      } else if (line == "DATA") {
        c.Say("354 go ahead");
        while (c.ReadLine(&line) && line != ".") s.data += line + "\n";
        c.Say("250 queued");
      } else if (line == "QUIT") {
        c.Say("221 bye");
        return;
      } else {
        c.Say("502 not implemented");
      }
    }
  }

  Mode mode_;
  bool reject_recipients_;
  SSL_CTX* ctx_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Session> sessions_;
};

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.Issue("mail", "localhost", /*server=*/true);
    pki_.Issue("hub", "keel-hub");
    std::ofstream(dir_.path() / "smtp.password") << "s3cret\n";
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }

  RoutesConfig Config(int port, bool client_cert, const std::string& scheme = "smtps") {
    std::string doc = R"({"routes": [{"name": "mail", "type": "smtp", "url": ")" + scheme +
                      "://localhost:" + std::to_string(port) + R"(", "tls": {"ca_file": ")" +
                      pki_.ca_cert().string() + "\"";
    if (client_cert) {
      doc += R"(, "cert_file": ")" + pki_.cert("hub").string() + R"(", "key_file": ")" +
             pki_.key("hub").string() + "\"";
    }
    doc += R"(}, "from": "keel@example.org", "to": ["ops@example.org", "oncall@example.org"],)"
           R"( "username": "keel", "password_file": ")" +
           (dir_.path() / "smtp.password").string() +
           R"(", "retry": {"max_attempts": 2, "initial_backoff_ms": 1000}}]})";
    auto config = ParseNotifyRoutes(doc, "routes.json");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_TRUE(LoadRouteSecrets(*config).ok());
    return std::move(config).value();
  }

  uint64_t Count(const std::string& name) {
    return metrics_.GetCounter(name, "", {{"route", "mail"}}).value();
  }

  TempDir dir_;
  TestPki pki_{dir_.path() / "pki"};
  FakeClock clock_;
  FixedRandom random_{0.0};
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Transport> transport_ = NewTlsTransport();
};

TEST_F(SmtpTest, SendsAPlainTextMailOverImplicitTlsWithAClientCertificate) {
  FakeSmtpServer server(pki_, FakeSmtpServer::Mode::kImplicitTls);
  auto d = NotificationDispatcher::Open(Config(server.port(), true), *store_, *transport_, clock_,
                                        random_, metrics_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const alerts::Incident incident = MakeIncident(9, "north", "pump-9", 100, clock_.NowMs());
  SaveWithNotification(*store_, incident, "opened", clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(Count("keel_notify_sent_total"), 1u);
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  const auto& s = sessions[0];
  EXPECT_TRUE(s.tls_ok);
  EXPECT_EQ(s.auth, std::string("\0keel\0s3cret", 12));
  EXPECT_EQ(s.mail_from, "<keel@example.org>");
  EXPECT_EQ(s.rcpt_to, (std::vector<std::string>{"<ops@example.org>", "<oncall@example.org>"}));
  EXPECT_NE(s.data.find("Subject: [Keel P1] opened: " + incident.Title() + "\n"), std::string::npos)
      << s.data;
  EXPECT_NE(s.data.find("From: keel@example.org\n"), std::string::npos);
  EXPECT_NE(s.data.find("Incident 9 opened: "), std::string::npos);
  EXPECT_NE(s.data.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
}

TEST_F(SmtpTest, ARejectedRecipientIsNotRetried) {
  FakeSmtpServer server(pki_, FakeSmtpServer::Mode::kImplicitTls, /*reject_recipients=*/true);
  auto d = NotificationDispatcher::Open(Config(server.port(), true), *store_, *transport_, clock_,
                                        random_, metrics_);
  ASSERT_TRUE(d.ok());
  SaveWithNotification(*store_, MakeIncident(9, "north", "pump-9", 100, clock_.NowMs()), "opened",
                       clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(Count("keel_notify_failed_total"), 1u);
  EXPECT_EQ(Count("keel_notify_retries_total"), 0u);
  EXPECT_EQ(server.sessions().size(), 1u);
}

TEST_F(SmtpTest, WithoutAClientCertificateTheServerRefusesAndTheRouteRetries) {
  FakeSmtpServer server(pki_, FakeSmtpServer::Mode::kImplicitTls);
  auto d = NotificationDispatcher::Open(Config(server.port(), false), *store_, *transport_, clock_,
                                        random_, metrics_);
  ASSERT_TRUE(d.ok());
  SaveWithNotification(*store_, MakeIncident(9, "north", "pump-9", 100, clock_.NowMs()), "opened",
                       clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(Count("keel_notify_sent_total"), 0u);
  EXPECT_EQ(Count("keel_notify_retries_total"), 1u);
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].tls_ok);
}

TEST_F(SmtpTest, SmtpUrlsUpgradeWithStartTls) {
  FakeSmtpServer server(pki_, FakeSmtpServer::Mode::kStartTls);
  auto d = NotificationDispatcher::Open(Config(server.port(), true, "smtp"), *store_, *transport_,
                                        clock_, random_, metrics_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  SaveWithNotification(*store_, MakeIncident(9, "north", "pump-9", 100, clock_.NowMs()), "resolved",
                       clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(Count("keel_notify_sent_total"), 1u);
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].tls_ok);
  EXPECT_FALSE(sessions[0].plaintext_mail);
  EXPECT_EQ(sessions[0].auth, std::string("\0keel\0s3cret", 12));
  EXPECT_NE(sessions[0].data.find("Subject: [Keel P1] resolved: "), std::string::npos);
}

TEST_F(SmtpTest, AServerWithoutStartTlsNeverGetsTheMail) {
  FakeSmtpServer server(pki_, FakeSmtpServer::Mode::kPlaintextOnly);
  auto d = NotificationDispatcher::Open(Config(server.port(), true, "smtp"), *store_, *transport_,
                                        clock_, random_, metrics_);
  ASSERT_TRUE(d.ok());
  SaveWithNotification(*store_, MakeIncident(9, "north", "pump-9", 100, clock_.NowMs()), "opened",
                       clock_.NowMs());
  (*d)->Poll();
  EXPECT_EQ(Count("keel_notify_sent_total"), 0u);
  auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].tls_ok);
  EXPECT_TRUE(sessions[0].mail_from.empty()) << "nothing is sent in plaintext";
  EXPECT_TRUE(sessions[0].auth.empty());
}

}  // namespace
}  // namespace keel::hub::notify
