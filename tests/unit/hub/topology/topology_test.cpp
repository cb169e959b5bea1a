// ParseTopology: the document, its validation errors (what and where),
// ContextOf, DevicesBehind/DevicesAt and the JSON round trip.
#include "hub/topology/topology.h"

#include <gtest/gtest.h>

#include <string>

namespace keel::hub::topology {
namespace {

constexpr const char* kPlant = R"({
  "tenants": [{"id": "acme", "name": "ACME Corp"}],
  "sites": [{"id": "north", "tenant": "acme", "name": "North plant"},
            {"id": "south", "tenant": "acme"}],
  "gateways": [{"id": "gw-n1", "site": "north"}, {"id": "gw-s1", "site": "south"}],
  "assets": [{"id": "pump-line-1", "site": "north", "criticality": 5, "name": "Line 1"},
             {"id": "fan-3", "site": "south", "criticality": 1}],
  "devices": [
    {"id": "pump-01", "site": "north", "gateway": "gw-n1", "asset": "pump-line-1",
     "tags": {"line": "1", "vendor": "abb"},
     "sensors": [{"id": "vibration", "kind": "accelerometer", "unit": "g"}, {"id": "temp"}]},
    {"id": "pump-02", "site": "north", "gateway": "gw-n1"},
    {"id": "gw-n1", "site": "north"},
    {"id": "fan-3-mon", "site": "south", "asset": "fan-3"}
  ]})";

Topology Plant() {
  auto t = ParseTopology(kPlant, "plant.json");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : Topology{};
}

// The error message of parsing `text`, which must fail.
std::string ErrorOf(const std::string& text) {
  auto t = ParseTopology(text, "topology.json");
  if (t.ok()) return "(parsed)";
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  return t.status().message();
}

TEST(ParseTopologyTest, ReadsEveryKind) {
  const Topology t = Plant();
  ASSERT_EQ(t.tenants.size(), 1u);
  EXPECT_EQ(t.tenants.at("acme").name, "ACME Corp");
  EXPECT_EQ(t.sites.at("north").tenant, "acme");
  EXPECT_EQ(t.sites.at("south").name, "");
  EXPECT_EQ(t.gateways.at("gw-s1").site, "south");
  EXPECT_EQ(t.assets.at("pump-line-1").criticality, 5);
  EXPECT_EQ(t.assets.at("pump-line-1").name, "Line 1");
  const Device& pump = t.devices.at("pump-01");
  EXPECT_EQ(pump.gateway, "gw-n1");
  EXPECT_EQ(pump.asset, "pump-line-1");
  EXPECT_EQ(pump.tags.at("vendor"), "abb");
  ASSERT_EQ(pump.sensors.size(), 2u);
  EXPECT_EQ(pump.sensors[0], (Sensor{"vibration", "accelerometer", "g"}));
  EXPECT_EQ(pump.sensors[1], (Sensor{"temp", "", ""}));
  EXPECT_EQ(t.devices.size(), 4u);
}

TEST(ParseTopologyTest, EveryArrayIsOptional) {
  auto t = ParseTopology("{}", "t.json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, Topology{});
  EXPECT_TRUE(ParseTopology(R"({"tenants": [], "devices": []})", "t.json").ok());
}

TEST(ParseTopologyTest, ErrorsNameTheSourceAndThePath) {
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"}],
      "gateways": [{"id": "gw-1", "site": "s"}],
      "devices": [{"id": "d0", "site": "s"}, {"id": "d1", "site": "s"}, {"id": "d2", "site": "s"},
                  {"id": "d3", "site": "s", "gateway": "gw-9"}]})"),
            R"(topology.json: devices[3].gateway: "gw-9" is not a gateway)");
  EXPECT_EQ(ErrorOf(R"({"sites": [{"id": "s", "tenant": "nobody"}]})"),
            R"(topology.json: sites[0].tenant: "nobody" is not a tenant)");
  EXPECT_EQ(ErrorOf(R"({"gateways": [{"id": "g", "site": "x"}]})"),
            R"(topology.json: gateways[0].site: "x" is not a site)");
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"}],
      "devices": [{"id": "d", "site": "s", "asset": "nope"}]})"),
            R"(topology.json: devices[0].asset: "nope" is not an asset)");
  EXPECT_EQ(ErrorOf(R"({"devices": [{"id": "d", "site": "s"}]})"),
            R"(topology.json: devices[0].site: "s" is not a site)");
}

TEST(ParseTopologyTest, CriticalityMustBeOneToFive) {
  const std::string head = R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"}],
      "assets": [{"id": "m", "site": "s", "criticality": )";
  EXPECT_TRUE(ParseTopology(head + "1}]}", "t").ok());
  EXPECT_TRUE(ParseTopology(head + "5}]}", "t").ok());
  EXPECT_EQ(ErrorOf(head + "0}]}"), "topology.json: assets[0].criticality: 0 is not in 1..5");
  EXPECT_EQ(ErrorOf(head + "6}]}"), "topology.json: assets[0].criticality: 6 is not in 1..5");
  EXPECT_EQ(ErrorOf(head + "2.5}]}"),
            "topology.json: assets[0].criticality: expected an integer, got float");
  EXPECT_EQ(ErrorOf(head + "\"3\"}]}"),
            "topology.json: assets[0].criticality: expected an integer, got string");
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"}],
      "assets": [{"id": "m", "site": "s"}]})"),
            "topology.json: assets[0].criticality: missing");
}

TEST(ParseTopologyTest, DuplicatesAreErrors) {
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a"}, {"id": "b"}, {"id": "a"}]})"),
            R"(topology.json: tenants[2].id: "a" is declared twice among the tenants)");
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"}],
      "devices": [{"id": "d", "site": "s", "sensors": [{"id": "v"}, {"id": "v"}]}]})"),
            R"(topology.json: devices[0].sensors[1].id: "v" is declared twice in this device)");
  // The same member twice in one object: JSON parsers would keep the last.
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"},
      {"id": "t", "tenant": "a", "tenant": "a"}]})"),
            "topology.json: sites[1].tenant: given twice");
  EXPECT_EQ(ErrorOf(R"({"tenants": [], "tenants": []})"), "topology.json: tenants: given twice");
}

TEST(ParseTopologyTest, AGatewayMayAlsoBeADeviceAtItsOwnSite) {
  const Topology t = Plant();
  EXPECT_TRUE(t.devices.contains("gw-n1"));
  EXPECT_TRUE(t.gateways.contains("gw-n1"));
  const std::string head = R"({"tenants": [{"id": "a"}],
      "sites": [{"id": "s", "tenant": "a"}, {"id": "t", "tenant": "a"}],
      "gateways": [{"id": "g", "site": "s"}], "devices": [)";
  EXPECT_EQ(ErrorOf(head + R"({"id": "g", "site": "t"}]})"),
            R"(topology.json: devices[0].site: "t": the gateway "g" is at site "s")");
  EXPECT_EQ(ErrorOf(head + R"({"id": "g", "site": "s", "gateway": "g"}]})"),
            R"(topology.json: devices[0].gateway: "g" cannot be behind itself)");
  EXPECT_EQ(ErrorOf(head + R"({"id": "d", "site": "t", "gateway": "g"}]})"),
            R"(topology.json: devices[0].gateway: "g" is at site "s", not "t")");
}

TEST(ParseTopologyTest, GarbageIsRejectedWithWhatAndWhere) {
  EXPECT_EQ(ErrorOf(""), "topology.json: not valid JSON at byte 1");
  EXPECT_EQ(ErrorOf(R"({"tenants": [)"), "topology.json: not valid JSON at byte 14");
  EXPECT_EQ(ErrorOf("[]"), "topology.json: the document: expected a JSON object, got array");
  EXPECT_EQ(ErrorOf(R"({"tenant": []})"), "topology.json: tenant: unknown member");
  EXPECT_EQ(ErrorOf(R"({"tenants": {}})"), "topology.json: tenants: expected an array, got object");
  EXPECT_EQ(ErrorOf(R"({"tenants": [7]})"),
            "topology.json: tenants[0]: expected a JSON object, got integer");
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a", "colour": "red"}]})"),
            "topology.json: tenants[0].colour: unknown member");
  EXPECT_EQ(
      ErrorOf(R"({"tenants": [{"id": "a b"}]})"),
      R"(topology.json: tenants[0].id: "a b" is not an id (1..64 characters of [A-Za-z0-9._-]))");
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": ""}]})").find("tenants[0].id: \"\" is not an id"),
            std::string("topology.json: ").size());
  EXPECT_NE(
      ErrorOf(R"({"tenants": [{"id": ")" + std::string(65, 'x') + "\"}]}").find("is not an id"),
      std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"tenants": [{"id": "a", "name": )" + std::string("\"") +
                    std::string(257, 'n') + "\"}]}"),
            "topology.json: tenants[0].name: 257 bytes, more than 256");
  EXPECT_EQ(ErrorOf(std::string(1 << 20, ' ') + " {}"),
            "topology.json: 1048579 bytes, more than the limit of 1048576");
  EXPECT_EQ(ErrorOf(R"({"tenants": [[[[[[[[[]]]]]]]]]})"),
            "topology.json: tenants[0][0][0][0][0][0][0]: nested deeper than 8 levels");
}

TEST(ParseTopologyTest, TagsAreCheckedAndMayNotShadowTheTopology) {
  const std::string head = R"({"tenants": [{"id": "a"}], "sites": [{"id": "s", "tenant": "a"}],
      "devices": [{"id": "d", "site": "s", "tags": )";
  EXPECT_TRUE(ParseTopology(head + R"({"line": "2", "fw:ver": "1.2"}}]})", "t").ok());
  EXPECT_EQ(ErrorOf(head + R"({"site": "x"}}]})"),
            R"(topology.json: devices[0].tags."site": is set by the topology itself, not a tag)");
  EXPECT_EQ(ErrorOf(head + R"({"line": 2}}]})"),
            R"(topology.json: devices[0].tags."line": expected a string, got integer)");
  EXPECT_EQ(
      ErrorOf(head + R"({"line": "two words"}}]})"),
      R"(topology.json: devices[0].tags."line": "two words": values are 1..64 characters of [A-Za-z0-9._:-])");
  EXPECT_EQ(ErrorOf(head + R"({"": "x"}}]})"),
            R"(topology.json: devices[0].tags."": keys are 1..64 characters of [A-Za-z0-9._:-])");
  EXPECT_EQ(ErrorOf(head + R"(["x"]}]})"),
            "topology.json: devices[0].tags: expected an object, got array");
}

TEST(ContextOfTest, LabelsFromTheStructureThenTheTags) {
  const Topology t = Plant();
  EXPECT_EQ(ContextOf(t, "pump-01"), (Labels{{"tenant", "acme"},
                                             {"site", "north"},
                                             {"gateway", "gw-n1"},
                                             {"asset", "pump-line-1"},
                                             {"criticality", "5"},
                                             {"line", "1"},
                                             {"vendor", "abb"}}));
  EXPECT_EQ(ContextOf(t, "pump-02"),
            (Labels{{"tenant", "acme"}, {"site", "north"}, {"gateway", "gw-n1"}}));
  EXPECT_EQ(
      ContextOf(t, "fan-3-mon"),
      (Labels{{"tenant", "acme"}, {"site", "south"}, {"asset", "fan-3"}, {"criticality", "1"}}));
  // A gateway listed as a device, and one that is not.
  EXPECT_EQ(ContextOf(t, "gw-n1"),
            (Labels{{"tenant", "acme"}, {"site", "north"}, {"role", "gateway"}}));
  EXPECT_EQ(ContextOf(t, "gw-s1"),
            (Labels{{"tenant", "acme"}, {"site", "south"}, {"role", "gateway"}}));
  EXPECT_TRUE(ContextOf(t, "unknown").empty());
}

TEST(TopologyQueriesTest, DevicesBehindAndAt) {
  const Topology t = Plant();
  EXPECT_EQ(DevicesBehind(t, "gw-n1"), (std::vector<std::string>{"pump-01", "pump-02"}));
  EXPECT_TRUE(DevicesBehind(t, "gw-s1").empty());
  EXPECT_TRUE(DevicesBehind(t, "").empty()) << "not: every device without a gateway";
  EXPECT_EQ(DevicesAt(t, "north"), (std::vector<std::string>{"gw-n1", "pump-01", "pump-02"}));
  EXPECT_EQ(DevicesAt(t, "south"), (std::vector<std::string>{"fan-3-mon"}));
  EXPECT_TRUE(DevicesAt(t, "west").empty());
}

TEST(TopologyToJsonTest, RoundTrips) {
  const Topology t = Plant();
  const nlohmann::json json = TopologyToJson(t);
  auto again = ParseTopology(json.dump(), "round-trip");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << json.dump(2);
  EXPECT_EQ(*again, t);
  EXPECT_EQ(TopologyToJson(*again), json);
  // Optional members are omitted when empty; arrays are sorted by id.
  EXPECT_EQ(json["devices"][0]["id"], "fan-3-mon");
  EXPECT_FALSE(json["devices"][0].contains("gateway"));
  EXPECT_FALSE(json["devices"][0].contains("tags"));
  EXPECT_FALSE(json["sites"][1].contains("name"));
  EXPECT_EQ(TopologyToJson(Topology{}),
            nlohmann::json::parse(
                R"({"tenants": [], "sites": [], "gateways": [], "assets": [], "devices": []})"));
}

}  // namespace
}  // namespace keel::hub::topology
