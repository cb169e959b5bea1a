#include "cli/keys_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "tuf/key_ceremony.h"
#include "tuf/metadata.h"
#include "tuf/signing.h"

namespace keel::cli {

void AddKeysCommands(CLI::App& app, std::function<Status()>* action, std::ostream& out) {
  struct Args {
    std::string offline, online;
    tuf::CeremonyOptions options;
    bool rotate = false;
  };
  auto args = std::make_shared<Args>();
  auto* keys = app.add_subcommand("keys", "Offline key ceremony for signed updates (no hub)");
  keys->require_subcommand(1);
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--offline", args->offline, "Directory for the root keys (keep it offline)")
        ->required();
    cmd->add_option("--root-keys", args->options.root_keys, "Number of root keys")
        ->check(CLI::Range(1, 16));
    cmd->add_option("--threshold", args->options.threshold, "Root signatures required")
        ->check(CLI::Range(1, 16));
    cmd->add_option("--expires-days", args->options.root_expiry_days, "Root validity in days")
        ->check(CLI::Range(1, 3650));
  };

  auto* init = keys->add_subcommand("init", "Create root keys, online keys and root.json v1");
  add_common(init);
  init->add_option("--online", args->online,
                   "Directory for the hub: online keys and root.json (copy into the hub)")
      ->required();
  init->callback([args, action, &out] {
    *action = [args, &out]() -> Status {
      KEEL_RETURN_IF_ERROR(
          tuf::InitKeys(args->offline, args->online, args->options, SystemClock()));
      out << fmt::format(
          "root keys and root.1.json in {} (keep it offline); online keys and root.json in {}\n",
          args->offline, args->online);
      return Status::Ok();
    };
  });

  auto* next = keys->add_subcommand(
      "next-root", "Sign the next root version (renewal, or --rotate for new root keys)");
  add_common(next);
  next->add_flag("--rotate", args->rotate, "Replace the root keys (old and new keys sign)");
  next->callback([args, action, &out] {
    *action = [args, &out]() -> Status {
      KEEL_ASSIGN_OR_RETURN(std::string root, tuf::NextRoot(args->offline, args->options,
                                                            args->rotate, SystemClock()));
      KEEL_ASSIGN_OR_RETURN(tuf::Envelope envelope, tuf::ParseEnvelope(root, "root.json"));
      KEEL_ASSIGN_OR_RETURN(tuf::RootMetadata parsed,
                            tuf::ParseRoot(envelope.signed_part, "root.json"));
      out << fmt::format("{}/root.{}.json\n", args->offline, parsed.version);
      return Status::Ok();
    };
  });
}

}  // namespace keel::cli
