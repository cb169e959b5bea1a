#include "hub/attest/nonce_book.h"

#include <gtest/gtest.h>

#include <set>

namespace keel::hub::attest {
namespace {

TEST(NonceBookTest, ANonceIsSpentOnceByItsDeviceBeforeItExpires) {
  FakeClock clock;
  NonceBook book(clock);
  const auto a = book.Issue("pump-1");
  EXPECT_EQ(a.nonce.size(), 64u);
  EXPECT_EQ(a.expires_ms, clock.NowMs() + 60'000);
  EXPECT_EQ(book.Consume("pump-2", a.nonce).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(book.Consume("pump-1", a.nonce).ok());
  EXPECT_EQ(book.Consume("pump-1", a.nonce).code(), StatusCode::kInvalidArgument);  // replay

  const auto b = book.Issue("pump-1");
  clock.AdvanceMs(59'999);
  const auto c = book.Issue("pump-1");
  clock.AdvanceMs(1);
  EXPECT_EQ(book.Consume("pump-1", b.nonce).code(), StatusCode::kInvalidArgument);  // expired
  EXPECT_TRUE(book.Consume("pump-1", c.nonce).ok());
  EXPECT_EQ(book.Consume("pump-1", std::string(64, '0')).code(), StatusCode::kInvalidArgument);
}

TEST(NonceBookTest, NoncesAreFreshAndBounded) {
  FakeClock clock;
  NonceBook book(clock, {60'000, 2, 3});
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.insert(book.Issue("x").nonce).second);
  const auto first = book.Issue("pump-1");
  const auto second = book.Issue("pump-1");
  const auto third = book.Issue("pump-1");  // pump-1 keeps two: the first is dropped
  EXPECT_EQ(book.Consume("pump-1", first.nonce).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(book.Consume("pump-1", third.nonce).ok());
  const auto other = book.Issue("pump-2");
  book.Issue("pump-3");
  book.Issue("pump-4");  // three in all: the oldest (second) goes
  EXPECT_EQ(book.Consume("pump-1", second.nonce).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(book.Consume("pump-2", other.nonce).ok());
}

}  // namespace
}  // namespace keel::hub::attest
