// The "csv" sensor kind: replays a recorded CSV file (csv_table.h) as if it
// were a live sensor, for demos, tests and evaluation on public anomaly
// benchmarks (NAB, SKAB).
//
// Options (SensorConfig::options; any other key is InvalidArgument):
//   path        required; the file, loaded and validated once at creation
//   layout      nab | skab | generic (default generic)
//   delimiter   generic only: one character (default ",")
//   time_column generic only: header name of the time column (default "timestamp")
//   time_format generic only: iso | epoch_ms | epoch_s (default iso)
//   timestamps  now (default): the first row is stamped with the first Read's
//               now_ms and later rows keep their offsets from it;
//               file: samples carry the file's timestamps
//   loop        true | false (default false); with loop the file is replayed
//               again after its end, each pass starting one median row
//               interval after the previous pass's last row. Requires
//               timestamps=now (file timestamps would repeat).
//
// SensorConfig::signals may name a subset of the columns (by header name or
// sanitized name; the unit is taken from the signal); empty means every
// signal column. Channels are named "<sensor>.<sanitized column>" and their
// rate_hz is 1000 / the median interval between rows (0 for fewer than two
// rows or a zero median).
//
// Timing: with first_now the now_ms of the first Read, row i (of pass k) is
// due once now_ms - first_now >= k * pass_ms + (t_i - t_0). Read appends every
// due row not returned before (at most kCsvMaxRowsPerRead rows per call; the
// rest follow in later calls), one Series per channel. Unlike the grid of
// sensor_driver.h, sample times follow the file. A now_ms earlier than a
// previous one yields nothing; after the last row without loop, Read returns
// OK with nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge {

inline constexpr std::string_view kCsvKind = "csv";

inline constexpr size_t kCsvMaxRowsPerRead = 100000;

// ValidateSensorConfig plus: kind must be "csv", the options above, and a
// file with at least one data row containing every listed signal. Errors are
// InvalidArgument naming the sensor and the option or signal at fault (or
// the file error from LoadCsv, prefixed with the sensor).
Result<std::unique_ptr<SensorDriver>> CreateCsvReplaySensor(const SensorConfig& config,
                                                            uint64_t seed);

}  // namespace keel::edge
