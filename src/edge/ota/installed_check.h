// InstalledMatchesSigned: whether the slot a device runs holds exactly the
// signed files of its version — the check behind a same-version re-install
// (docs/ota.md, "Device rollout participation"; docs/security.md,
// "Remediation").
//
// When the hub directs an install of the version a device already runs (a
// model, a configuration overlay, an agent binary), the OTA manager asks this
// first: intact files need nothing ("committed, already installed"); files
// changed on disk (what attestation quarantines) are installed again from the
// signed targets. Kind-neutral: the targets are "<name>@<version>/<file>" for
// every file of the slot, as the artifact registry publishes them.
#pragma once

#include "common/status.h"
#include "edge/ota/slot_store.h"
#include "edge/ota/updater.h"

namespace keel::edge::ota {

// Whether the files of the slot running now (slots.Current()) are exactly
// its signed targets: the files its slot.json lists and no others (slot.json
// and names starting with '.' aside), each with the signed length and
// SHA-256. False, too, when a file is missing or has no signed target, or
// the slot does not verify against its slot.json (Current() checks the files
// on disk against it; a store opened earlier finds files changed since).
// Errors: nothing installed (NotFound), the metadata cannot vouch for the
// targets (Updater::Target: e.g. expired), the slot directory cannot be
// listed (IoError).
Result<bool> InstalledMatchesSigned(const Updater& updater, const SlotStore& slots);

}  // namespace keel::edge::ota
