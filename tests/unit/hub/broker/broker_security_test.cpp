// Behaviour of the real mosquitto broker run by BrokerSupervisor with the
// rendered config, ACL and the keel plugin: who may publish and subscribe
// where, identity stamping, foreign CAs and revocation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker_test_env.h"
#include "common/clock.h"
#include "hub/broker/broker_supervisor.h"

namespace keel::hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class BrokerSecurityTest : public ::testing::Test {
 protected:
  void StartBroker() {
    broker_ = std::make_unique<BrokerSupervisor>(env_.config(), SystemClock());
    const Status started = broker_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // Creates (or resumes) a persistent QoS 1 session of `name` subscribed to
  // `topics`, returns mosquitto_sub's output.
  std::string Subscribe(const std::string& name, const std::string& client_id,
                        const std::string& topics) {
    std::string out;
    RunCommand(
        "mosquitto_sub" + env_.ClientArgs(name) + "-d -i " + client_id + " -c -q 1 -E " + topics,
        &out);
    return out;
  }

  // Resumes the session and prints up to `count` queued messages as
  // "topic|user properties|payload".
  std::string Drain(const std::string& name, const std::string& client_id,
                    const std::string& topics, int count) {
    std::string out;
    RunCommand("mosquitto_sub" + env_.ClientArgs(name) + "-i " + client_id + " -c -q 1 -C " +
                   std::to_string(count) + " -W 3 -F '%t|%P|%p' " + topics,
               &out);
    return out;
  }

  BrokerTestEnv env_;
  std::unique_ptr<BrokerSupervisor> broker_;
};

TEST_F(BrokerSecurityTest, DevicePublishesOnlyToItsOwnTopicsAndIsStamped) {
  StartBroker();
  const std::string hub_topics = "-t 'keel/v1/#'";
  EXPECT_THAT(Subscribe("hub", "hub-ingest", hub_topics), HasSubstr("Subscribed (mid: 1): 1"));

  std::string out;
  EXPECT_EQ(env_.Publish("dev1", "keel/v1/dev1/telemetry", "t1"), 0);
  env_.Publish("dev1", "keel/v1/dev2/telemetry", "forged", "-d", &out);
  EXPECT_THAT(out, HasSubstr("RC:135"));  // MQTT 5: not authorized
  env_.Publish("dev1", "keel/v1/dev1/telemetry", "spoofed",
               "-d -D publish user-property keel-identity dev2", &out);
  EXPECT_THAT(out, HasSubstr("RC:135"));
  env_.Publish("dev1", "keel/v1/dev1/cmd/x", "wrong-direction", "-d", &out);
  EXPECT_THAT(out, HasSubstr("RC:135"));
  EXPECT_EQ(env_.Publish("dev2", "keel/v1/dev2/events", "marker"), 0);

  // Only the two legitimate messages were queued for the hub, in order.
  EXPECT_EQ(Drain("hub", "hub-ingest", hub_topics, 2),
            "keel/v1/dev1/telemetry|keel-identity:dev1|t1\n"
            "keel/v1/dev2/events|keel-identity:dev2|marker\n");
}

TEST_F(BrokerSecurityTest, DeviceReceivesOnlyItsOwnCommands) {
  StartBroker();
  const std::string topics = "-t 'keel/v1/dev1/cmd/#' -t 'keel/v1/dev2/cmd/#' -t 'keel/v1/#'";
  EXPECT_THAT(Subscribe("dev1", "dev1-cmds", topics),
              HasSubstr("Subscribed (mid: 1): 1, 135, 135"));
  EXPECT_EQ(env_.Publish("hub", "keel/v1/dev2/cmd/reboot", "not-yours"), 0);
  EXPECT_EQ(env_.Publish("hub", "keel/v1/dev2/telemetry", "not-yours"), 0);
  EXPECT_EQ(env_.Publish("hub", "keel/v1/dev1/cmd/reboot", "yours"), 0);
  EXPECT_EQ(Drain("dev1", "dev1-cmds", topics, 1),
            "keel/v1/dev1/cmd/reboot|keel-identity:hub:keel|yours\n");
}

TEST_F(BrokerSecurityTest, ClientOfAForeignCaFailsTheHandshake) {
  StartBroker();
  std::string out;
  EXPECT_NE(RunCommand("mosquitto_pub" + env_.ClientArgs("dev1", /*foreign=*/true) +
                           "-q 1 -t keel/v1/dev1/telemetry -m x",
                       &out),
            0);
  EXPECT_THAT(*ReadFile(BrokerLogPath(env_.config())), HasSubstr("certificate verify failed"));
  EXPECT_THAT(*ReadFile(BrokerLogPath(env_.config())), Not(HasSubstr("u'dev1'")));
}

TEST_F(BrokerSecurityTest, RevokedDeviceIsDisconnectedAndRefused) {
  StartBroker();  // no CRL yet
  BackgroundCommand live("stdbuf -oL mosquitto_sub" + env_.ClientArgs("dev1") +
                         "-d -i dev1-live -q 1 -t 'keel/v1/dev1/cmd/#'");
  ASSERT_TRUE(live.WaitFor("SUBACK", 5000)) << live.output();

  // The plugin closes the open session (administrative action, 0x98 = 152).
  ASSERT_TRUE(WriteFileAtomic(env_.config().revoked_ids_file, "# revoked\ndev1\n").ok());
  EXPECT_TRUE(live.WaitFor("Received DISCONNECT (152)", 4000)) << live.output();
  // Until the CRL lands, a reconnecting dev1 gets nothing through.
  std::string out;
  env_.Publish("dev1", "keel/v1/dev1/telemetry", "x", "-d", &out);
  EXPECT_THAT(out, HasSubstr("RC:135"));

  // The CRL appears after Start: Reload restarts the broker with it.
  const int pid = broker_->pid();
  ASSERT_TRUE(env_.RevokeCertificate("dev1"));
  ASSERT_TRUE(env_.WriteCrl());
  ASSERT_TRUE(broker_->Reload().ok());
  EXPECT_NE(broker_->pid(), pid);
  EXPECT_EQ(broker_->restarts(), 0u);
  EXPECT_NE(env_.Publish("dev1", "keel/v1/dev1/telemetry", "x"), 0);
  EXPECT_EQ(env_.Publish("dev2", "keel/v1/dev2/telemetry", "x", "", &out), 0) << out;

  // A later revocation is a SIGHUP: same process, the new CRL applies.
  const int same_pid = broker_->pid();
  ASSERT_TRUE(env_.RevokeCertificate("dev2"));
  ASSERT_TRUE(env_.WriteCrl());
  ASSERT_TRUE(broker_->Reload().ok());
  EXPECT_EQ(broker_->pid(), same_pid);
  bool refused = false;
  for (int i = 0; i < 20 && !refused; ++i) {  // SIGHUP is handled asynchronously
    refused = env_.Publish("dev2", "keel/v1/dev2/telemetry", "x") != 0;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace keel::hub
