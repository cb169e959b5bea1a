#include "edge/plant/faults.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edge/plant/event_list.h"
#include "edge/plant/motor_params.h"

namespace keel::edge::plant {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const std::vector<std::string> kSignals = {"temperature_bearing", "pressure", "flow"};

std::string FaultError(std::string_view text) {
  auto r = ParseFaults(text, kSignals);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.status().message();
}

TEST(FaultsTest, ParsesTheDocumentedExample) {
  auto r =
      ParseFaults("bearing_wear@600s:growth=0.002;stuck@300s:signal=temperature_bearing", kSignals);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_EQ(r.value()[0], (Fault{FaultKind::kBearingWear, 600'000, kForever, 0.002, ""}));
  EXPECT_EQ(r.value()[1], (Fault{FaultKind::kStuck, 300'000, kForever, 0, "temperature_bearing"}));
}

TEST(FaultsTest, DefaultsDurationsAndBlanks) {
  auto r = ParseFaults(
      " imbalance @ 1.5m ; cavitation@250ms : severity = 1 , for=2s;"
      "drift@1h:signal=flow,rate=-0.5;noisy@0s:signal=pressure,stddev=0.2;overheat@0ms",
      kSignals);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& f = r.value();
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], (Fault{FaultKind::kImbalance, 90'000, kForever, 4.0, ""}));
  EXPECT_EQ(f[1], (Fault{FaultKind::kCavitation, 250, 2250, 1.0, ""}));
  EXPECT_EQ(f[2], (Fault{FaultKind::kDrift, 3'600'000, kForever, -0.5, "flow"}));
  EXPECT_EQ(f[3], (Fault{FaultKind::kNoisy, 0, kForever, 0.2, "pressure"}));
  EXPECT_EQ(f[4], (Fault{FaultKind::kOverheat, 0, kForever, 30.0, ""}));
  EXPECT_TRUE(f[1].ActiveAt(250));
  EXPECT_FALSE(f[1].ActiveAt(2250));
  EXPECT_TRUE(ParseFaults("", kSignals).value().empty());
  EXPECT_TRUE(ParseFaults("  ", kSignals).value().empty());
}

TEST(FaultsTest, ErrorsNameThePositionAndTheProblem) {
  EXPECT_THAT(FaultError("bearing_wear@600"),
              AllOf(HasSubstr("faults: offset 13"), HasSubstr("unit (ms, s, m, h)")));
  EXPECT_THAT(FaultError("bearing@1s"),
              AllOf(HasSubstr("offset 0"), HasSubstr("unknown fault \"bearing\"")));
  EXPECT_THAT(FaultError("imbalance@1s;stuck@2s"),
              AllOf(HasSubstr("offset 13"), HasSubstr("missing parameter \"signal\"")));
  EXPECT_THAT(FaultError("stuck@1s:signal=nope"),
              AllOf(HasSubstr("offset 9"), HasSubstr("unknown signal \"nope\"")));
  EXPECT_THAT(FaultError("imbalance@1s:factor=0.5"),
              AllOf(HasSubstr("offset 13"), HasSubstr("between 1 and 1000, got 0.5")));
  EXPECT_THAT(FaultError("imbalance@1s:factr=2"),
              AllOf(HasSubstr("offset 13"), HasSubstr("unknown parameter \"factr\"")));
  EXPECT_THAT(FaultError("imbalance@1s;"),
              AllOf(HasSubstr("offset 13"), HasSubstr("expected a name")));
  EXPECT_THAT(FaultError("imbalance@1s:factor=2 x"),
              AllOf(HasSubstr("offset 22"), HasSubstr("expected ';'")));
  EXPECT_THAT(FaultError("imbalance 1s"), AllOf(HasSubstr("offset 10"), HasSubstr("expected '@'")));
  EXPECT_THAT(FaultError("imbalance@1s:factor=abc"), HasSubstr("not a finite number"));
  EXPECT_THAT(FaultError("imbalance@1s:factor="), HasSubstr("expected a value"));
  EXPECT_THAT(FaultError("imbalance@-1s"), HasSubstr("expected a number"));
  EXPECT_THAT(FaultError("drift@1s:signal=flow"), HasSubstr("missing parameter \"rate\""));
  EXPECT_THAT(FaultError("bearing_wear@1s:for=5s"), HasSubstr("unknown parameter \"for\""));
  EXPECT_THAT(FaultError("cavitation@1s:for=5"), HasSubstr("for: \"5\" is not a time"));
  EXPECT_THAT(FaultError("Stuck@1s"), HasSubstr("expected a name"));
}

TEST(ScheduleTest, ParsesOnOffAndRejectsMisorderedOrUnknownEvents) {
  auto r = ParseSchedule("on@0s;off@10m;on@12.5m");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value(), (std::vector<ScheduleEvent>{{0, true}, {600'000, false}, {750'000, true}}));
  EXPECT_THAT(ParseSchedule("on@5s;off@5s").status().message(), HasSubstr("strictly increasing"));
  EXPECT_THAT(ParseSchedule("start@0s").status().message(),
              AllOf(HasSubstr("schedule: offset 0"), HasSubstr("unknown event \"start\"")));
  EXPECT_THAT(ParseSchedule("on@0s:x=1").status().message(), HasSubstr("takes no parameters"));
}

TEST(DurationTest, UnitsAndRejects) {
  EXPECT_EQ(ParseDurationMs("250ms").value(), 250);
  EXPECT_EQ(ParseDurationMs("2h").value(), 7'200'000);
  EXPECT_EQ(ParseDurationMs("0.0015s").value(), 2);
  EXPECT_FALSE(ParseDurationMs("1e3s").ok());
  EXPECT_FALSE(ParseDurationMs("1..2s").ok());
  EXPECT_FALSE(ParseDurationMs("s").ok());
  EXPECT_FALSE(ParseDurationMs("1d").ok());
  EXPECT_FALSE(ParseDurationMs("99999999999999h").ok());
}

TEST(MotorOptionsTest, ParsesNumbersScheduleAndFaults) {
  auto r = ParseMotorOptions({{"rpm", "2950"},
                              {"balls", "8"},
                              {"contact_angle_deg", "15"},
                              {"schedule", "on@1s;off@1h"},
                              {"faults", "noisy@1s:signal=flow,stddev=1"}},
                             kSignals);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().rpm, 2950);
  EXPECT_EQ(r.value().bearing.balls, 8);
  EXPECT_EQ(r.value().schedule.size(), 2u);
  EXPECT_EQ(r.value().faults.size(), 1u);
  EXPECT_EQ(ParseMotorOptions({}, kSignals).value().schedule,
            (std::vector<ScheduleEvent>{{0, true}}));
}

TEST(MotorOptionsTest, RejectsBadOptions) {
  auto error = [](std::map<std::string, std::string> options) {
    auto r = ParseMotorOptions(options, kSignals);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  };
  EXPECT_EQ(error({{"rpm", "5"}}), "option \"rpm\": must be between 60 and 12000, got 5");
  EXPECT_THAT(error({{"rpm", "fast"}}), HasSubstr("not a finite number"));
  EXPECT_THAT(error({{"rpm", "nan"}}), HasSubstr("not a finite number"));
  EXPECT_EQ(error({{"colour", "red"}}), "unknown option \"colour\"");
  EXPECT_THAT(error({{"balls", "8.5"}}), HasSubstr("must be an integer"));
  EXPECT_THAT(error({{"ball_diameter_mm", "40"}}), HasSubstr("less than pitch_diameter_mm"));
  EXPECT_THAT(error({{"faults", "stuck@1s:signal=vibration"}}), HasSubstr("unknown signal"));
  EXPECT_THAT(error({{"schedule", "on@1"}}), HasSubstr("schedule: offset 3"));
}

TEST(BearingTest, DefectOrdersFollowTheStandardFormulas) {
  const DefectOrders d = BearingDefectOrders({});
  EXPECT_NEAR(d.bpfo, 4.5 * (1 - 7.94 / 39.04), 1e-12);
  EXPECT_NEAR(d.bpfi, 4.5 * (1 + 7.94 / 39.04), 1e-12);
  const DefectOrders angled = BearingDefectOrders({8, 10, 40, 60});
  EXPECT_NEAR(angled.bpfo, 4 * (1 - 0.25 * 0.5), 1e-12);
  EXPECT_NEAR(angled.bpfi, 4 * (1 + 0.25 * 0.5), 1e-12);
}

}  // namespace
}  // namespace keel::edge::plant
