#include "edge/rules/modbus_action.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "test_util/net.h"
#include "unit/edge/rules/modbus_test_server.h"

namespace keel::edge::rules {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

RuleEvent Event(RuleEvent::Transition transition, int64_t at_ms = 1000) {
  return RuleEvent{"hot", transition, at_ms, 91.5, "running", Severity::kCritical};
}
const RuleEvent kRaise = Event(RuleEvent::Transition::kRaised);
const RuleEvent kClear = Event(RuleEvent::Transition::kCleared);

ModbusWriteSpec Spec(int port, ModbusTarget kind = ModbusTarget::kHoldingRegister) {
  ModbusWriteSpec spec;
  spec.name = "valve";
  spec.host = "127.0.0.1";
  spec.port = port;
  spec.kind = kind;
  spec.address = 40;
  spec.on_raise = 1234;
  spec.on_clear = 7;
  spec.timeout_ms = 300;
  spec.retries = 1;
  return spec;
}

int64_t MsSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// A socket that listens on 127.0.0.1:port but never accepts or answers.
class SilentListener {
 public:
  explicit SilentListener(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ok_ =
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd_, 8) == 0;
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  bool ok() const { return ok_; }

 private:
  int fd_;
  bool ok_ = false;
};

TEST(ModbusWriteActionTest, RaiseWritesValueAndClearWritesClearValue) {
  const int port = FreeLoopbackPort();
  ModbusTestServer server(port);
  ASSERT_TRUE(server.Start());
  ModbusWriteAction action(Spec(port));
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(server.reg(40), 1234);
  action.Submit(kClear);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(server.reg(40), 7);

  auto results = action.TakeResults();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].status.ok()) << results[0].status.ToString();
  EXPECT_EQ(results[0].value, 1234);
  EXPECT_EQ(results[0].attempts, 1);
  EXPECT_EQ(results[1].value, 7);
  EXPECT_EQ(results[1].event.transition, RuleEvent::Transition::kCleared);
  const ActionStats s = action.stats();
  EXPECT_EQ(s.submitted, 2u);
  EXPECT_EQ(s.succeeded, 2u);
  EXPECT_EQ(s.failed, 0u);
}

TEST(ModbusWriteActionTest, WritesCoilsAndSkipsClearWithoutClearValue) {
  const int port = FreeLoopbackPort();
  ModbusTestServer server(port);
  ASSERT_TRUE(server.Start());
  ModbusWriteSpec spec = Spec(port, ModbusTarget::kCoil);
  spec.address = 3;
  spec.on_raise = 1;
  spec.on_clear.reset();
  ModbusWriteAction action(spec);
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(server.coil(3), 1);
  action.Submit(kClear);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(server.coil(3), 1);
  EXPECT_EQ(server.requests(), 1);
  const ActionStats s = action.stats();
  EXPECT_EQ(s.submitted, 2u);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(s.succeeded, 1u);
  EXPECT_EQ(action.TakeResults().size(), 1u);
}

TEST(ModbusWriteActionTest, ServerDownIsACountedFailureNamingHostPortAndAddress) {
  const int port = FreeLoopbackPort();  // nothing listens there
  ModbusWriteAction action(Spec(port));
  const auto start = Clock::now();
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_LT(MsSince(start), 1000);
  auto results = action.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(results[0].status.message(),
              HasSubstr("modbus_write \"valve\": holding register 40 := 1234 at 127.0.0.1:" +
                        std::to_string(port) + " unit 1: connect:"));
  EXPECT_EQ(results[0].attempts, 2);  // 1 + retries
  EXPECT_EQ(action.stats().failed, 1u);
  EXPECT_EQ(action.stats().succeeded, 0u);
}

TEST(ModbusWriteActionTest, SilentServerTimesOutWithinTheBound) {
  const int port = FreeLoopbackPort();
  SilentListener listener(port);
  ASSERT_TRUE(listener.ok());
  ModbusWriteSpec spec = Spec(port);
  spec.timeout_ms = 150;
  spec.retries = 1;
  ModbusWriteAction action(spec);
  const auto start = Clock::now();
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  const int64_t elapsed = MsSince(start);
  EXPECT_GE(elapsed, 2 * 150 - 20);       // both attempts waited for the reply
  EXPECT_LT(elapsed, 2 * 2 * 150 + 500);  // (1 + retries) * (connect + reply) + slack
  auto results = action.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(results[0].status.message(), HasSubstr("timed out"));
  EXPECT_EQ(action.stats().failed, 1u);
}

TEST(ModbusWriteActionTest, RecoversWhenTheServerComesBack) {
  const int port = FreeLoopbackPort();
  ModbusWriteSpec spec = Spec(port);
  spec.retries = 0;
  ModbusWriteAction action(spec);
  auto server = std::make_unique<ModbusTestServer>(port);
  ASSERT_TRUE(server->Start());
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(server->reg(40), 1234);

  server.reset();  // the device goes away, with the action's connection
  action.Submit(kClear);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(action.stats().failed, 1u);

  server = std::make_unique<ModbusTestServer>(port);
  ASSERT_TRUE(server->Start());
  action.Submit(kClear);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(server->reg(40), 7);
  const ActionStats s = action.stats();
  EXPECT_EQ(s.succeeded, 2u);
  EXPECT_EQ(s.failed, 1u);
  auto results = action.TakeResults();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[1].status.ok());
  EXPECT_TRUE(results[2].status.ok()) << results[2].status.ToString();
}

TEST(ModbusWriteActionTest, ExceptionReplyFailsWithoutRetrying) {
  const int port = FreeLoopbackPort();
  ModbusTestServer server(port);
  ASSERT_TRUE(server.Start());
  ModbusWriteSpec spec = Spec(port);
  spec.address = ModbusTestServer::kSize + 100;
  spec.retries = 3;
  ModbusWriteAction action(spec);
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  auto results = action.TakeResults();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(results[0].status.message(), HasSubstr("holding register 164"));
  EXPECT_THAT(results[0].status.message(), HasSubstr("device refused: Illegal data address"));
  EXPECT_EQ(results[0].attempts, 1);
  EXPECT_EQ(server.requests(), 1);
}

TEST(ModbusWriteActionTest, SubmitNeverWaitsForAWriteAndDropsWhenFull) {
  const int port = FreeLoopbackPort();
  SilentListener listener(port);
  ASSERT_TRUE(listener.ok());
  ModbusWriteSpec spec = Spec(port);
  spec.timeout_ms = 300;
  spec.retries = 0;
  ModbusWriteAction action(spec, ActionQueueOptions{.queue_capacity = 1});
  action.Submit(kRaise);
  ASSERT_FALSE(action.WaitIdle(50));  // the worker waits for the silent server
  const auto start = Clock::now();
  for (int i = 0; i < 3; ++i) action.Submit(kClear);
  EXPECT_LT(MsSince(start), 50);
  const ActionStats s = action.stats();
  EXPECT_EQ(s.submitted, 4u);
  EXPECT_EQ(s.dropped, 2u);
}

TEST(ModbusWriteActionTest, InvalidSpecIsRejectedAndItsWritesFail) {
  ModbusWriteSpec spec = Spec(502);
  EXPECT_TRUE(ValidateModbusWriteSpec(spec).ok());
  const std::pair<void (*)(ModbusWriteSpec*), const char*> cases[] = {
      {[](ModbusWriteSpec* s) { s->host = "plc.local"; }, "host \"plc.local\" is not an IPv4"},
      {[](ModbusWriteSpec* s) { s->port = 0; }, "port 0"},
      {[](ModbusWriteSpec* s) { s->unit_id = 250; }, "unit_id 250"},
      {[](ModbusWriteSpec* s) { s->address = 65536; }, "address 65536"},
      {[](ModbusWriteSpec* s) { s->kind = ModbusTarget::kCoil; }, "value 1234 for a coil"},
      {[](ModbusWriteSpec* s) { s->on_clear = 70000; }, "value 70000 for a holding register"},
      {[](ModbusWriteSpec* s) { s->timeout_ms = 0; }, "timeout_ms 0"},
      {[](ModbusWriteSpec* s) { s->retries = 11; }, "retries 11"},
  };
  for (const auto& [mutate, want] : cases) {
    ModbusWriteSpec bad = spec;
    mutate(&bad);
    Status status = ValidateModbusWriteSpec(bad);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << want;
    EXPECT_THAT(status.message(), HasSubstr(std::string("modbus_write \"valve\": ") + want));
  }
  spec.host = "not-an-ip";
  ModbusWriteAction action(spec);
  action.Submit(kRaise);
  ASSERT_TRUE(action.WaitIdle(5000));
  EXPECT_EQ(action.stats().failed, 1u);
  EXPECT_THAT(action.TakeResults()[0].status.message(), HasSubstr("not an IPv4 address"));
}

}  // namespace
}  // namespace keel::edge::rules
