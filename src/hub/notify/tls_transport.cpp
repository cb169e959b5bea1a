#include <curl/curl.h>
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/sigpipe_guard.h"
#include "hub/notify/transport.h"

namespace keel::hub::notify {
namespace {

void SetTimeout(int64_t ms, const std::function<void(time_t, time_t)>& set) {
  set(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

void EnsureCurlGlobal() {
  static std::once_flag once;
  std::call_once(once, [] { static CurlGlobal global; });
}

struct Upload {
  const std::string* content;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->content->size() - upload->offset);
  std::memcpy(buffer, upload->content->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

class TlsTransport final : public Transport {
 public:
  Result<int> Post(const HttpsPost& post) override {
    ScopedSigpipeBlock no_sigpipe;  // a receiver that hangs up must not kill the hub
    httplib::SSLClient client(post.host, post.port, post.tls.cert_file.string(),
                              post.tls.key_file.string());
    client.set_ca_cert_path(post.tls.ca_file.string());
    client.enable_server_certificate_verification(true);
    SetTimeout(post.connect_timeout_ms,
               [&](time_t s, time_t us) { client.set_connection_timeout(s, us); });
    SetTimeout(post.timeout_ms, [&](time_t s, time_t us) { client.set_read_timeout(s, us); });
    SetTimeout(post.timeout_ms, [&](time_t s, time_t us) { client.set_write_timeout(s, us); });
    httplib::Headers headers;
    for (const auto& [name, value] : post.headers) headers.emplace(name, value);
    auto res = client.Post(post.path, headers, post.body, "application/json");
    if (!res) {
      std::string detail = httplib::to_string(res.error());
      if (res.error() == httplib::Error::SSLServerVerification) {
        detail += fmt::format(" (verify result {})", client.get_openssl_verify_result());
      }
      return Status::Unavailable(
          fmt::format("POST https://{}:{}{}: {}", post.host, post.port, post.path, detail));
    }
    return res->status;
  }

  Status SendMail(const MailMessage& mail) override {
    ScopedSigpipeBlock no_sigpipe;
    EnsureCurlGlobal();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return Status::Internal("smtp: curl_easy_init failed");
    CURL* c = curl.get();
    std::unique_ptr<curl_slist, SlistDeleter> rcpt;
    for (const auto& to : mail.to) {
      curl_slist* next = curl_slist_append(rcpt.get(), ("<" + to + ">").c_str());
      if (next == nullptr) return Status::Internal("smtp: out of memory");
      (void)rcpt.release();
      rcpt.reset(next);
    }
    Upload upload{&mail.content};
    const std::string from = "<" + mail.from + ">";
    curl_easy_setopt(c, CURLOPT_URL, mail.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CAINFO, mail.tls.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
    if (!mail.tls.cert_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, mail.tls.cert_file.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, mail.tls.key_file.c_str());
    }
    if (!mail.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, mail.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, mail.password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(mail.connect_timeout_ms));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(mail.timeout_ms));
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) return Status::Ok();
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    const std::string what = fmt::format("smtp {}: {} ({}{})", mail.url, curl_easy_strerror(rc),
                                         error[0] != '\0' ? error : "",
                                         reply > 0 ? fmt::format(", last reply {}", reply) : "");
    if (rc == CURLE_LOGIN_DENIED) return Status::PermissionDenied(what);
    // A 5xx reply is the server's final word (RFC 5321 4.2.1); 4xx and no
    // reply at all (connection, TLS, timeout) may pass on a retry.
    if (reply >= 500 && reply < 600) return Status::InvalidArgument(what);
    return Status::Unavailable(what);
  }
};

}  // namespace

std::unique_ptr<Transport> NewTlsTransport() { return std::make_unique<TlsTransport>(); }

}  // namespace keel::hub::notify
