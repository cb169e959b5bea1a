#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/keelctl.h"
#include "common/clock.h"
#include "common/files.h"
#include "test_util/temp_dir.h"
#include "tuf/trusted_metadata.h"

namespace keel::cli {
namespace {

using ::testing::HasSubstr;

class KeysCommandTest : public ::testing::Test {
 protected:
  // No --hub: the keys commands must not need one.
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "keelctl");
    std::vector<const char*> ptrs;
    for (const auto& a : args) ptrs.push_back(a.c_str());
    out_.str("");
    err_.str("");
    return RunKeelctl(static_cast<int>(ptrs.size()), ptrs.data(), out_, err_);
  }

  TempDir dir_;
  std::ostringstream out_, err_;
};

TEST_F(KeysCommandTest, InitThenNextRootWithoutAHub) {
  const std::string offline = (dir_.path() / "offline").string();
  const std::string online = (dir_.path() / "online").string();
  ASSERT_EQ(Run({"keys", "init", "--offline", offline, "--online", online, "--root-keys", "2",
                 "--threshold", "2"}),
            0)
      << err_.str();
  auto device = tuf::TrustedMetadata::Create(ReadFile(dir_.path() / "online" / "root.json").value(),
                                             SystemClock());
  ASSERT_TRUE(device.ok()) << device.status().ToString();

  ASSERT_EQ(Run({"keys", "next-root", "--offline", offline, "--rotate"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("root.2.json"));
  ASSERT_TRUE(device->UpdateRoot(ReadFile(dir_.path() / "offline" / "root.2.json").value()).ok());

  EXPECT_EQ(Run({"keys", "init", "--offline", offline, "--online", online}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("already holds root keys"));
}

TEST_F(KeysCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({"keys", "init", "--offline", (dir_.path() / "x").string()}), 2);  // no --online
  EXPECT_EQ(Run({"keys", "next-root", "--offline", "d", "--threshold", "0"}), 2);
  EXPECT_EQ(Run({"keys"}), 2);
}

}  // namespace
}  // namespace keel::cli
