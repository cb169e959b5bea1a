// The sysfs layout of Linux IIO devices (kernel ABI
// Documentation/ABI/testing/sysfs-bus-iio), for the "iio" sensor kind
// (iio_sensor.h): finding a device, locating a channel's attribute files and
// reading one number from an attribute. Stateless; thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::edge {

// The device directory under `root` for `device`: "iio:deviceN" selects that
// directory, anything else is matched against each device's `name` file
// (trailing whitespace ignored). NotFound when `root` or the device does not
// exist (the message lists the devices seen, by name); InvalidArgument when
// `device` contains '/' or is empty, or when a name matches several devices.
Result<std::filesystem::path> FindIioDevice(const std::filesystem::path& root,
                                            std::string_view device);

// "voltage0" -> "voltage", "accel_x" -> "accel", "temp" -> "temp": the
// channel type whose shared attributes (in_<type>_scale) also apply.
std::string IioChannelType(std::string_view channel);

// The files that make up one input channel's value.
struct IioChannelFiles {
  std::filesystem::path value;                  // in_<ch>_input, or in_<ch>_raw when no _input
  bool processed = false;                       // value is in_<ch>_input
  std::optional<std::filesystem::path> scale;   // raw only: own, else type-shared
  std::optional<std::filesystem::path> offset;  // raw only: own, else type-shared
};

// NotFound naming the directory when neither in_<ch>_input nor in_<ch>_raw
// exists.
Result<IioChannelFiles> LocateIioChannel(const std::filesystem::path& device_dir,
                                         std::string_view channel);

// Reads a sysfs attribute holding one finite decimal number (surrounding
// whitespace allowed). Unavailable naming the path when it cannot be opened
// or read, is empty, longer than 127 bytes or not such a number.
Result<double> ReadIioNumber(const std::filesystem::path& path);

}  // namespace keel::edge
