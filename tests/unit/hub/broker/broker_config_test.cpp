#include "hub/broker/broker_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "test_util/temp_dir.h"

namespace keel::hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

BrokerConfig ConfigIn(const std::filesystem::path& dir) {
  BrokerConfig config;
  config.port = 18883;
  config.dir = dir / "broker";
  config.ca_file = dir / "ca.crt";
  config.cert_file = dir / "server.crt";
  config.key_file = dir / "server.key";
  config.crl_file = dir / "crl.pem";
  config.revoked_ids_file = dir / "revoked";
  config.run_as_user = "keel";
  return config;
}

TEST(BrokerConfigTest, RendersOnlyOneTlsListenerWithClientCertificates) {
  TempDir tmp;
  const auto conf = RenderMosquittoConfig(ConfigIn(tmp.path()));
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  const std::string& text = *conf;
  EXPECT_THAT(text, HasSubstr("\nlistener 18883 127.0.0.1\n"));
  EXPECT_EQ(text.find("listener "), text.rfind("listener "));  // exactly one listener
  EXPECT_THAT(text, Not(HasSubstr("\nport ")));
  EXPECT_THAT(text, HasSubstr("cafile " + (tmp.path() / "ca.crt").string() + "\n"));
  EXPECT_THAT(text, HasSubstr("certfile " + (tmp.path() / "server.crt").string() + "\n"));
  EXPECT_THAT(text, HasSubstr("keyfile " + (tmp.path() / "server.key").string() + "\n"));
  EXPECT_THAT(text, HasSubstr("\ntls_version tlsv1.2\n"));
  EXPECT_THAT(text, HasSubstr("\nrequire_certificate true\n"));
  EXPECT_THAT(text, HasSubstr("\nuse_identity_as_username true\n"));
  EXPECT_THAT(text, HasSubstr("\nallow_anonymous false\n"));
  EXPECT_THAT(text, HasSubstr("\nper_listener_settings false\n"));
  EXPECT_THAT(text, HasSubstr("\nuser keel\n"));
  EXPECT_THAT(text, HasSubstr("\nacl_file " + (tmp.path() / "broker" / "acl").string() + "\n"));
  EXPECT_THAT(text, HasSubstr("\npersistence true\n"));
  EXPECT_THAT(text, HasSubstr("\nmax_packet_size 2097152\n"));
  EXPECT_THAT(text, HasSubstr("\nmax_queued_messages 100000\n"));
  EXPECT_THAT(text, Not(HasSubstr("crlfile")));  // the CRL does not exist yet
  EXPECT_THAT(text, Not(HasSubstr("plugin")));
}

TEST(BrokerConfigTest, UsesCrlOnlyOnceItExistsAndPluginOnlyWhenSet) {
  TempDir tmp;
  BrokerConfig config = ConfigIn(tmp.path());
  ASSERT_TRUE(WriteFileAtomic(config.crl_file, "crl").ok());
  config.plugin_path = tmp.path() / "libkeel_mosquitto_plugin.so";
  const auto conf = RenderMosquittoConfig(config);
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_THAT(*conf, HasSubstr("\ncrlfile " + config.crl_file.string() + "\n"));
  EXPECT_THAT(*conf, HasSubstr("\nplugin " + config.plugin_path.string() + "\n"));
  EXPECT_THAT(*conf,
              HasSubstr("\nplugin_opt_revoked_file " + config.revoked_ids_file.string() + "\n"));
}

TEST(BrokerConfigTest, EmptyUserMeansTheCurrentUser) {
  TempDir tmp;
  BrokerConfig config = ConfigIn(tmp.path());
  config.run_as_user.clear();
  const auto conf = RenderMosquittoConfig(config);
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_THAT(*conf, HasSubstr("\nuser "));
  EXPECT_THAT(*conf, Not(HasSubstr("\nuser \n")));
}

TEST(BrokerConfigTest, AclConfinesDevicesToTheirOwnTopics) {
  const std::string acl = RenderMosquittoAcl();
  EXPECT_THAT(acl, HasSubstr("\npattern write keel/v1/%u/telemetry\n"));
  EXPECT_THAT(acl, HasSubstr("\npattern write keel/v1/%u/events\n"));
  EXPECT_THAT(acl, HasSubstr("\npattern write keel/v1/%u/state\n"));
  EXPECT_THAT(acl, HasSubstr("\npattern read keel/v1/%u/cmd/#\n"));
  EXPECT_THAT(acl, HasSubstr("\nuser hub:keel\ntopic readwrite keel/v1/#\n"));
  EXPECT_THAT(acl, Not(HasSubstr("readwrite keel/v1/%u")));
  // The hub identity can never be a device id.
  EXPECT_NE(kHubClientIdentity.find(':'), std::string_view::npos);
}

TEST(BrokerConfigTest, RejectsValuesMosquittoCannotParse) {
  TempDir tmp;
  BrokerConfig config = ConfigIn(tmp.path());
  config.port = 0;
  EXPECT_EQ(RenderMosquittoConfig(config).status().code(), StatusCode::kInvalidArgument);
  config.port = 70000;
  EXPECT_EQ(RenderMosquittoConfig(config).status().code(), StatusCode::kInvalidArgument);
  config = ConfigIn(tmp.path());
  config.cert_file = tmp.path() / "my cert.pem";
  const auto spaced = RenderMosquittoConfig(config);
  EXPECT_EQ(spaced.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(spaced.status().message(), HasSubstr("cert_file"));
  config = ConfigIn(tmp.path());
  config.bind_address = "127.0.0.1\nlistener 1883";
  EXPECT_EQ(RenderMosquittoConfig(config).status().code(), StatusCode::kInvalidArgument);
  config = ConfigIn(tmp.path());
  config.dir = "relative/dir";
  EXPECT_EQ(RenderMosquittoConfig(config).status().code(), StatusCode::kInvalidArgument);
  config = ConfigIn(tmp.path());
  config.plugin_path = tmp.path() / "plugin.so";
  config.revoked_ids_file.clear();
  EXPECT_EQ(RenderMosquittoConfig(config).status().code(), StatusCode::kInvalidArgument);
}

TEST(BrokerConfigTest, WritesConfigAndAclPrivately) {
  TempDir tmp;
  const BrokerConfig config = ConfigIn(tmp.path());
  ASSERT_TRUE(WriteMosquittoConfig(config).ok());
  const auto conf = ReadFile(BrokerConfigPath(config));
  ASSERT_TRUE(conf.ok());
  EXPECT_EQ(*conf, *RenderMosquittoConfig(config));
  const auto acl = ReadFile(BrokerAclPath(config));
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(*acl, RenderMosquittoAcl());
  EXPECT_EQ(std::filesystem::status(config.dir).permissions(), std::filesystem::perms(0700));
}

}  // namespace
}  // namespace keel::hub
