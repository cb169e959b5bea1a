#include <gtest/gtest.h>

#include "store_fixture.h"

namespace keel::hub {
namespace {

class RolloutStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* id : {"d1", "d2"}) ASSERT_TRUE(store_->CreateDevice(id, 1).ok());
  }
};

TEST_F(RolloutStoreTest, DeploymentsAndRowsSurviveReopen) {
  auto id = store_->CreateDeployment("{\"v\":1}", {{"d2", "{\"s\":\"pending\"}"}, {"d1", "{}"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto second = store_->CreateDeployment("{\"v\":2}", {});
  EXPECT_GT(*second, *id);
  ASSERT_TRUE(store_->UpdateDeployment(*id, "{\"v\":3}", {{"d1", "{\"s\":\"assigned\"}"}}).ok());
  Reopen();
  auto all = store_->ListDeployments();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, *id);
  EXPECT_EQ((*all)[0].body, "{\"v\":3}");
  auto rows = store_->ListDeploymentRows(*id);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], (std::pair<std::string, std::string>{"d1", "{\"s\":\"assigned\"}"}));
  EXPECT_EQ((*rows)[1].first, "d2");
}

TEST_F(RolloutStoreTest, UnknownDevicesAndDeploymentsChangeNothing) {
  EXPECT_EQ(store_->CreateDeployment("{}", {{"d1", "{}"}, {"ghost", "{}"}}).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(store_->ListDeployments()->empty());  // the transaction was rolled back
  EXPECT_EQ(store_->UpdateDeployment(99, "{}", {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetDeviceOta("ghost").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetDeviceTags("ghost", {}).code(), StatusCode::kNotFound);
}

TEST_F(RolloutStoreTest, DeviceOtaRecordsReportsOnce) {
  auto none = store_->GetDeviceOta("d1");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->report_seq, 0);
  ASSERT_TRUE(store_->SaveDeviceOta("d1", {2, "{\"k\":1}"}, {{1, "a"}, {2, "b"}}).ok());
  ASSERT_TRUE(store_->SaveDeviceOta("d1", {3, "{\"k\":2}"}, {{2, "again"}, {3, "c"}}).ok());
  Reopen();
  auto rec = store_->GetDeviceOta("d1");
  EXPECT_EQ(rec->report_seq, 3);
  EXPECT_EQ(rec->body, "{\"k\":2}");
}

TEST_F(RolloutStoreTest, TagsAreReplacedAsAWhole) {
  ASSERT_TRUE(store_->SetDeviceTags("d1", {{"site", "north"}, {"line", "2"}}).ok());
  ASSERT_TRUE(store_->SetDeviceTags("d2", {{"site", "south"}}).ok());
  ASSERT_TRUE(store_->SetDeviceTags("d1", {{"site", "east"}}).ok());
  Reopen();
  auto tags = store_->ListDeviceTags();
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->at("d1"), (DeviceTags{{"site", "east"}}));
  EXPECT_EQ(tags->at("d2"), (DeviceTags{{"site", "south"}}));
  ASSERT_TRUE(store_->SetDeviceTags("d2", {}).ok());
  EXPECT_FALSE(store_->ListDeviceTags()->contains("d2"));
}

}  // namespace
}  // namespace keel::hub
