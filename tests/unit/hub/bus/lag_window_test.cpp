#include "hub/bus/lag_window.h"

#include <gtest/gtest.h>

namespace keel::hub::bus {
namespace {

TEST(LagWindowTest, MaxOverTheLastNEvents) {
  LagWindow w(3);
  EXPECT_EQ(w.Add(5), 5);
  EXPECT_EQ(w.Add(2), 5);
  EXPECT_EQ(w.Add(1), 5);
  EXPECT_EQ(w.Add(0), 2);  // 5 fell out of the window
  EXPECT_EQ(w.Add(0), 1);
  EXPECT_EQ(w.Add(0), 0);
  EXPECT_EQ(w.Add(9), 9);
  EXPECT_EQ(w.Add(3), 9);
}

TEST(LagWindowTest, WindowOfOneIsTheLastLag) {
  LagWindow w(1);
  EXPECT_EQ(w.Add(7), 7);
  EXPECT_EQ(w.Add(3), 3);
}

}  // namespace
}  // namespace keel::hub::bus
