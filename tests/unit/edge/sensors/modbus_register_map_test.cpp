#include "edge/sensors/modbus_register_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>

namespace keel::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ModbusRegisterMapping Parse(std::string_view text) {
  auto mapping = ParseModbusRegisterMapping(text);
  EXPECT_TRUE(mapping.ok()) << mapping.status().ToString();
  return mapping.ok() ? *mapping : ModbusRegisterMapping{};
}

std::string Error(std::string_view text) {
  auto mapping = ParseModbusRegisterMapping(text);
  if (mapping.ok()) return "parsed";
  EXPECT_EQ(mapping.status().code(), StatusCode::kInvalidArgument);
  return mapping.status().message();
}

TEST(ModbusRegisterMapTest, ParsesTheGrammar) {
  EXPECT_EQ(Parse("holding:40:float32_abcd"),
            (ModbusRegisterMapping{ModbusTable::kHolding, 40, ModbusValueType::kFloat32,
                                   ModbusWordOrder::kAbcd, 1}));
  EXPECT_EQ(Parse("input:3:uint16*0.1"),
            (ModbusRegisterMapping{ModbusTable::kInput, 3, ModbusValueType::kUint16,
                                   ModbusWordOrder::kAbcd, 0.1}));
  EXPECT_EQ(Parse("holding:65535:int16*-1e-3").scale, -1e-3);
  EXPECT_EQ(Parse("input:0:int32_cdab").order, ModbusWordOrder::kCdab);
  EXPECT_EQ(Parse("input:0:uint32_dcba").registers(), 2);
}

TEST(ModbusRegisterMapTest, RejectsEverythingElse) {
  EXPECT_THAT(Error(""), HasSubstr("syntax"));
  EXPECT_THAT(Error("holding:1:uint16:x"), HasSubstr("type: expected"));
  EXPECT_THAT(Error("Holding:1:uint16"), HasSubstr("table"));
  EXPECT_THAT(Error("holding: 1:uint16"), HasSubstr("address"));
  EXPECT_THAT(Error("holding:-1:uint16"), HasSubstr("address"));
  EXPECT_THAT(Error("holding::uint16"), HasSubstr("address"));
  EXPECT_THAT(Error("holding:65535:float32_abcd"), HasSubstr("runs past 65535"));
  EXPECT_THAT(Error("holding:1:float32"), HasSubstr("type: expected"));
  EXPECT_THAT(Error("holding:1:uint16_abcd"), HasSubstr("type: expected"));
  EXPECT_THAT(Error("holding:1:uint16*"), HasSubstr("scale"));
  EXPECT_THAT(Error("holding:1:uint16*x"), HasSubstr("scale"));
  EXPECT_THAT(Error("holding:1:uint16*nan"), HasSubstr("scale"));
  EXPECT_THAT(Error("holding:1:uint16*1*2"), HasSubstr("scale"));
  EXPECT_THAT(Error("holding:1:uint16 "), HasSubstr("type"));
}

TEST(ModbusRegisterMapTest, DecodesEveryOrder) {
  // 0xAABBCCDD with A = 0x3F, B = 0x9D, C = 0xF3, D = 0xB6 is 1.234f.
  const uint32_t bits = std::bit_cast<uint32_t>(1.234f);
  ASSERT_EQ(bits, 0x3F9DF3B6u);
  const uint16_t abcd[] = {0x3F9D, 0xF3B6};
  const uint16_t badc[] = {0x9D3F, 0xB6F3};
  const uint16_t cdab[] = {0xF3B6, 0x3F9D};
  const uint16_t dcba[] = {0xB6F3, 0x9D3F};
  EXPECT_FLOAT_EQ(DecodeModbusValue(Parse("holding:0:float32_abcd"), abcd), 1.234f);
  EXPECT_FLOAT_EQ(DecodeModbusValue(Parse("holding:0:float32_badc"), badc), 1.234f);
  EXPECT_FLOAT_EQ(DecodeModbusValue(Parse("holding:0:float32_cdab"), cdab), 1.234f);
  EXPECT_FLOAT_EQ(DecodeModbusValue(Parse("holding:0:float32_dcba"), dcba), 1.234f);
  EXPECT_EQ(DecodeModbusValue(Parse("holding:0:uint32_badc"), badc), 0x3F9DF3B6);
  EXPECT_EQ(DecodeModbusValue(Parse("holding:0:int32_dcba"), dcba), 0x3F9DF3B6);
  const uint16_t minus_one[] = {0xFFFF, 0xFFFF};
  EXPECT_EQ(DecodeModbusValue(Parse("holding:0:int32_abcd"), minus_one), -1);
  EXPECT_EQ(DecodeModbusValue(Parse("holding:0:uint32_abcd"), minus_one), 4294967295.0);
  EXPECT_EQ(DecodeModbusValue(Parse("holding:0:int16"), minus_one), -1);
  EXPECT_EQ(DecodeModbusValue(Parse("holding:0:uint16*0.5"), minus_one), 32767.5);
}

TEST(ModbusRegisterMapTest, PlansAdjacentAndOverlappingRegistersIntoOneRequest) {
  const std::vector<ModbusRegisterMapping> m = {
      Parse("holding:10:float32_abcd"),  // 0: 10..11
      Parse("holding:12:uint16"),        // 1: adjacent
      Parse("holding:11:uint16"),        // 2: overlapping
      Parse("holding:14:uint16"),        // 3: gap of one -> new request
      Parse("input:12:uint16"),          // 4: other table
      Parse("holding:0:uint16"),         // 5: not wanted
  };
  const auto requests = PlanModbusReads(m, {4, 3, 2, 1, 0});
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].table, ModbusTable::kHolding);
  EXPECT_EQ(requests[0].address, 10);
  EXPECT_EQ(requests[0].count, 3);
  EXPECT_THAT(requests[0].members, ElementsAre(0, 2, 1));
  EXPECT_EQ(requests[1].address, 14);
  EXPECT_EQ(requests[1].count, 1);
  EXPECT_EQ(requests[2].table, ModbusTable::kInput);
  EXPECT_THAT(requests[2].members, ElementsAre(4));
}

TEST(ModbusRegisterMapTest, SplitsRequestsAtTheProtocolLimit) {
  std::vector<ModbusRegisterMapping> m;
  std::vector<size_t> wanted;
  for (int a = 0; a < 130; ++a) {
    m.push_back({ModbusTable::kInput, static_cast<uint16_t>(a), ModbusValueType::kUint16,
                 ModbusWordOrder::kAbcd, 1});
    wanted.push_back(static_cast<size_t>(a));
  }
  const auto requests = PlanModbusReads(m, wanted);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].count, kModbusMaxRegistersPerRequest);
  EXPECT_EQ(requests[1].address, 125);
  EXPECT_EQ(requests[1].count, 5);
}

}  // namespace
}  // namespace keel::edge
