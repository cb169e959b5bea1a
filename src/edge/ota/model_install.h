// InstallModel: brings a model bundle from the update repository into the
// device's model slots and keeps it only if it is healthy (issue 4: "a model
// whose golden sample fails, or whose latency exceeds the budget, is rolled
// back automatically").
//
// The bundle's files are TUF targets named "<name>@<version>/<file>":
// manifest.json, and for the onnx backend the model file its manifest names
// (in the bundle's top directory). Steps:
//   1. refuse a downgrade below the active slot's version (FailedPrecondition)
//   2. download each file, verified against the signed metadata; as a delta
//      from the same file in the slot running now when one is published
//      (DownloadPreferringDelta), else in full
//   3. SlotStore Stage -> Switch -> RecordStart
//   4. load the bundle from the slot (LoadModelBundle) and, for the onnx
//      backend, run CheckModelHealth (golden samples, latency budget); a
//      built-in bundle is only loaded (its detector is fitted on device data
//      later, so golden scores cannot be checked here)
//   5. Commit, or Rollback with the bundle's error as the reason; with
//      `keep_on_trial` a bundle that passed stays on trial instead
//      (outcome.on_trial), for the caller's soak, which commits or rolls it
//      back (OtaManager, [ota] model_soak_s).
// The version running now may be installed again (it goes to the other
// slot, like any install): that is how files changed on disk are repaired.
// Errors before step 3 change nothing. The slots must live on the real file
// system (LoadModelBundle reads the slot directory).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "edge/model/model_health.h"
#include "edge/ota/slot_store.h"
#include "edge/ota/update_source.h"
#include "edge/ota/updater.h"

namespace keel::edge::ota {

struct ModelInstallOutcome {
  bool committed = false;
  // Passed its health check and left on trial (keep_on_trial only).
  bool on_trial = false;
  std::string result;  // the slots' last_result, e.g. "rolled back pump-ae 1.3.0: ..."
  // Signed lengths in bytes: of the bundle's files, and of what was
  // downloaded for them (smaller when deltas applied; see TargetDownload).
  int64_t target_bytes = 0;
  int64_t downloaded_bytes = 0;
};

Result<ModelInstallOutcome> InstallModel(Updater& updater, UpdateSource& source, SlotStore& slots,
                                         std::string_view name, std::string_view version,
                                         const model::HealthCheckOptions& health = {},
                                         bool keep_on_trial = false);

}  // namespace keel::edge::ota
