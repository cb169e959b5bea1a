// The "iio" sensor kind: polls a Linux Industrial I/O (IIO) device through
// its sysfs attributes (Documentation/ABI/testing/sysfs-bus-iio in the
// kernel). Each read is a file read, and most IIO drivers talk to the chip
// (I2C/SPI) on every read, so this suits rates up to about 100-200 Hz per
// device. Buffered capture through /dev/iio:deviceN (triggers, scan
// elements, hardware timestamps) is out of scope.
//
// Options (SensorConfig::options; any other key is InvalidArgument):
//   device        required; the IIO device, either by its directory name
//                 ("iio:device0") or by the content of its `name` file
//                 ("bme280"). A name shared by several devices is an error
//                 (use the directory name then).
//   sysfs_root    the directory holding the devices (default
//                 "/sys/bus/iio/devices"; tests point it at a fake tree).
//   multiplier_<signal>
//                 a finite, non-zero decimal multiplying every value of
//                 <signal> (default 1), e.g. multiplier_temp = 0.001 to turn
//                 the ABI's milli-degC into degC. <signal> must be a listed
//                 signal.
//
// Signals: at least one; each SignalConfig::name is an IIO channel name as
// it appears in the attribute files, [A-Za-z0-9_-] only: "temp",
// "humidityrelative", "pressure", "voltage0", "accel_x", "voltage0-voltage1".
// For signal S on device directory D the value is
//   D/in_S_input                                    if that file exists
//   (D/in_S_raw + offset) * scale                   otherwise
// where scale is D/in_S_scale, else the type-shared D/in_<type>_scale (type
// = S up to its first digit or '_', e.g. "voltage" for "voltage0", "accel"
// for "accel_x"), else 1; offset likewise from *_offset, else 0. Scale and
// offset are read once at creation (a driver whose scale is changed later
// through sysfs needs the sensor to be re-created). The result is then
// multiplied by the signal's multiplier.
//
// Units: values are in the IIO ABI units, not SI: temp milli-degC, voltage
// mV, current mA, pressure kPa, humidityrelative milli-percent, accel m/s^2,
// anglvel rad/s, magn Gauss, illuminance lux. ChannelSpec::unit is copied
// from SignalConfig::unit as is; state the unit there and use the
// multiplier to convert (e.g. unit "degC" with multiplier_temp = 0.001).
//
// Timing follows SensorDriver's grid. The driver only sees the present: a
// Read reads each channel that has due samples once and gives that value to
// all of its due samples (so a late Read yields repeated values), at most
// kIioMaxSamplesPerRead per channel (the rest follow in the next calls).
//
// Read errors: a channel file that cannot be opened or read, is empty, longer
// than 127 bytes or not one finite decimal number makes Read return
// Unavailable naming the sensor, signal and file, append nothing and leave
// every channel's grid where it was; the next Read retries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge {

inline constexpr std::string_view kIioKind = "iio";
inline constexpr std::string_view kIioDefaultSysfsRoot = "/sys/bus/iio/devices";
inline constexpr size_t kIioMaxSamplesPerRead = 100000;

// ValidateSensorConfig plus: kind must be "iio", the options above, at least
// one signal, and a device with every channel present. InvalidArgument for
// bad options or signal names; NotFound for a missing sysfs root, device or
// channel file; Unavailable for an unreadable or malformed scale/offset file.
// Messages name the sensor and the option, signal or path at fault, e.g.
//   sensor "env": signal "temp": no in_temp_input or in_temp_raw in
//   /sys/bus/iio/devices/iio:device0
Result<std::unique_ptr<SensorDriver>> CreateIioSensor(const SensorConfig& config, uint64_t seed);

}  // namespace keel::edge
