// TestPki: a throwaway CA plus server and client certificates made with the
// `openssl` command-line tool, for tests that need real TLS peers (broker,
// MQTT client) before or independently of Keel's own crypto component.
// For tests only; keys are ECDSA P-256 and live in the given directory.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace keel {

class TestPki {
 public:
  // Creates <dir>/<ca_name>.key and <dir>/<ca_name>.crt.
  explicit TestPki(std::filesystem::path dir, std::string ca_name = "ca")
      : dir_(std::move(dir)), ca_name_(std::move(ca_name)) {
    std::filesystem::create_directories(dir_);
    Run("openssl ecparam -name prime256v1 -genkey -noout -out " + Key(ca_name_));
    Run("openssl req -new -x509 -days 2 -key " + Key(ca_name_) + " -subj /CN=" + ca_name_ +
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        " -out " +
        Crt(ca_name_));
  }

  std::filesystem::path ca_cert() const { return dir_ / (ca_name_ + ".crt"); }
  std::filesystem::path ca_key() const { return dir_ / (ca_name_ + ".key"); }

  // Issues <dir>/<name>.{key,crt} with CN=<cn>; server certificates get
  // subjectAltName localhost and 127.0.0.1.
  void Issue(const std::string& name, const std::string& cn, bool server = false) const {
    Run("openssl ecparam -name prime256v1 -genkey -noout -out " + Key(name));
    Run("openssl req -new -key " + Key(name) + " -subj /CN=" + cn + " -out " + Path(name + ".csr"));
    const std::string ext = Path(name + ".ext");
    std::ofstream(ext) << (server ? "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                    "extendedKeyUsage=serverAuth\n"
                                  : "extendedKeyUsage=clientAuth\n");
    Run("openssl x509 -req -days 1 -in " + Path(name + ".csr") + " -CA " + Crt(ca_name_) +
        " -CAkey " + Key(ca_name_) + " -set_serial " + std::to_string(++serial_) + " -extfile " +
        ext + " -out " + Crt(name));
  }

  std::filesystem::path cert(const std::string& name) const { return dir_ / (name + ".crt"); }
  std::filesystem::path key(const std::string& name) const { return dir_ / (name + ".key"); }

 private:
  std::string Path(const std::string& file) const { return (dir_ / file).string(); }
  std::string Key(const std::string& name) const { return Path(name + ".key"); }
  std::string Crt(const std::string& name) const { return Path(name + ".crt"); }
  static void Run(const std::string& cmd) {
    if (std::system((cmd + " 2>/dev/null").c_str()) != 0) {
      throw std::runtime_error("TestPki: command failed: " + cmd);
    }
  }

  std::filesystem::path dir_;
  std::string ca_name_;
  mutable int serial_ = 1000;
};

}  // namespace keel
