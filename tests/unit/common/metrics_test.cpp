#include "common/metrics.h"

#include <gtest/gtest.h>

namespace keel {
namespace {

TEST(MetricsTest, RendersCountersWithLabelsAndGauges) {
  MetricsRegistry registry;
  registry.GetCounter("keel_rejected_total", "Rejected messages", {{"reason", "non_finite"}})
      .Increment(3);
  registry.GetCounter("keel_rejected_total", "Rejected messages", {{"reason", "malformed"}})
      .Increment();
  registry.GetGauge("keel_outbox_depth", "Outbox depth").Set(12);
  registry.AddCallbackGauge("keel_connected_devices", "Connected", [] { return 7.0; });
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE keel_rejected_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("keel_rejected_total{reason=\"non_finite\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("keel_rejected_total{reason=\"malformed\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("keel_outbox_depth 12\n"), std::string::npos);
  EXPECT_NE(text.find("keel_connected_devices 7\n"), std::string::npos);
}

TEST(MetricsTest, SameNameAndLabelsIsTheSameCounter) {
  MetricsRegistry registry;
  Counter& a = registry.GetCounter("x_total", "x", {{"k", "v"}});
  Counter& b = registry.GetCounter("x_total", "x", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
}

TEST(MetricsTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.GetCounter("y_total", "y", {{"device", "a\"b\\c"}}).Increment();
  EXPECT_NE(registry.RenderPrometheus().find("y_total{device=\"a\\\"b\\\\c\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace keel
