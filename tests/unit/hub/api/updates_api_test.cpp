// The update endpoints over real HTTPS with device client certificates, read
// by the device's Updater through HttpsUpdateSource (docs/ota.md).
#include "unit/hub/api/update_api_fixture.h"

namespace keel::hub {
namespace {

using ::testing::HasSubstr;
using testing::kModel;
using UpdatesApiTest = testing::UpdateApiFixture;

TEST_F(UpdatesApiTest, ADeviceRefreshesAndDownloadsOverHttps) {
  auto source = Source("pump-1");
  auto device = Device();
  ASSERT_TRUE(device->RefreshMetadata(source).ok());
  auto payload = device->Download(source, "pump-ae@1.2.0/model.onnx");
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, kModel);
}

TEST_F(UpdatesApiTest, DownloadsResumeWithARangeRequest) {
  auto source = Source("pump-1");
  std::string got;
  ASSERT_TRUE(source
                  .FetchTarget("pump-ae@1.2.0/model.onnx", 150000,
                               [&](std::string_view chunk) {
                                 got.append(chunk);
                                 return Status::Ok();
                               })
                  .ok());
  EXPECT_EQ(got, kModel.substr(150000));
}

TEST_F(UpdatesApiTest, OnlyRegisteredDevicesWithACertificateAreServed) {
  auto stranger = Source("pump-9");
  EXPECT_EQ(stranger.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kPermissionDenied);
  edge::ota::HttpsUpdateSource anonymous(
      {Endpoint{"https", "localhost", server_->port()}, pki_->ca_cert(), "", ""});
  EXPECT_EQ(anonymous.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kUnauthenticated);
  ASSERT_TRUE(store_->RevokeDevice("pump-1", 1).ok());
  auto revoked = Source("pump-1");
  EXPECT_EQ(revoked.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(UpdatesApiTest, UnknownFilesAndOversizedMetadata) {
  auto source = Source("pump-1");
  EXPECT_EQ(source.FetchMetadata("root.2.json", 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source.FetchMetadata("../hub.db", 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source.FetchMetadata("timestamp.json", 10).status().code(),
            StatusCode::kResourceExhausted);
  Status missing = source.FetchTarget("nope", 0, [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST_F(UpdatesApiTest, ATargetWhoseFileIsMissingIsAnErrorNotAnEmptyBody) {
  std::filesystem::remove(dir_.path() / "updates" / "targets" / crypto::Sha256Hex(kModel));
  auto source = Source("pump-1");
  size_t received = 0;
  Status status = source.FetchTarget("pump-ae@1.2.0/model.onnx", 0, [&](std::string_view chunk) {
    received += chunk.size();
    return Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(received, 0U);
}

}  // namespace
}  // namespace keel::hub
