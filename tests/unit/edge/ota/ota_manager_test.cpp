#include "edge/ota/ota_manager.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "crypto/tokens.h"
#include "edge/ota/config_install.h"
#include "edge/ota/installed_check.h"
#include "edge/ota/model_install.h"
#include "test_util/temp_dir.h"
#include "unit/edge/model/onnx_model_builder.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::edge::ota {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A hub's update poll as the protocol describes it: reports stored once by
// seq, acked = the highest seq held, a directive repeated until a final
// report for it is held. Requests and replies go through the wire codec.
class FakeHub final : public PollTransport {
 public:
  Result<wire::PollReply> Poll(const wire::PollRequest& request) override {
    auto decoded = wire::DecodePollRequest(wire::EncodePollRequest(request));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    requests.push_back(request);
    if (lose_requests > 0) {
      --lose_requests;
      return Status::Unavailable("request lost");
    }
    if (ignore_reports > 0) {
      --ignore_reports;  // e.g. a hub that could not store them
    } else {
      for (const auto& r : request.reports) {
        if (!held.emplace(r.seq, r).second) ++duplicates;
      }
    }
    wire::PollReply reply;
    reply.acked = held.empty() ? 0 : held.rbegin()->first;
    for (const auto& d : directives) {
      if (!HasFinal(d)) reply.directives.push_back(d);
    }
    reply.poll_after_ms = 5000;
    if (lose_replies > 0) {
      --lose_replies;
      return Status::Unavailable("reply lost");
    }
    return wire::DecodePollReply(wire::EncodePollReply(reply));
  }

  bool HasFinal(const wire::Directive& d) const {
    for (const auto& [seq, r] : held) {
      if (r.deployment != d.deployment || !wire::IsFinalOtaState(r.state)) continue;
      if ((d.action == "revert") == (r.state == "reverted")) return true;
    }
    return false;
  }

  // "<deployment> <version> <state>" of the held reports, in seq order.
  std::vector<std::string> States() const {
    std::vector<std::string> out;
    for (const auto& [seq, r] : held) {
      out.push_back(fmt::format("{} {} {}", r.deployment, r.version, r.state));
    }
    return out;
  }
  const wire::OtaReport& Last() const { return held.rbegin()->second; }

  std::vector<wire::Directive> directives;
  std::map<int64_t, wire::OtaReport> held;
  std::vector<wire::PollRequest> requests;
  int duplicates = 0;
  int lose_requests = 0;
  int lose_replies = 0;
  int ignore_reports = 0;
};

wire::Directive Directive(int64_t deployment, const std::string& version,
                          const std::string& action = "install",
                          const std::string& kind = "model") {
  return {deployment, kind, "pump-ae", version, action};
}

// An 8-4-8 autoencoder bundle; `golden_offset` spoils its golden sample.
json BundleManifest(const std::string& version, double golden_offset = 0.0) {
  const auto layers = model::testing::Autoencoder(8, 4);
  const std::vector<double> x = {0.1, -0.2, 0.3, 0.0, 0.5, -0.4, 0.2, 0.1};
  std::vector<double> expected = model::testing::ForwardMlp(layers, x);
  expected[0] += golden_offset;
  json inputs = json::array();
  for (int i = 0; i < 8; ++i) inputs.push_back("f" + std::to_string(i));
  return {{"name", "pump-ae"},
          {"version", version},
          {"backend", "onnx"},
          {"inputs", inputs},
          {"onnx",
           {{"file", "model.onnx"},
            {"output", "reconstruction"},
            {"threshold", {{"quantile", 0.99}, {"margin", 1.2}}}}},
          {"health",
           {{"golden", {{{"input", x}, {"expected", expected}, {"tolerance", 1e-5}}}},
            {"latency_budget_us", 1'000'000}}}};
}

class OtaManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = testing::OpenTestRepository(keys_, tmp_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    source_ = std::make_unique<testing::FakeSource>(*repo_);
    Reopen();
  }

  // A (re)start of the agent: the manager is destroyed and opened again on
  // the same directory, as after a kill.
  void Reopen() {
    manager_.reset();
    OtaManagerOptions options;
    options.dir = tmp_.path() / "device" / "ota";
    options.pinned_root = pinned_root_;
    options.agent_slots_dir = AgentSlotsDir();
    options.supervised = supervised_;
    options.request_restart = [this] { ++restarts_; };
    options.local_config = local_config_;
    options.model_soak_ms = model_soak_ms_;
    options.connected_since_ms = [this] { return connected_since_; };
    auto manager = OtaManager::Open(
        PosixFileSystem(), clock_, *source_, hub_, options, [this] { return totals_; },
        [this](const Slot* slot) -> Status {
          swapped_to_.push_back(slot ? slot->manifest.version : "none");
          return refuse_swap_;
        });
    ASSERT_TRUE(manager.ok()) << manager.status().ToString();
    manager_ = std::move(manager).value();
  }

  void Publish(const json& manifest) {
    const std::string prefix = "pump-ae@" + manifest["version"].get<std::string>() + "/";
    testing::PublishTarget(*repo_, *source_, prefix + "manifest.json", manifest.dump(2),
                           {{"kind", "model"}});
    testing::PublishTarget(*repo_, *source_, prefix + "model.onnx",
                           model::testing::BuildMlpOnnx(model::testing::Autoencoder(8, 4)),
                           {{"kind", "model"}});
  }

  // An updater on the device's metadata, refreshed (what the manager sees).
  std::unique_ptr<Updater> FreshUpdater() {
    auto updater =
        Updater::Open(PosixFileSystem(), tmp_.path() / "device" / "ota", pinned_root_, clock_);
    EXPECT_TRUE(updater.ok()) << updater.status().ToString();
    EXPECT_TRUE((*updater)->RefreshMetadata(*source_).ok());
    return std::move(updater).value();
  }

  std::filesystem::path AgentSlotsDir() const { return tmp_.path() / "device" / "ota" / "agent"; }
  SlotStore AgentSlots() const {
    return SlotStore::Open(PosixFileSystem(), AgentSlotsDir()).value();
  }
  void PublishAgent(const std::string& version) {
    testing::PublishTarget(*repo_, *source_, "keel-edge@" + version + "/keel-edge",
                           "#!/bin/sh\necho keel-edge " + version + "\n",
                           {{"kind", "agent"}, {"version", version}});
  }

  // Replaces `file` in the slot in `dir` and records its digest in the
  // slot's slot.json, so that the slot still verifies: a change that
  // SlotStore::Open cannot see, only a comparison with the signed targets.
  static void RewriteSlotFile(const std::filesystem::path& dir, const std::string& file,
                              const std::string& content) {
    ASSERT_TRUE(WriteFileAtomic(dir / file, content).ok());
    json slot = json::parse(ReadFile(dir / "slot.json").value());
    const FileDigest digest = DigestOf(content);
    slot["files"][file] = {{"sha256", digest.sha256}, {"length", digest.length}};
    ASSERT_TRUE(WriteFileAtomic(dir / "slot.json", slot.dump()).ok());
  }

  void Step() {
    const Status s = manager_->Step();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string Running() const {
    auto slot = manager_->model_slots().Current();
    return slot.ok() ? slot->manifest.version : "none";
  }

  // Installs `version` through a deployment and has its reports acked.
  void Deploy(int64_t deployment, const std::string& version) {
    hub_.directives.push_back(Directive(deployment, version));
    Step();  // installs
    Step();  // reports
  }

  TempDir tmp_;
  tuf::testing::Repo keys_;
  FakeClock clock_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<testing::FakeSource> source_;
  FakeHub hub_;
  wire::DeviceKpis totals_;
  std::vector<std::string> swapped_to_;
  Status refuse_swap_;
  bool supervised_ = true;
  int restarts_ = 0;
  std::filesystem::path local_config_;  // the agent's local configuration file, if any
  int64_t model_soak_ms_ = 0;
  int64_t connected_since_ = 0;  // monotonic ms of the broker connection's start; -1: none
  std::unique_ptr<OtaManager> manager_;
};

TEST_F(OtaManagerTest, InstallIsCommittedReportedOnceAndHandedToTheAgent) {
  Publish(BundleManifest("1.2.0"));
  hub_.directives.push_back(Directive(7, "1.2.0"));
  Step();
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));
  EXPECT_TRUE(hub_.held.empty());  // reports go with the next poll
  EXPECT_EQ(manager_->reports().size(), 2u);
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing", "7 1.2.0 committed"));
  EXPECT_EQ(manager_->reports().size(), 0u);  // acked
  ASSERT_EQ(hub_.requests.back().installed.size(), 1u);
  EXPECT_EQ(hub_.requests.back().installed[0],
            (wire::InstalledArtifact{"model", "pump-ae", "1.2.0"}));
  EXPECT_EQ(manager_->poll_after_ms(), 5000);
  Step();  // nothing more
  EXPECT_EQ(hub_.held.size(), 2u);
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerTest, AReinstallOfTheRunningVersionRepairsFilesChangedOnDisk) {
  Publish(BundleManifest("1.2.0"));
  Deploy(1, "1.2.0");
  ASSERT_THAT(swapped_to_, ElementsAre("1.2.0"));
  auto installed = manager_->model_slots().Current();
  ASSERT_TRUE(installed.ok());

  // Intact files: a re-deploy of the same version changes nothing.
  Deploy(2, "1.2.0");
  EXPECT_EQ(hub_.Last().state, "committed");
  EXPECT_EQ(hub_.Last().reason, "already installed");
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));

  // The model file swapped underneath the agent: the next install of the
  // version it runs downloads it again and hands the repaired slot over.
  ASSERT_TRUE(WriteFileAtomic(installed->dir / "model.onnx", "not the signed model").ok());
  auto matches = InstalledMatchesSigned(*FreshUpdater(), manager_->model_slots());
  ASSERT_TRUE(matches.ok()) << matches.status().ToString();
  EXPECT_FALSE(*matches);
  Deploy(3, "1.2.0");
  EXPECT_THAT(hub_.States(),
              ElementsAre("1 1.2.0 installing", "1 1.2.0 committed", "2 1.2.0 committed",
                          "3 1.2.0 installing", "3 1.2.0 committed"));
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0", "1.2.0"));
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_NE(manager_->model_slots().Current()->dir, installed->dir);  // the other slot
  EXPECT_TRUE(*InstalledMatchesSigned(*FreshUpdater(), manager_->model_slots()));

  // A file added to the running slot counts as a change too.
  ASSERT_TRUE(
      WriteFileAtomic(manager_->model_slots().Current()->dir / "extra.onnx", "injected").ok());
  EXPECT_FALSE(*InstalledMatchesSigned(*FreshUpdater(), manager_->model_slots()));
  Deploy(4, "1.2.0");
  EXPECT_EQ(hub_.Last().state, "committed");
  EXPECT_EQ(hub_.Last().reason, "");
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0", "1.2.0", "1.2.0"));
  EXPECT_TRUE(*InstalledMatchesSigned(*FreshUpdater(), manager_->model_slots()));
}

TEST_F(OtaManagerTest, UnhealthyBundleIsRolledBackAndReportedWithTheReason) {
  Publish(BundleManifest("1.2.0"));
  Deploy(1, "1.2.0");
  Publish(BundleManifest("1.3.0", /*golden_offset=*/0.01));
  Deploy(2, "1.3.0");
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));  // 1.3.0 never reached the agent
  EXPECT_EQ(hub_.Last().state, "rolled_back");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("rolled back pump-ae 1.3.0"));
  EXPECT_THAT(hub_.Last().reason, HasSubstr("golden sample 0"));
}

TEST_F(OtaManagerTest, RefusalsAreReportedAsFailed) {
  Publish(BundleManifest("1.2.0"));
  Deploy(1, "1.2.0");
  Publish(BundleManifest("1.1.0"));
  hub_.directives.push_back(Directive(2, "1.1.0"));                       // downgrade
  hub_.directives.push_back(Directive(3, "9.9.9"));                       // not published
  hub_.directives.push_back(Directive(4, "2.0.0", "install", "config"));  // no local file
  Step();
  Step();
  EXPECT_EQ(Running(), "1.2.0");
  std::map<int64_t, std::string> reasons;
  for (const auto& [seq, r] : hub_.held) {
    if (r.deployment > 1 && r.state == "failed") reasons[r.deployment] = r.reason;
  }
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_THAT(reasons[2], HasSubstr("downgrade"));
  EXPECT_THAT(reasons[3], HasSubstr("9.9.9"));
  EXPECT_EQ(reasons[4], "the agent's configuration was not loaded from a file");
}

TEST_F(OtaManagerTest, RevertRunsThePreviousVersionAgain) {
  Publish(BundleManifest("1.2.0"));
  Deploy(1, "1.2.0");
  Publish(BundleManifest("1.3.0"));
  Deploy(2, "1.3.0");
  EXPECT_EQ(Running(), "1.3.0");
  hub_.directives.push_back(Directive(2, "1.3.0", "revert"));
  hub_.directives.push_back(Directive(5, "4.0.0", "revert"));  // never installed here
  Step();
  Step();
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0", "1.3.0", "1.2.0"));
  std::vector<std::string> reverts;
  for (const auto& [seq, r] : hub_.held) {
    if (r.state == "reverted") reverts.push_back(fmt::format("{}: {}", r.deployment, r.reason));
  }
  EXPECT_THAT(reverts, ElementsAre("2: reverted pump-ae 1.3.0: deployment 2", "5: not installed"));
  const size_t held = hub_.held.size();
  Step();
  EXPECT_EQ(hub_.held.size(), held);  // done once
  EXPECT_EQ(hub_.requests.back().installed[0].version, "1.2.0");
}

TEST_F(OtaManagerTest, ABundleTheAgentCannotRunIsRevertedAndReportedRolledBack) {
  Publish(BundleManifest("1.2.0"));
  Deploy(1, "1.2.0");
  Publish(BundleManifest("1.3.0"));
  refuse_swap_ = Status::InvalidArgument("inputs are not the configured features");
  Deploy(2, "1.3.0");
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_EQ(hub_.Last().state, "rolled_back");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("the agent cannot run it: inputs are not"));
}

// [ota-report-2] A lost request or reply loses nothing and does nothing
// twice: the directive comes again, the install is not repeated, and the
// reports are resent until the hub acks them, each held once.
TEST_F(OtaManagerTest, LostRepliesRepeatTheDirectiveButNotTheInstall) {
  Publish(BundleManifest("1.2.0"));
  hub_.directives.push_back(Directive(7, "1.2.0"));
  hub_.lose_replies = 1;  // the directive's reply is lost
  EXPECT_EQ(manager_->Step().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Running(), "none");
  Step();  // the directive again: installed
  const int64_t fetched = source_->bytes_served_;
  hub_.ignore_reports = 1;  // the hub does not hold the reports: the directive repeats
  Step();
  EXPECT_EQ(hub_.requests.back().reports.size(), 2u);
  EXPECT_EQ(manager_->reports().size(), 2u);
  hub_.lose_requests = 1;
  EXPECT_EQ(manager_->Step().code(), StatusCode::kUnavailable);
  hub_.lose_replies = 1;  // the reports arrive, the ack does not
  EXPECT_EQ(manager_->Step().code(), StatusCode::kUnavailable);
  EXPECT_EQ(manager_->reports().size(), 2u);
  Step();  // resent, acked
  EXPECT_EQ(manager_->reports().size(), 0u);
  EXPECT_EQ(hub_.duplicates, 2);  // the resent two, dropped by seq
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing", "7 1.2.0 committed"));
  EXPECT_EQ(source_->bytes_served_, fetched);  // not downloaded again
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));
}

TEST_F(OtaManagerTest, AKillBetweenStepsResendsReportsOnceAndRepeatsNothing) {
  Publish(BundleManifest("1.2.0"));
  hub_.directives.push_back(Directive(7, "1.2.0"));
  Step();
  Reopen();  // killed before the reports were sent
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_EQ(manager_->reports().size(), 2u);
  Step();
  Reopen();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing", "7 1.2.0 committed"));
  EXPECT_EQ(hub_.duplicates, 0);
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));
}

// A kill during an install: after the restart the install ends in exactly
// one final report, decided from the slots.
TEST_F(OtaManagerTest, AKillDuringAnInstallEndsInOneFinalReport) {
  Publish(BundleManifest("1.2.0"));
  Deploy(1, "1.2.0");
  // Killed on trial: 1.3.0 switched, not yet checked.
  Publish(BundleManifest("1.3.0"));
  manager_.reset();
  const std::filesystem::path dir = tmp_.path() / "device" / "ota";
  {
    auto queue = ReportQueue::Open(PosixFileSystem(), dir, 1).value();
    wire::OtaReport installing{0, 2, "model", "pump-ae", "1.3.0", "installing", "", 1};
    ASSERT_TRUE(queue->Add(installing, "install").ok());
    installing.deployment = 3;
    installing.version = "1.4.0";  // killed while downloading
    ASSERT_TRUE(queue->Add(installing, "install").ok());
    auto slots = SlotStore::Open(PosixFileSystem(), dir / "model").value();
    std::map<std::string, std::string> files;
    SlotManifest manifest{"pump-ae", "1.3.0", {}};
    for (const char* file : {"manifest.json", "model.onnx"}) {
      files[file] = source_->payloads_.at(std::string("pump-ae@1.3.0/") + file);
      manifest.files[file] = DigestOf(files[file]);
    }
    ASSERT_TRUE(slots.Stage(manifest, files).ok());
    ASSERT_TRUE(slots.Switch().ok());
  }
  hub_.directives.push_back(Directive(2, "1.3.0"));
  hub_.directives.push_back(Directive(3, "1.4.0"));
  Reopen();
  EXPECT_EQ(Running(), "1.3.0");  // the trial passed its health check
  EXPECT_FALSE(manager_->model_slots().status().trial.has_value());
  Step();
  Step();
  std::vector<std::string> states;
  for (const auto& [seq, r] : hub_.held) {
    if (r.deployment > 1)
      states.push_back(fmt::format("{} {} {}", r.deployment, r.state, r.reason));
  }
  EXPECT_THAT(states, ElementsAre("2 installing ", "3 installing ", "2 committed ",
                                  "3 failed interrupted"));
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerTest, ADownloadCutByTheNetworkIsRetriedNotFailed) {
  Publish(BundleManifest("1.2.0"));
  hub_.directives.push_back(Directive(7, "1.2.0"));
  source_->break_after_ = 0;  // the first transfer breaks at once
  Step();
  EXPECT_EQ(Running(), "none");
  EXPECT_EQ(manager_->reports().size(), 1u);  // installing only
  Step();                                     // resumed
  EXPECT_EQ(Running(), "1.2.0");
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing", "7 1.2.0 committed"));
}

TEST_F(OtaManagerTest, AnInterruptedInstallTheHubNoLongerDirectsEndsFailed) {
  Publish(BundleManifest("1.2.0"));
  hub_.directives.push_back(Directive(7, "1.2.0"));
  source_->break_after_ = 0;
  Step();                   // installing, download cut
  hub_.directives.clear();  // e.g. superseded by a newer deployment
  Step();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing", "7 1.2.0 failed"));
  EXPECT_EQ(hub_.Last().reason, "no longer directed by the hub");
  EXPECT_EQ(Running(), "none");
}

TEST_F(OtaManagerTest, KpisAreTheGrowthSinceTheLastAnsweredPoll) {
  totals_ = {100, 3, 1, 850.0};
  Step();
  EXPECT_EQ(hub_.requests.back().kpis, (wire::DeviceKpis{100, 3, 1, 850.0}));
  totals_ = {160, 4, 1, 900.0};
  hub_.lose_requests = 1;
  EXPECT_FALSE(manager_->Step().ok());
  totals_ = {200, 5, 9, 910.0};
  Step();  // the unanswered poll's growth is sent again
  EXPECT_EQ(hub_.requests.back().kpis, (wire::DeviceKpis{100, 2, 8, 910.0}));
  totals_ = {205, 5, 20, 0.0};
  Step();  // errors capped by windows (the hub refuses more)
  EXPECT_EQ(hub_.requests.back().kpis, (wire::DeviceKpis{5, 0, 5, 0.0}));
}

}  // namespace
}  // namespace keel::edge::ota

namespace keel::edge::ota {
namespace {

// An agent install: the new binary goes on trial and the agent is asked to
// restart; the supervisor (simulated here) decides, and the binary that runs
// next reports the outcome once.
TEST_F(OtaManagerTest, AgentInstallIsReportedFromTheSupervisorsDecisionAfterTheRestart) {
  PublishAgent("1.3.0");
  hub_.directives.push_back(Directive(4, "1.3.0", "install", "agent"));
  hub_.directives.back().name = "keel-edge";
  Step();
  EXPECT_EQ(restarts_, 1);
  EXPECT_TRUE(manager_->restart_requested());
  ASSERT_TRUE(AgentSlots().status().trial.has_value());
  // The new binary starts on trial (the supervisor counts the start).
  ASSERT_TRUE(AgentSlots().RecordStart().value());
  Reopen();
  Step();  // still on trial: nothing final yet
  EXPECT_THAT(hub_.States(), ElementsAre("4 1.3.0 installing"));
  // Its health line came: the supervisor commits.
  ASSERT_TRUE(AgentSlots().Commit().ok());
  Step();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("4 1.3.0 installing", "4 1.3.0 committed"));
  ASSERT_EQ(hub_.requests.back().installed.size(), 1u);
  EXPECT_EQ(hub_.requests.back().installed[0],
            (wire::InstalledArtifact{"agent", "keel-edge", "1.3.0"}));
  EXPECT_EQ(restarts_, 1);

  // A second version never becomes healthy: rolled back and reported so.
  PublishAgent("1.4.0");
  hub_.directives.push_back(Directive(5, "1.4.0", "install", "agent"));
  hub_.directives.back().name = "keel-edge";
  Step();
  EXPECT_EQ(restarts_, 2);
  ASSERT_TRUE(AgentSlots().Rollback("not healthy within 120 s").ok());
  Reopen();  // the previous binary runs again
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "rolled_back");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("rolled back keel-edge 1.4.0: not healthy"));

  // A fleet rollback of 1.3.0 reverts to nothing earlier: failed, no restart.
  hub_.directives.push_back(Directive(4, "1.3.0", "revert", "agent"));
  hub_.directives.back().name = "keel-edge";
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "failed");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("no earlier version"));
  EXPECT_EQ(restarts_, 2);
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerTest, AgentRevertRestartsIntoThePreviousBinary) {
  for (const std::string version : {"1.3.0", "1.4.0"}) {
    PublishAgent(version);
    hub_.directives.push_back(Directive(version == "1.3.0" ? 1 : 2, version, "install", "agent"));
    hub_.directives.back().name = "keel-edge";
    Step();
    ASSERT_TRUE(AgentSlots().RecordStart().value());
    ASSERT_TRUE(AgentSlots().Commit().ok());
    Reopen();
    Step();
  }
  hub_.directives.push_back(Directive(2, "1.4.0", "revert", "agent"));
  hub_.directives.back().name = "keel-edge";
  const int restarts = restarts_;
  Step();
  EXPECT_EQ(restarts_, restarts + 1);
  EXPECT_EQ(AgentSlots().Current()->manifest.version, "1.3.0");
  Reopen();
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "reverted");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("reverted keel-edge 1.4.0"));
  EXPECT_EQ(restarts_, restarts + 1);
}

TEST_F(OtaManagerTest, AgentInstallsNeedTheSupervisor) {
  supervised_ = false;
  Reopen();
  PublishAgent("1.3.0");
  hub_.directives.push_back(Directive(4, "1.3.0", "install", "agent"));
  hub_.directives.back().name = "keel-edge";
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "failed");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("keel-edge supervise"));
  EXPECT_EQ(restarts_, 0);
  EXPECT_FALSE(AgentSlots().status().trial.has_value());
}

}  // namespace
}  // namespace keel::edge::ota

namespace keel::edge::ota {
namespace {

using ::testing::StartsWith;

// Configuration artifacts: installed on trial, applied by the next start,
// committed by the healthy agent, reported once by the manager of that start.
class OtaManagerConfigTest : public OtaManagerTest {
 protected:
  void SetUp() override {
    local_config_ = tmp_.path() / "edge.toml";
    ASSERT_TRUE(WriteFileAtomic(local_config_,
                                "[device]\nid = \"dev-1\"\ndir = \"device\"\n"
                                "[hub]\nmqtt = \"mqtts://hub:8883\"\n"
                                "api = \"https://hub:8443\"\n")
                    .ok());
    OtaManagerTest::SetUp();
  }

  void PublishConfig(const std::string& version, const std::string& toml) {
    testing::PublishTarget(*repo_, *source_, "fleet@" + version + "/agent.toml", toml,
                           {{"artifact", "fleet"}, {"version", version}, {"kind", "config"}});
  }
  void DirectConfig(int64_t deployment, const std::string& version,
                    const std::string& action = "install") {
    hub_.directives.push_back(Directive(deployment, version, action, "config"));
    hub_.directives.back().name = "fleet";
  }
  std::filesystem::path ConfigDir() const { return tmp_.path() / "device" / "ota" / "config"; }
  SlotStatus ConfigStatus() const {
    return SlotStore::Open(PosixFileSystem(), ConfigDir()).value().status();
  }

  // A restart of the agent (as keel-edge run does): the effective
  // configuration is resolved (a trial start counted), then the manager
  // opens. Returns what the agent runs with.
  EffectiveAgentConfig StartAgent() {
    auto effective = LoadEffectiveAgentConfig(PosixFileSystem(), local_config_);
    EXPECT_TRUE(effective.ok()) << effective.status().ToString();
    Reopen();
    return effective.ok() ? std::move(effective).value() : EffectiveAgentConfig{};
  }
};

TEST_F(OtaManagerConfigTest, InstallRestartsAndTheHealthyNextStartCommitsReportedOnce) {
  PublishConfig("1.0.0", "[batch]\ninterval_ms = 500\n");
  DirectConfig(7, "1.0.0");
  Step();
  EXPECT_EQ(restarts_, 1);
  EXPECT_TRUE(manager_->restart_requested());
  EXPECT_TRUE(ConfigStatus().trial.has_value());

  EffectiveAgentConfig started = StartAgent();
  ASSERT_TRUE(started.on_trial);
  EXPECT_EQ(started.config.batch.interval_ms, 500);
  Step();  // on trial: nothing final yet
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.0.0 installing"));
  // The agent reached the broker: it commits; the next poll reports.
  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay).ok());
  Step();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.0.0 installing", "7 1.0.0 committed"));
  EXPECT_EQ(hub_.requests.back().installed.back(),
            (wire::InstalledArtifact{"config", "fleet", "1.0.0"}));
  // Later starts apply it and report nothing more.
  EXPECT_FALSE(StartAgent().on_trial);
  Step();
  Step();
  EXPECT_EQ(hub_.held.size(), 2u);
  EXPECT_EQ(restarts_, 1);
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerConfigTest, AConfigTheAgentCannotStartWithIsRolledBackAfterThreeStarts) {
  PublishConfig("1.0.0", "[batch]\ninterval_ms = 500\n");
  DirectConfig(7, "1.0.0");
  Step();
  // Three starts with it, each failing before the agent is healthy (the
  // manager of such a start may or may not have polled).
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(StartAgent().on_trial);
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.0.0 installing"));
  const EffectiveAgentConfig fourth = StartAgent();  // rolled back by the slots
  EXPECT_FALSE(fourth.on_trial);
  EXPECT_FALSE(fourth.overlay.has_value());
  EXPECT_EQ(fourth.config.batch.interval_ms, 1000);
  Step();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.0.0 installing", "7 1.0.0 rolled_back"));
  EXPECT_THAT(hub_.Last().reason, HasSubstr("rolled back fleet 1.0.0: did not become healthy"));
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerConfigTest, RefusedOverlaysAndUnsupervisedAgentsAreReportedFailed) {
  PublishConfig("1.0.0", "[ota]\npoll_interval_s = 1\n");
  DirectConfig(7, "1.0.0");
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "failed");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("may not set [device], [hub] or [ota]"));
  PublishConfig("1.1.0", "[batch]\nmax_samples = -1\n");
  DirectConfig(8, "1.1.0");
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "failed");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("fleet@1.1.0/agent.toml:2:15: [batch] max_samples"));
  EXPECT_FALSE(ConfigStatus().trial.has_value());
  EXPECT_FALSE(ConfigStatus().active.has_value());

  supervised_ = false;
  Reopen();
  PublishConfig("1.2.0", "[batch]\ninterval_ms = 500\n");
  DirectConfig(9, "1.2.0");
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "failed");
  EXPECT_EQ(hub_.Last().reason, "config updates need keel-edge supervise");
  EXPECT_EQ(restarts_, 0);
}

TEST_F(OtaManagerConfigTest, RevertRestartsWithThePreviousConfiguration) {
  for (const std::string version : {"1.0.0", "1.1.0"}) {
    PublishConfig(version, "[batch]\ninterval_ms = " +
                               std::string(version == "1.0.0" ? "500" : "700") + "\n");
    DirectConfig(version == "1.0.0" ? 1 : 2, version);
    Step();
    const EffectiveAgentConfig started = StartAgent();
    ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay).ok());
    Step();
  }
  const int restarts = restarts_;
  DirectConfig(2, "1.1.0", "revert");
  Step();
  EXPECT_EQ(restarts_, restarts + 1);
  EXPECT_EQ(StartAgent().config.batch.interval_ms, 500);
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "reverted");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("reverted fleet 1.1.0: deployment 2"));
  EXPECT_EQ(restarts_, restarts + 1);
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerConfigTest, ARevertDuringTheTrialRollsItBackSoItIsNeverCommitted) {
  PublishConfig("1.0.0", "[batch]\ninterval_ms = 500\n");
  DirectConfig(7, "1.0.0");
  Step();
  const EffectiveAgentConfig started = StartAgent();
  hub_.directives.clear();  // the deployment rolls back before the device is healthy
  DirectConfig(7, "1.0.0", "revert");
  Step();
  EXPECT_EQ(restarts_, 2);
  EXPECT_THAT(ConfigStatus().last_result, StartsWith("rolled back fleet 1.0.0: reverted by"));
  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay).ok());  // late
  EXPECT_FALSE(ConfigStatus().active.has_value());
  EXPECT_FALSE(StartAgent().overlay.has_value());
  Step();
  Step();
  // The install is no longer directed: it ends "failed" before the revert.
  EXPECT_THAT(hub_.States(),
              ElementsAre("7 1.0.0 installing", "7 1.0.0 failed", "7 1.0.0 reverted"));
  EXPECT_EQ(hub_.duplicates, 0);
}

// The agent killed (the manager reopened on the same directory) and replies
// lost between the steps: each state is reported once.
TEST_F(OtaManagerConfigTest, AKillBetweenStepsReportsEachStateOnce) {
  PublishConfig("1.0.0", "[batch]\ninterval_ms = 500\n");
  DirectConfig(7, "1.0.0");
  hub_.lose_replies = 1;  // the directive is lost
  EXPECT_FALSE(manager_->Step().ok());
  Reopen();
  Step();  // "installing", on trial, restart requested
  EXPECT_EQ(restarts_, 1);
  // Killed after the switch, before exiting 75: the supervisor starts it.
  EffectiveAgentConfig started = StartAgent();
  ASSERT_TRUE(started.on_trial);
  hub_.lose_replies = 1;  // "installing" reaches the hub, its ack does not
  EXPECT_FALSE(manager_->Step().ok());
  // Killed during the trial: the next start is counted too.
  started = StartAgent();
  ASSERT_TRUE(started.on_trial);
  EXPECT_EQ(ConfigStatus().trial_attempts, 2);
  Step();  // resends "installing"; still on trial
  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay).ok());
  Step();                 // "committed"
  hub_.lose_replies = 1;  // "committed" reaches the hub, its ack does not
  EXPECT_FALSE(manager_->Step().ok());
  Reopen();
  Step();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.0.0 installing", "7 1.0.0 committed"));
  EXPECT_EQ(hub_.duplicates, 2);  // the two resends, each stored once
  EXPECT_EQ(restarts_, 1);
}

}  // namespace
}  // namespace keel::edge::ota

namespace keel::edge::ota {
namespace {

// [ota] model_soak_s: a model that passed its health check runs on trial and
// is reported only when its soak ends.
class OtaManagerSoakTest : public OtaManagerTest {
 protected:
  void SetUp() override {
    model_soak_ms_ = 10'000;
    OtaManagerTest::SetUp();
    connected_since_ = clock_.MonotonicMs();
  }

  // Lets the soak of the model on trial run out and has it decided.
  void Soak() {
    clock_.AdvanceMs(model_soak_ms_);
    auto decided = manager_->CheckModelSoak();
    ASSERT_TRUE(decided.ok()) << decided.status().ToString();
    ASSERT_TRUE(*decided);
  }
  bool Decided() {
    auto decided = manager_->CheckModelSoak();
    EXPECT_TRUE(decided.ok()) << decided.status().ToString();
    return decided.ok() && *decided;
  }
  void DeployAndSoak(int64_t deployment, const std::string& version) {
    hub_.directives.push_back(Directive(deployment, version));
    Step();
    Soak();
    Step();
  }
  std::string Trial() const {
    const auto trial = manager_->model_slots().status().trial;
    return trial ? trial->version : "none";
  }
};

TEST_F(OtaManagerSoakTest, AModelIsCommittedOnlyAfterItsSoakWithTheConnectionKept) {
  Publish(BundleManifest("1.2.0"));
  hub_.directives.push_back(Directive(7, "1.2.0"));
  Step();
  // Healthy: handed to the agent at once, on trial, not reported committed.
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_EQ(Trial(), "1.2.0");
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing"));
  // The hub counts the KPIs under the model that runs.
  EXPECT_EQ(hub_.requests.back().installed.at(0).version, "1.2.0");

  clock_.AdvanceMs(6'000);
  EXPECT_FALSE(Decided());
  connected_since_ = -1;  // the broker connection drops: the count starts over
  clock_.AdvanceMs(20'000);
  EXPECT_FALSE(Decided());
  Step();  // the directive comes again: nothing is repeated
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing"));
  connected_since_ = clock_.MonotonicMs();
  clock_.AdvanceMs(9'999);
  EXPECT_FALSE(Decided());
  EXPECT_EQ(Trial(), "1.2.0");
  clock_.AdvanceMs(1);
  EXPECT_TRUE(Decided());
  EXPECT_EQ(Trial(), "none");
  EXPECT_EQ(manager_->model_slots().status().active->version, "1.2.0");
  Step();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.2.0 installing", "7 1.2.0 committed"));
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0"));
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerSoakTest, AnInferenceErrorDuringTheSoakRollsTheModelBack) {
  // The first model ever: rolled back to none, the agent back to its own.
  Publish(BundleManifest("1.1.0"));
  hub_.directives.push_back(Directive(1, "1.1.0"));
  Step();
  totals_.inference_errors = 1;
  EXPECT_TRUE(Decided());
  EXPECT_EQ(Running(), "none");
  EXPECT_THAT(swapped_to_, ElementsAre("1.1.0", "none"));
  Step();
  EXPECT_EQ(hub_.Last().state, "rolled_back");
  EXPECT_EQ(hub_.Last().reason,
            "rolled back pump-ae 1.1.0: 1 inference error(s) during its soak of 10 s");

  // Errors before the install do not count; one during the soak does.
  Publish(BundleManifest("1.2.0"));
  DeployAndSoak(2, "1.2.0");
  EXPECT_EQ(hub_.Last().state, "committed");
  Publish(BundleManifest("1.3.0"));
  hub_.directives.push_back(Directive(3, "1.3.0"));
  Step();
  clock_.AdvanceMs(9'000);
  EXPECT_FALSE(Decided());
  totals_.inference_errors = 4;
  EXPECT_TRUE(Decided());
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_THAT(swapped_to_, ElementsAre("1.1.0", "none", "1.2.0", "1.3.0", "1.2.0"));
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "rolled_back");
  EXPECT_THAT(hub_.Last().reason, HasSubstr("rolled back pump-ae 1.3.0: 3 inference error(s)"));
  EXPECT_EQ(hub_.duplicates, 0);
}

// A kill or crash during the soak never commits silently: the next start is
// counted, the model is checked and soaks again, and the third start without
// a commit rolls it back; the final report is made once.
TEST_F(OtaManagerSoakTest, AKillDuringTheSoakRestartsItAndThreeStartsRollItBack) {
  Publish(BundleManifest("1.2.0"));
  DeployAndSoak(1, "1.2.0");
  Publish(BundleManifest("1.3.0"));
  hub_.directives.push_back(Directive(2, "1.3.0"));
  Step();
  clock_.AdvanceMs(9'000);
  Reopen();  // killed 1 s before the end of the soak
  EXPECT_EQ(Trial(), "1.3.0");
  EXPECT_EQ(manager_->model_slots().status().trial_attempts, 2);
  EXPECT_TRUE(manager_->model_soaking());
  clock_.AdvanceMs(2'000);
  Step();  // no commit: the soak started over at the restart
  Step();
  EXPECT_THAT(hub_.States(),
              ElementsAre("1 1.2.0 installing", "1 1.2.0 committed", "2 1.3.0 installing"));
  clock_.AdvanceMs(8'000);
  Step();  // 10 s since the restart: decided first, reported with this poll
  EXPECT_THAT(hub_.States(), ElementsAre("1 1.2.0 installing", "1 1.2.0 committed",
                                         "2 1.3.0 installing", "2 1.3.0 committed"));
  EXPECT_EQ(Running(), "1.3.0");

  Publish(BundleManifest("1.4.0"));
  hub_.directives.push_back(Directive(3, "1.4.0"));
  Step();  // start 1 of 1.4.0
  Reopen();
  Reopen();
  EXPECT_EQ(manager_->model_slots().status().trial_attempts, 3);
  EXPECT_EQ(Running(), "1.4.0");
  Reopen();  // the fourth start rolls back by itself
  EXPECT_FALSE(manager_->model_soaking());
  EXPECT_EQ(Running(), "1.3.0");
  Step();
  Step();
  EXPECT_EQ(hub_.Last().state, "rolled_back");
  EXPECT_EQ(hub_.Last().reason, "rolled back pump-ae 1.4.0: did not become healthy in 3 starts");
  EXPECT_EQ(hub_.held.size(), 6u);
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerSoakTest, ARevertOrANewerDeploymentDuringTheSoakRollsTheTrialBack) {
  Publish(BundleManifest("1.2.0"));
  DeployAndSoak(1, "1.2.0");
  Publish(BundleManifest("1.3.0"));
  hub_.directives.push_back(Directive(2, "1.3.0"));
  Step();
  // The deployment rolls back: the hub directs the revert instead.
  hub_.directives.back().action = "revert";
  Step();
  EXPECT_EQ(Running(), "1.2.0");
  EXPECT_FALSE(manager_->model_soaking());
  EXPECT_THAT(swapped_to_, ElementsAre("1.2.0", "1.3.0", "1.2.0"));
  clock_.AdvanceMs(model_soak_ms_);
  EXPECT_FALSE(Decided());
  Step();
  std::vector<std::string> two;
  for (const auto& [seq, r] : hub_.held) {
    if (r.deployment == 2) two.push_back(r.state + ": " + r.reason);
  }
  EXPECT_THAT(two,
              ElementsAre("installing: ", "failed: no longer directed by the hub",
                          "reverted: rolled back pump-ae 1.3.0: no longer directed by the hub"));

  // A newer deployment supersedes the one soaking: that trial ends, the
  // newer one is installed in the same poll.
  Publish(BundleManifest("1.4.0"));
  Publish(BundleManifest("1.5.0"));
  hub_.directives = {Directive(3, "1.4.0")};
  Step();
  EXPECT_EQ(Trial(), "1.4.0");
  hub_.directives.push_back(Directive(4, "1.5.0"));  // both directed: the newer one waits
  Step();
  EXPECT_EQ(Trial(), "1.4.0");
  hub_.directives = {Directive(4, "1.5.0")};
  Step();
  EXPECT_EQ(Trial(), "1.5.0");
  Soak();
  Step();
  Step();
  std::vector<std::string> states;
  for (const auto& [seq, r] : hub_.held) {
    if (r.deployment >= 3) states.push_back(fmt::format("{} {}", r.deployment, r.state));
  }
  EXPECT_THAT(states, ElementsAre("3 installing", "3 failed", "4 installing", "4 committed"));
  EXPECT_EQ(manager_->model_slots().status().active->version, "1.5.0");
  EXPECT_EQ(hub_.duplicates, 0);
}

}  // namespace
}  // namespace keel::edge::ota

namespace keel::edge::ota {
namespace {

// [ota] config_health_timeout_s: the agent that ran the trial without
// becoming healthy in time rolled it back (Agent::RollBackConfigTrial) and
// restarted; the manager of the next start reports "rolled_back" once, and
// the overlay never applies again.
TEST_F(OtaManagerConfigTest, ATrialRolledBackByItsHealthTimeoutIsReportedOnce) {
  PublishConfig("1.0.0", "[batch]\ninterval_ms = 500\n");
  DirectConfig(7, "1.0.0");
  Step();
  EffectiveAgentConfig started = StartAgent();
  ASSERT_TRUE(started.on_trial);
  Step();
  const std::string why =
      "not healthy within 300 s (the hub's broker connection was not kept 60 s)";
  ASSERT_TRUE(RollbackConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay, why).ok());
  // Late: another process decided the trial, so nothing changes.
  ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay).ok());
  ASSERT_TRUE(RollbackConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay, "again").ok());
  EXPECT_EQ(ConfigStatus().last_result, "rolled back fleet 1.0.0: " + why);
  const EffectiveAgentConfig next = StartAgent();
  EXPECT_FALSE(next.on_trial);
  EXPECT_FALSE(next.overlay.has_value());
  EXPECT_EQ(next.config.batch.interval_ms, 1000);
  Step();
  Step();
  Reopen();
  Step();
  EXPECT_THAT(hub_.States(), ElementsAre("7 1.0.0 installing", "7 1.0.0 rolled_back"));
  EXPECT_EQ(hub_.Last().reason, "rolled back fleet 1.0.0: " + why);
  EXPECT_EQ(hub_.duplicates, 0);
  EXPECT_EQ(restarts_, 1);
}

}  // namespace
}  // namespace keel::edge::ota

namespace keel::edge::ota {
namespace {

// A re-deploy of the agent binary version the device runs: intact files
// need nothing; a binary replaced together with its slot.json (which the
// slots cannot tell) or a file added to the slot is installed again from the
// signed target, on trial under the supervisor like any install. (A binary
// replaced alone no longer verifies against slot.json: SlotStore::Open falls
// back to the other slot, so the version it names is not active and the same
// deploy installs it as any install.) This is how an attestation quarantine
// is remediated.
TEST_F(OtaManagerTest, AReinstallOfTheRunningAgentVersionRepairsItsChangedFiles) {
  PublishAgent("1.3.0");
  const std::string signed_binary = source_->payloads_.at("keel-edge@1.3.0/keel-edge");
  int64_t deployment = 0;
  // Deploys 1.3.0; when it goes on trial the supervisor (simulated)
  // commits it and the agent restarts.
  auto deploy = [&] {
    hub_.directives.push_back(Directive(++deployment, "1.3.0", "install", "agent"));
    hub_.directives.back().name = "keel-edge";
    Step();
    if (manager_->restart_requested()) {
      ASSERT_TRUE(AgentSlots().RecordStart().value());
      ASSERT_TRUE(AgentSlots().Commit().ok());
      Reopen();
    }
    Step();
    Step();
  };
  deploy();
  ASSERT_EQ(restarts_, 1);
  const std::filesystem::path first = AgentSlots().Current()->dir;

  deploy();  // intact
  EXPECT_EQ(hub_.Last().reason, "already installed");
  EXPECT_EQ(restarts_, 1);

  RewriteSlotFile(first, "keel-edge", "#!/bin/sh\necho not the signed agent\n");
  ASSERT_EQ(AgentSlots().status().active->version, "1.3.0");  // still verifies
  EXPECT_FALSE(*InstalledMatchesSigned(*FreshUpdater(), AgentSlots()));
  deploy();
  EXPECT_EQ(restarts_, 2);
  const std::filesystem::path second = AgentSlots().Current()->dir;
  EXPECT_NE(second, first);
  EXPECT_EQ(ReadFile(second / "keel-edge").value(), signed_binary);
  EXPECT_TRUE(*InstalledMatchesSigned(*FreshUpdater(), AgentSlots()));

  ASSERT_TRUE(WriteFileAtomic(second / "preload.so", "injected").ok());
  deploy();
  EXPECT_EQ(restarts_, 3);
  EXPECT_EQ(ReadFile(AgentSlots().Current()->dir / "keel-edge").value(), signed_binary);

  std::vector<std::string> states;
  for (const auto& [seq, r] : hub_.held) {
    states.push_back(fmt::format("{} {} {}", r.deployment, r.state, r.reason));
  }
  EXPECT_THAT(states,
              ElementsAre("1 installing ", "1 committed ", "2 committed already installed",
                          "3 installing ", "3 committed ", "4 installing ", "4 committed "));
  EXPECT_EQ(hub_.duplicates, 0);
}

TEST_F(OtaManagerConfigTest, AReinstallOfTheRunningConfigVersionRepairsItsChangedFile) {
  PublishConfig("1.0.0", "[batch]\ninterval_ms = 500\n");
  int64_t deployment = 0;
  auto deploy = [&] {
    DirectConfig(++deployment, "1.0.0");
    Step();
    if (manager_->restart_requested()) {
      const EffectiveAgentConfig started = StartAgent();
      ASSERT_TRUE(started.on_trial);
      EXPECT_EQ(started.config.batch.interval_ms, 500);  // the signed overlay
      ASSERT_TRUE(CommitConfigTrial(PosixFileSystem(), ConfigDir(), *started.overlay).ok());
    }
    Step();
    Step();
  };
  deploy();
  deploy();  // intact
  EXPECT_EQ(hub_.Last().reason, "already installed");
  EXPECT_EQ(restarts_, 1);

  auto slots = [&] { return SlotStore::Open(PosixFileSystem(), ConfigDir()).value(); };
  const std::filesystem::path first = slots().Current()->dir;
  RewriteSlotFile(first, "agent.toml", "[batch]\ninterval_ms = 100\n");
  EXPECT_EQ(StartAgent().config.batch.interval_ms, 100);  // what runs now
  deploy();
  EXPECT_EQ(restarts_, 2);
  EXPECT_NE(slots().Current()->dir, first);
  EXPECT_EQ(StartAgent().config.batch.interval_ms, 500);
  EXPECT_TRUE(*InstalledMatchesSigned(*FreshUpdater(), slots()));
  std::vector<std::string> states;
  for (const auto& [seq, r] : hub_.held) {
    states.push_back(fmt::format("{} {} {}", r.deployment, r.state, r.reason));
  }
  EXPECT_THAT(states, ElementsAre("1 installing ", "1 committed ", "2 committed already installed",
                                  "3 installing ", "3 committed "));
  EXPECT_EQ(hub_.duplicates, 0);
}

}  // namespace
}  // namespace keel::edge::ota
