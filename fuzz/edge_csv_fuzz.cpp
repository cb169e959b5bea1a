// libFuzzer target for the CSV table parser behind the "csv" replay sensor:
// any input, in every layout, must yield a consistent table or an error
// Status, never a crash, hang or exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/sensors/csv_table.h"

namespace {

void Check(std::string_view text, const keel::edge::CsvLayout& layout) {
  auto table = keel::edge::ParseCsv(text, layout, "fuzz.csv");
  if (!table.ok()) {
    if (table.status().message().empty()) __builtin_trap();
    return;
  }
  if (table->columns.empty() || table->values.size() != table->columns.size()) __builtin_trap();
  for (const auto& column : table->values) {
    if (column.size() != table->t_ms.size()) __builtin_trap();
  }
  for (size_t i = 1; i < table->t_ms.size(); ++i) {
    if (table->t_ms[i] < table->t_ms[i - 1]) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using keel::edge::CsvLayout;
  using keel::edge::CsvTimeFormat;
  Check(text, CsvLayout::Nab());
  Check(text, CsvLayout::Skab());
  Check(text, CsvLayout{});
  Check(text, CsvLayout{';', "t", CsvTimeFormat::kEpochMs, {"label"}});
  Check(text, CsvLayout{'\t', "t", CsvTimeFormat::kEpochS, {}});
  return 0;
}
