#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store_fixture.h"

namespace keel::hub {
namespace {

using DeviceStoreTest = StoreTest;

TEST_F(DeviceStoreTest, CreateGetList) {
  ASSERT_TRUE(store_->CreateDevice("b-dev", 100).ok());
  ASSERT_TRUE(store_->CreateDevice("a-dev", 200).ok());
  auto d = store_->GetDevice("b-dev");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id, "b-dev");
  EXPECT_EQ(d->state, DeviceState::kRegistered);
  EXPECT_EQ(d->created_ms, 100);
  EXPECT_EQ(d->enrolled_ms, 0);
  EXPECT_EQ(d->acked_seq, 0u);
  EXPECT_EQ(d->cert_serial, "");
  auto all = store_->ListDevices();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a-dev");
  EXPECT_EQ((*all)[1].id, "b-dev");
  EXPECT_EQ(store_->Stats()->devices, 2u);
}

TEST_F(DeviceStoreTest, CreateTwiceIsAlreadyExistsAndEmptyIdInvalid) {
  ASSERT_TRUE(store_->CreateDevice("d1", 1).ok());
  const Status again = store_->CreateDevice("d1", 2);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("d1"), std::string::npos);
  EXPECT_EQ(store_->CreateDevice("", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetDevice("d1")->created_ms, 1);
  EXPECT_EQ(store_->Stats()->devices, 1u);
}

TEST_F(DeviceStoreTest, UnknownDeviceIsNotFoundEverywhere) {
  EXPECT_EQ(store_->GetDevice("ghost").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AddEnrollmentToken("ghost", "h", 10).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RecordCertificate("ghost", "01", 10, 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RevokeDevice("ghost", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RecordDeviceReport("ghost", {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->TouchDevice("ghost", 1).code(), StatusCode::kNotFound);
}

TEST_F(DeviceStoreTest, TokenIsSingleUse) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "hash1", 1000).ok());
  EXPECT_TRUE(store_->ConsumeEnrollmentToken("d1", "hash1", 500).ok());
  const Status again = store_->ConsumeEnrollmentToken("d1", "hash1", 501);
  EXPECT_EQ(again.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(again.message(), "enrollment token already used");
}

TEST_F(DeviceStoreTest, TokenExpiredUnknownAndWrongDevice) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  ASSERT_TRUE(store_->CreateDevice("d2", 0).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "hash1", 1000).ok());
  Status s = store_->ConsumeEnrollmentToken("d1", "hash1", 1000);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "enrollment token expired");
  s = store_->ConsumeEnrollmentToken("d1", "other", 1);
  EXPECT_EQ(s.message(), "enrollment token unknown");
  s = store_->ConsumeEnrollmentToken("d2", "hash1", 1);
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "enrollment token unknown");
  s = store_->ConsumeEnrollmentToken("ghost", "hash1", 1);
  EXPECT_EQ(s.message(), "enrollment token unknown");
  // The failed attempts did not spend it.
  EXPECT_TRUE(store_->ConsumeEnrollmentToken("d1", "hash1", 999).ok());
}

TEST_F(DeviceStoreTest, NewTokenReplacesUnusedOne) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "old", 1000).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "new", 1000).ok());
  EXPECT_EQ(store_->ConsumeEnrollmentToken("d1", "old", 1).message(), "enrollment token unknown");
  EXPECT_TRUE(store_->ConsumeEnrollmentToken("d1", "new", 1).ok());
  // A used token is remembered (and reported as used) after a new one is added.
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "newer", 1000).ok());
  EXPECT_EQ(store_->ConsumeEnrollmentToken("d1", "new", 2).message(),
            "enrollment token already used");
}

TEST_F(DeviceStoreTest, ConcurrentDoubleSpendSucceedsExactlyOnce) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "hash", 1000).ok());
  constexpr int kThreads = 8;
  std::atomic<int> ok{0};
  std::atomic<int> used{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      const Status s = store_->ConsumeEnrollmentToken("d1", "hash", 10);
      if (s.ok()) ++ok;
      if (s.message() == "enrollment token already used") ++used;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(used.load(), kThreads - 1);
}

TEST_F(DeviceStoreTest, CertificateActivatesAndKeepsFirstEnrollment) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  ASSERT_TRUE(store_->RecordCertificate("d1", "0a01", 9000, 100).ok());
  ASSERT_TRUE(store_->RecordCertificate("d1", "0a02", 9500, 200).ok());
  auto d = store_->GetDevice("d1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->state, DeviceState::kActive);
  EXPECT_EQ(d->enrolled_ms, 100);
  EXPECT_EQ(d->cert_serial, "0a02");
  EXPECT_EQ(d->cert_not_after_ms, 9500);
  EXPECT_EQ(store_->RecordCertificate("d1", "0a01", 1, 1).code(), StatusCode::kAlreadyExists);
}

TEST_F(DeviceStoreTest, RevocationListsAllCertificatesOfTheDevice) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  ASSERT_TRUE(store_->CreateDevice("d2", 0).ok());
  ASSERT_TRUE(store_->RecordCertificate("d1", "01", 9000, 100).ok());
  ASSERT_TRUE(store_->RecordCertificate("d1", "02", 9000, 200).ok());
  ASSERT_TRUE(store_->RecordCertificate("d2", "03", 9000, 200).ok());
  ASSERT_TRUE(store_->AddEnrollmentToken("d1", "tok", 10'000).ok());
  EXPECT_TRUE(store_->ListRevokedCertificates()->empty());

  ASSERT_TRUE(store_->RevokeDevice("d1", 300).ok());
  ASSERT_TRUE(store_->RevokeDevice("d1", 400).ok());  // idempotent, keeps 300
  auto revoked = store_->ListRevokedCertificates();
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(*revoked, (std::vector<RevokedCert>{{"01", "d1", 300}, {"02", "d1", 300}}));
  EXPECT_EQ(*store_->ListRevokedDeviceIds(), std::vector<std::string>{"d1"});
  EXPECT_EQ(store_->GetDevice("d1")->state, DeviceState::kRevoked);

  EXPECT_EQ(store_->RecordCertificate("d1", "04", 9000, 500).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AddEnrollmentToken("d1", "tok2", 10'000).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->ConsumeEnrollmentToken("d1", "tok", 1).message(), "enrollment token unknown");
}

TEST_F(DeviceStoreTest, ReportAndTouch) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  const DeviceReport report{123, 4, 4096, 7, 9999, "keel-agent/0.1"};
  ASSERT_TRUE(store_->RecordDeviceReport("d1", report).ok());
  ASSERT_TRUE(store_->TouchDevice("d1", 50).ok());
  ASSERT_TRUE(store_->TouchDevice("d1", 40).ok());  // never goes backwards
  auto d = store_->GetDevice("d1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->report, report);
  EXPECT_EQ(d->last_seen_ms, 50);
}

}  // namespace
}  // namespace keel::hub
