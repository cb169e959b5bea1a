#include "edge/sensors/csv_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kApril2014 = 1396310400000;  // 2014-04-01 00:00:00 UTC

std::string ErrorOf(std::string_view text, const CsvLayout& layout = {}) {
  auto table = ParseCsv(text, layout, "t.csv");
  if (table.ok()) return "parsed";
  EXPECT_EQ(table.status().code(), StatusCode::kInvalidArgument);
  return table.status().message();
}

TEST(CsvTimestampTest, IsoMatchesKnownEpochValues) {
  EXPECT_EQ(*ParseCsvTimestamp("1970-01-01 00:00:00", CsvTimeFormat::kIso), 0);
  EXPECT_EQ(*ParseCsvTimestamp("2014-04-01 00:00:00", CsvTimeFormat::kIso), kApril2014);
  EXPECT_EQ(*ParseCsvTimestamp("2014-04-01T00:00:00Z", CsvTimeFormat::kIso), kApril2014);
  EXPECT_EQ(*ParseCsvTimestamp("2000-02-29 12:34:56.7", CsvTimeFormat::kIso), 951827696700);
  EXPECT_EQ(*ParseCsvTimestamp("2020-03-09T10:14:33.123456Z", CsvTimeFormat::kIso), 1583748873123);
  EXPECT_EQ(*ParseCsvTimestamp("1969-12-31 23:59:59", CsvTimeFormat::kIso), -1000);
}

TEST(CsvTimestampTest, RejectsInvalidIso) {
  for (const char* bad :
       {"2014-04-01", "2014-02-30 00:00:00", "2014-13-01 00:00:00", "2014-04-01 24:00:00",
        "2014-04-01 00:60:00", "2014-04-01 00:00:00.", "2014-04-01 00:00:00Zx",
        "2014/04/01 00:00:00", " 2014-04-01 00:00:00", "2014-04-01 00:00:00.1234567890"}) {
    EXPECT_FALSE(ParseCsvTimestamp(bad, CsvTimeFormat::kIso).ok()) << bad;
  }
}

TEST(CsvTimestampTest, EpochFormats) {
  EXPECT_EQ(*ParseCsvTimestamp("1396310400000", CsvTimeFormat::kEpochMs), kApril2014);
  EXPECT_EQ(*ParseCsvTimestamp("1396310400", CsvTimeFormat::kEpochS), kApril2014);
  EXPECT_EQ(*ParseCsvTimestamp("1396310400.25", CsvTimeFormat::kEpochS), kApril2014 + 250);
  EXPECT_FALSE(ParseCsvTimestamp("1396310400.5", CsvTimeFormat::kEpochMs).ok());
  EXPECT_FALSE(ParseCsvTimestamp("", CsvTimeFormat::kEpochMs).ok());
  EXPECT_FALSE(ParseCsvTimestamp("99999999999999999999", CsvTimeFormat::kEpochMs).ok());
  EXPECT_FALSE(ParseCsvTimestamp("1e20", CsvTimeFormat::kEpochS).ok());
  EXPECT_FALSE(ParseCsvTimestamp("nan", CsvTimeFormat::kEpochS).ok());
}

TEST(CsvTableTest, ParsesNab) {
  auto table = ParseCsv("timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,-2\n",
                        CsvLayout::Nab(), "nab.csv");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_THAT(table->columns, ElementsAre("value"));
  EXPECT_THAT(table->t_ms, ElementsAre(kApril2014, kApril2014 + 300000));
  EXPECT_THAT(table->values[0], ElementsAre(1.5, -2.0));
}

TEST(CsvTableTest, ParsesSkabWithBomCrlfAndExcludesLabels) {
  auto table = ParseCsv(
      "\xEF\xBB\xBF"
      "datetime;Accelerometer1RMS;Volume Flow RateRMS;anomaly;changepoint\r\n"
      "2020-03-09 10:14:33;0.0265;32.0;0.0;0.0\r\n"
      "2020-03-09 10:14:34;0.0277;32.5;1.0;1.0\r\n",
      CsvLayout::Skab(), "skab.csv");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_THAT(table->columns, ElementsAre("Accelerometer1RMS", "Volume_Flow_RateRMS"));
  EXPECT_THAT(table->source_columns, ElementsAre("Accelerometer1RMS", "Volume Flow RateRMS"));
  EXPECT_THAT(table->t_ms, ElementsAre(1583748873000, 1583748874000));
  EXPECT_THAT(table->values[1], ElementsAre(32.0, 32.5));
}

TEST(CsvTableTest, ParsesGenericWithQuotedHeaderAndEpochTimes) {
  CsvLayout layout;
  layout.delimiter = '\t';
  layout.time_column = "ts";
  layout.time_format = CsvTimeFormat::kEpochMs;
  auto table = ParseCsv("\"ts\"\t\"a b\"\tc\n1000\t1\t2\n1000\t3\t4", layout, "g.tsv");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_THAT(table->columns, ElementsAre("a_b", "c"));
  EXPECT_THAT(table->t_ms, ElementsAre(1000, 1000));
  EXPECT_THAT(table->values[1], ElementsAre(2.0, 4.0));
}

TEST(CsvTableTest, HeaderOnlyIsAnEmptyTable) {
  auto table = ParseCsv("timestamp,x\n", {}, "h.csv");
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE(table->t_ms.empty());
  EXPECT_TRUE(table->values[0].empty());
}

TEST(CsvTableTest, ErrorsNameSourceLineAndColumn) {
  const std::string head = "timestamp,value\n2014-04-01 00:00:00,1\n";
  EXPECT_EQ(ErrorOf(head + "2014-04-01 00:00:01,1,2\n"), "t.csv:3: row has 3 fields, header has 2");
  EXPECT_EQ(ErrorOf(head + "2014-04-01 00:00:01\n"), "t.csv:3: row has 1 fields, header has 2");
  EXPECT_EQ(ErrorOf(head + "2014-04-01 00:00:01,1x\n"),
            "t.csv:3: column \"value\": \"1x\" is not a finite number");
  EXPECT_EQ(ErrorOf(head + "2014-04-01 00:00:01,\n"),
            "t.csv:3: column \"value\": \"\" is not a finite number");
  EXPECT_EQ(ErrorOf(head + "2014-04-01 00:00:01,inf\n"),
            "t.csv:3: column \"value\": \"inf\" is not a finite number");
  EXPECT_THAT(ErrorOf(head + "2014-04-01 00:00:01,1\n2014-03-01 00:00:00,1\n"),
              HasSubstr("t.csv:4: column \"timestamp\": timestamp \"2014-03-01 00:00:00\" is "
                        "before the previous row's"));
  EXPECT_THAT(ErrorOf(head + "yesterday,1\n"),
              HasSubstr("t.csv:3: column \"timestamp\": timestamp \"yesterday\" is not"));
  EXPECT_EQ(ErrorOf(head + "\n2014-04-01 00:00:01,1\n"), "t.csv:3: empty line");
  EXPECT_EQ(ErrorOf("time,value\n"), "t.csv:1: time column \"timestamp\" not found");
  EXPECT_EQ(ErrorOf("timestamp\n"), "t.csv:1: no signal columns");
  EXPECT_EQ(ErrorOf(""), "t.csv:1: missing header row");
  EXPECT_EQ(ErrorOf("timestamp,,x\n"), "t.csv:1: header field 2 is empty");
  EXPECT_EQ(ErrorOf("timestamp,a b,a_b\n"),
            "t.csv:1: column \"a_b\": duplicate signal name \"a_b\"");
  EXPECT_EQ(ErrorOf("timestamp,\"x\n"), "t.csv:1: field 2 has no closing quote");
  EXPECT_EQ(ErrorOf("timestamp,\"x\"y\n"), "t.csv:1: field 2 has text after its closing quote");
  EXPECT_THAT(ErrorOf("timestamp,value\r\n2014-04-01 00:00:00,1" + std::string(70000, '0')),
              HasSubstr("t.csv:2: line of 70021 bytes exceeds the limit"));
  EXPECT_THAT(ErrorOf("timestamp," + std::string(65, 'x') + "\n"),
              HasSubstr("name longer than 64 bytes"));
}

TEST(CsvTableTest, RejectsOversizedFileWithoutReadingIt) {
  TempDir dir;
  const auto path = dir.path() / "huge.csv";
  std::ofstream(path) << "timestamp,value\n";
  std::filesystem::resize_file(path, kCsvMaxFileBytes + 1);  // sparse: no disk or memory used
  auto table = LoadCsv(path, {});
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(), HasSubstr("exceeds the limit of 536870912 bytes"));
}

TEST(CsvTableTest, LoadCsvReadsFileAndReportsMissingOne) {
  TempDir dir;
  const auto path = dir.path() / "data.csv";
  std::ofstream(path) << "timestamp,value\n2014-04-01 00:00:00,7\nbad,1\n";
  auto table = LoadCsv(path, CsvLayout::Nab());
  ASSERT_FALSE(table.ok());
  EXPECT_THAT(table.status().message(), HasSubstr(path.string() + ":3: column \"timestamp\""));
  EXPECT_FALSE(LoadCsv(dir.path() / "missing.csv", {}).ok());
}

TEST(CsvTableTest, LayoutAndFormatNames) {
  EXPECT_EQ(CsvLayoutByName("skab")->delimiter, ';');
  EXPECT_EQ(CsvLayoutByName("nab")->time_column, "timestamp");
  EXPECT_EQ(CsvLayoutByName("generic")->time_format, CsvTimeFormat::kIso);
  EXPECT_FALSE(CsvLayoutByName("xls").ok());
  EXPECT_EQ(*ParseCsvTimeFormat("epoch_s"), CsvTimeFormat::kEpochS);
  EXPECT_FALSE(ParseCsvTimeFormat("unix").ok());
  EXPECT_EQ(SanitizeCsvColumnName("Volume Flow RateRMS"), "Volume_Flow_RateRMS");
  EXPECT_EQ(SanitizeCsvColumnName("T[°C]:a/b-c.d"), "T___C_:a/b-c.d");
}

}  // namespace
}  // namespace keel::edge
