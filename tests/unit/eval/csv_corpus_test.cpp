#include "eval/csv_corpus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "test_util/temp_dir.h"

namespace keel::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Touch(const std::filesystem::path& p) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << "x\n";
}

TEST(CsvCorpusTest, FindsCsvFilesRecursivelySortedAndRelative) {
  TempDir dir;
  Touch(dir.path() / "b" / "2.csv");
  Touch(dir.path() / "a.CSV");
  Touch(dir.path() / "b" / "c" / "weird name.csv");
  Touch(dir.path() / "notes.txt");
  auto files = FindCsvFiles(dir.path());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_THAT(*files, ElementsAre("a.CSV", "b/2.csv", "b/c/weird name.csv"));
}

TEST(CsvCorpusTest, MissingDirectoryIsNotFound) {
  TempDir dir;
  auto files = FindCsvFiles(dir.path() / "nope");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().code(), StatusCode::kNotFound);
}

TEST(CsvCorpusTest, ReadsNamedColumnsVerbatim) {
  std::string text =
      "\xEF\xBB\xBF\"datetime\";x;anomaly\r\n2020-01-01 00:00:00;1.5;0.0\r\n"
      "2020-01-01 00:00:01;2;1.0";
  auto cols = ReadCsvColumnsText(text, ';', {"anomaly", "datetime"}, "f.csv");
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  EXPECT_THAT((*cols)[0], ElementsAre("0.0", "1.0"));
  EXPECT_THAT((*cols)[1], ElementsAre("2020-01-01 00:00:00", "2020-01-01 00:00:01"));
  EXPECT_TRUE(CsvHasColumn(text, ';', "anomaly"));
  EXPECT_FALSE(CsvHasColumn(text, ';', "changepoint"));
}

TEST(CsvCorpusTest, RejectsMissingColumnAndRaggedRow) {
  auto missing = ReadCsvColumnsText("a,b\n1,2\n", ',', {"c"}, "f.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("f.csv:1: no column \"c\""));
  auto ragged = ReadCsvColumnsText("a,b\n1,2\n3\n", ',', {"a"}, "f.csv");
  ASSERT_FALSE(ragged.ok());
  EXPECT_THAT(ragged.status().message(), HasSubstr("f.csv:3: 1 fields"));
}

}  // namespace
}  // namespace keel::eval
