// Which devices a deployment targets:
//   all                     every active device
//   tag:KEY=VALUE[,K=V...]  devices carrying every listed tag (AND)
//   devices:ID[,ID...]      exactly these devices
// Keys, values and ids: 1..64 characters of [A-Za-z0-9._:-].
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hub/store/rollout_store.h"

namespace keel::hub::rollout {

struct TargetQuery {
  bool all = false;
  DeviceTags tags;            // all must match
  std::set<std::string> ids;  // devices:...
  bool Matches(const std::string& device, const DeviceTags& device_tags) const;
};

// InvalidArgument says what is wrong.
Result<TargetQuery> ParseTargetQuery(std::string_view text);

}  // namespace keel::hub::rollout
