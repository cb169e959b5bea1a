#include "wire/reject_reason.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace keel::wire {
namespace {

TEST(RejectReasonTest, NamesAreStableSnakeCaseAndUnique) {
  EXPECT_EQ(RejectReasonName(RejectReason::kNonFinite), "non_finite");
  EXPECT_EQ(RejectReasonName(RejectReason::kBadTopic), "bad_topic");
  EXPECT_EQ(RejectReasonName(RejectReason::kUnsupportedContentType), "unsupported_content_type");
  EXPECT_EQ(RejectReasonName(RejectReason::kTooManyPoints), "too_many_points");
  EXPECT_EQ(RejectReasonName(RejectReason::kDuplicateKey), "duplicate_key");
  EXPECT_EQ(RejectReasonName(RejectReason::kTooManyEvents), "too_many_events");
  EXPECT_EQ(RejectReasonName(RejectReason::kBadEventType), "bad_event_type");
  std::set<std::string> seen;
  for (RejectReason r : kAllRejectReasons) {
    std::string name(RejectReasonName(r));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(seen.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(RejectReason::kBadEventType) + 1);
}

}  // namespace
}  // namespace keel::wire
