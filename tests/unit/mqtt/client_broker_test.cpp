// Client against a real mosquitto broker with mutual TLS and Keel's ACL.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "common/clock.h"
#include "common/random.h"
#include "mqtt/client.h"
#include "mqtt_test_support.h"
#include "test_util/mosquitto_process.h"
#include "test_util/net.h"
#include "test_util/temp_dir.h"

namespace keel::mqtt {
namespace {

using std::chrono::milliseconds;

class ClientBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override { broker_ = StartBroker("127.0.0.1"); }

  std::unique_ptr<MosquittoProcess> StartBroker(const std::string& address) {
    const SharedPki& pki = SharedPki::Get();
    MosquittoOptions options;
    options.dir = dir_.path();
    options.port = FreeLoopbackPort();
    options.bind_address = address;
    options.ca_file = pki.keel.ca_cert();
    options.cert_file = pki.keel.cert("server");
    options.key_file = pki.keel.key("server");
    return std::make_unique<MosquittoProcess>(options);
  }

  void TearDown() override {
    if (HasFailure() && broker_) std::cerr << "broker log:\n" << broker_->Log();
  }

  // A started client with the given certificate name, connected to broker_.
  std::unique_ptr<Client> Connect(const std::string& name,
                                  const std::function<void(Client&)>& configure = {}) {
    auto client =
        std::make_unique<Client>(TestClientOptions(name, broker_->port()), SystemClock(), random_);
    if (configure) configure(*client);
    EXPECT_TRUE(client->Start().ok());
    EXPECT_TRUE(WaitUntil([&] { return client->connected(); }))
        << name << ": " << client->last_error().ToString();
    return client;
  }

  // Subscribes `client` to `filter` and returns once the broker has applied it
  // (a probe published by the same client after the SUBSCRIBE comes back).
  static void SubscribeAndSync(Client& client, const std::string& filter,
                               const std::string& probe_topic, Collector<Message>& inbox) {
    ASSERT_TRUE(client.Subscribe(filter, 1).ok());
    const size_t before = inbox.size();
    ASSERT_TRUE(client.Publish(probe_topic, "probe", 1).ok());
    ASSERT_TRUE(inbox.WaitForSize(before + 1)) << "probe on " << probe_topic << " never arrived";
  }

  TempDir dir_;
  SeededRandom random_{42};
  std::unique_ptr<MosquittoProcess> broker_;
};

TEST_F(ClientBrokerTest, RoundTripPreservesPayloadContentTypeAndUserProperties) {
  Collector<Message> hub_inbox;
  auto hub = Connect(
      "hub", [&](Client& c) { c.on_message([&](const Message& m) { hub_inbox.Push(m); }); });
  SubscribeAndSync(*hub, "keel/v1/+/telemetry", "keel/v1/hub/telemetry", hub_inbox);
  auto dev = Connect("dev1");

  const std::string payload(
      "\x00\x01\xff"
      "cbor",
      7);
  const UserProperties props = {{"schema", "3"}, {"k", "v1"}, {"k", "v2"}};
  ASSERT_TRUE(
      dev->Publish("keel/v1/dev1/telemetry", payload, 1, false, "application/cbor", props).ok());
  ASSERT_TRUE(hub_inbox.WaitForSize(2));

  const Message m = hub_inbox.values()[1];
  EXPECT_EQ(m.topic, "keel/v1/dev1/telemetry");
  EXPECT_EQ(m.payload, payload);
  EXPECT_EQ(m.qos, 1);
  EXPECT_FALSE(m.retain);
  EXPECT_EQ(m.content_type, "application/cbor");
  EXPECT_EQ(m.user_properties, props);

  const Message probe = hub_inbox.values()[0];
  EXPECT_EQ(probe.content_type, "");
  EXPECT_TRUE(probe.user_properties.empty());
}

TEST_F(ClientBrokerTest, QoS1PublishIsAckedWithItsMid) {
  Collector<int> acks;
  auto dev =
      Connect("dev1", [&](Client& c) { c.on_publish_ack([&](int mid) { acks.Push(mid); }); });
  const Result<int> first = dev->Publish("keel/v1/dev1/a", "1", 1);
  const Result<int> second = dev->Publish("keel/v1/dev1/b", "2", 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(*first, *second);
  ASSERT_TRUE(acks.WaitForSize(2));
  EXPECT_EQ(acks.values(), (std::vector<int>{*first, *second}));
}

TEST_F(ClientBrokerTest, PublishIntoAnotherDevicesTopicIsRejected) {
  Collector<int> acks;
  Collector<std::pair<int, int>> rejected;
  auto dev = Connect("dev1", [&](Client& c) {
    c.on_publish_ack([&](int mid) { acks.Push(mid); });
    c.on_publish_rejected([&](int mid, int reason) { rejected.Push({mid, reason}); });
  });
  const Result<int> mid = dev->Publish("keel/v1/dev2/telemetry", "spoof", 1);
  ASSERT_TRUE(mid.ok());
  ASSERT_TRUE(rejected.WaitForSize(1));
  EXPECT_EQ(rejected.values()[0], std::make_pair(*mid, 0x87));
  EXPECT_EQ(acks.size(), 0u);
}

TEST_F(ClientBrokerTest, InvalidTopicIsRejectedLocally) {
  auto dev = Connect("dev1");
  EXPECT_EQ(dev->Publish("keel/v1/dev1/#", "x", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dev->Publish("", "x", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dev->Subscribe("keel/#/x", 0).code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientBrokerTest, CertificateFromAnotherCaNeverConnects) {
  Collector<int> backoffs;
  std::atomic<int> connects{0};
  Client client(TestClientOptions("dev1", broker_->port(), "localhost", /*foreign=*/true),
                SystemClock(), random_);
  client.on_connect([&](bool) { ++connects; });
  client.on_backoff([&](int attempt, int) { backoffs.Push(attempt); });
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(backoffs.WaitForSize(3));
  EXPECT_EQ(connects.load(), 0);
  EXPECT_FALSE(client.connected());
  const Status error = client.last_error();
  EXPECT_EQ(error.code(), StatusCode::kUnauthenticated) << error.ToString();
}

TEST_F(ClientBrokerTest, WrongHostnameFailsVerification) {
  // The server certificate names localhost and 127.0.0.1; serve it on 127.0.0.2.
  TempDir other_dir;
  const SharedPki& pki = SharedPki::Get();
  MosquittoOptions options;
  options.dir = other_dir.path();
  options.port = FreeLoopbackPort();
  options.bind_address = "127.0.0.2";
  options.ca_file = pki.keel.ca_cert();
  options.cert_file = pki.keel.cert("server");
  options.key_file = pki.keel.key("server");
  MosquittoProcess other_broker(options);

  Collector<int> backoffs;
  Client client(TestClientOptions("dev1", options.port, "127.0.0.2"), SystemClock(), random_);
  client.on_backoff([&](int attempt, int) { backoffs.Push(attempt); });
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(backoffs.WaitForSize(2));
  EXPECT_FALSE(client.connected());
  const Status error = client.last_error();
  EXPECT_EQ(error.code(), StatusCode::kUnauthenticated) << error.ToString();
  EXPECT_NE(error.message().find("127.0.0.2"), std::string::npos) << error.ToString();
}

TEST_F(ClientBrokerTest, ReconnectsAfterBrokerRestartAndResubscribesInOnConnect) {
  Collector<Message> inbox;
  Collector<int> disconnects;
  std::atomic<int> connects{0};
  Client* raw = nullptr;
  auto dev = Connect("dev1", [&](Client& c) {
    raw = &c;
    c.on_connect([&](bool session_present) {
      EXPECT_FALSE(session_present);
      EXPECT_TRUE(raw->Subscribe("keel/v1/dev1/cmd/#", 1).ok());
      ++connects;
    });
    c.on_disconnect([&](int reason) { disconnects.Push(reason); });
    c.on_message([&](const Message& m) { inbox.Push(m); });
  });
  ASSERT_TRUE(WaitUntil([&] { return connects.load() == 1; }));
  ASSERT_TRUE(dev->Publish("keel/v1/dev1/cmd/a", "before", 1).ok());
  ASSERT_TRUE(inbox.WaitForSize(1));

  broker_->Kill();
  ASSERT_TRUE(disconnects.WaitForSize(1));
  EXPECT_NE(disconnects.values()[0], 0);
  EXPECT_FALSE(dev->connected());
  EXPECT_EQ(dev->Publish("keel/v1/dev1/cmd/a", "lost", 0).status().code(),
            StatusCode::kUnavailable);

  broker_->Start();
  ASSERT_TRUE(WaitUntil([&] { return connects.load() == 2; })) << dev->last_error().ToString();
  ASSERT_TRUE(dev->Publish("keel/v1/dev1/cmd/b", "after", 1).ok());
  ASSERT_TRUE(inbox.WaitForSize(2));
  EXPECT_EQ(inbox.values()[1].payload, "after");
  EXPECT_TRUE(dev->last_error().ok());
}

TEST_F(ClientBrokerTest, StopDisconnectsCleanly) {
  Collector<int> disconnects;
  auto dev =
      Connect("dev1", [&](Client& c) { c.on_disconnect([&](int r) { disconnects.Push(r); }); });
  const auto before = std::chrono::steady_clock::now();
  dev->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(1000));
  EXPECT_FALSE(dev->connected());
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_EQ(disconnects.values()[0], 0);
}

}  // namespace
}  // namespace keel::mqtt

namespace keel::mqtt {
namespace {

class ClientWillTest : public ClientBrokerTest {
 protected:
  // Connects dev1 with a retained will on keel/v1/dev1/state, stops it
  // cleanly, and returns what the hub saw on that topic.
  std::vector<Message> StopWithWill(bool on_clean_disconnect) {
    Collector<Message> inbox;
    auto hub =
        Connect("hub", [&](Client& c) { c.on_message([&](const Message& m) { inbox.Push(m); }); });
    EXPECT_TRUE(hub->Subscribe("keel/v1/dev1/state", 1).ok());
    ClientOptions options = TestClientOptions("dev1", broker_->port());
    options.will = Will{"keel/v1/dev1/state", "offline", 1, false, on_clean_disconnect};
    Client dev(options, SystemClock(), random_);
    EXPECT_TRUE(dev.Start().ok());
    EXPECT_TRUE(WaitUntil([&] { return dev.connected(); }));
    EXPECT_TRUE(dev.Publish("keel/v1/dev1/state", "online", 1).ok());
    EXPECT_TRUE(inbox.WaitForSize(1));
    dev.Stop();
    inbox.WaitForSize(2, milliseconds(1500));
    return inbox.values();
  }
};

TEST_F(ClientWillTest, WillIsPublishedOnCleanStopWhenAskedFor) {
  const auto seen = StopWithWill(true);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].payload, "offline");
}

TEST_F(ClientWillTest, NormalCleanStopSuppressesTheWill) {
  const auto seen = StopWithWill(false);
  EXPECT_EQ(seen.size(), 1u);
}

}  // namespace
}  // namespace keel::mqtt
