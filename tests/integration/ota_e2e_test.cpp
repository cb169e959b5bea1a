// Signed updates end to end through a real keel-hub: the operator's offline
// key ceremony (keelctl keys init) sets up the hub's update repository; an
// enrolled device fetches and verifies the metadata and an artifact over
// HTTPS with its client certificate; the repository survives a hub restart;
// a revoked device is refused.
//
// [ota-1] the hub serves signed update metadata and artifacts to enrolled
// devices only.
#include <gtest/gtest.h>

#include "common/files.h"
#include "crypto/private_key.h"
#include "crypto/tokens.h"
#include "edge/ota/https_update_source.h"
#include "edge/ota/updater.h"
#include "integration/hub_process.h"
#include "tuf/repository.h"

namespace keel {
namespace {

TEST(OtaE2eTest, EnrolledDeviceGetsVerifiedUpdatesFromTheHub) {
  TempDir tmp;
  HubProcess hub(tmp.path());
  const auto updates = hub.data() / "updates";
  auto [rc, out] = hub.Keelctl({"keys", "init", "--offline", (tmp.path() / "offline").string(),
                                "--online", updates.string()});
  ASSERT_EQ(rc, 0) << out;

  // Publishing through the API is not built yet: put one artifact into the
  // repository the way the hub will, before it starts.
  const std::string model = "onnx model " + std::string(100000, 'x');
  {
    auto load = [&](const char* name) {
      return crypto::PrivateKey::LoadFile(updates / name).value();
    };
    auto repo = tuf::Repository::Open(
        updates, {load("targets.pem"), load("snapshot.pem"), load("timestamp.pem")}, SystemClock());
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    ASSERT_TRUE(EnsureDirectory(updates / "targets").ok());
    ASSERT_TRUE(WriteFileAtomic(updates / "targets" / crypto::Sha256Hex(model), model).ok());
    ASSERT_TRUE((*repo)
                    ->AddTarget("pump-ae@1.0.0/model.onnx", {static_cast<int64_t>(model.size()),
                                                             crypto::Sha256Hex(model),
                                                             {{"kind", "model"}}})
                    .ok());
  }
  hub.Start();
  const auto identity = hub.EnrollDevice("pump-7");
  const Endpoint api = ParseEndpoint(hub.api_url(), "https").value();
  edge::ota::HttpsUpdateSource source(
      {api, identity / "ca.crt", identity / "device.crt", identity / "device.key"});
  const std::string pinned = ReadFile(tmp.path() / "offline" / "root.1.json").value();

  auto device =
      edge::ota::Updater::Open(PosixFileSystem(), tmp.path() / "device-ota", pinned, SystemClock());
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  ASSERT_TRUE((*device)->RefreshMetadata(source).ok());
  auto payload = (*device)->Download(source, "pump-ae@1.0.0/model.onnx");
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, model);

  // After a restart the hub serves the same repository.
  hub.Stop();
  hub.Start();
  EXPECT_TRUE((*device)->RefreshMetadata(source).ok());

  auto [revoke_rc, revoke_out] = hub.Keelctl({"device", "revoke", "pump-7"});
  ASSERT_EQ(revoke_rc, 0) << revoke_out;
  EXPECT_EQ(source.FetchMetadata("timestamp.json", 1 << 16).status().code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace keel
