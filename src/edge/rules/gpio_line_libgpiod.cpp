#include <fmt/format.h>
#include <gpiod.h>

#include <cerrno>
#include <cstring>

#include "edge/rules/gpio_line.h"

namespace keel::edge::rules {
namespace {

constexpr const char* kConsumer = "keel-edge";

Status ChipError(int error, std::string_view what) {
  const std::string message = fmt::format("{}: {}", what, std::strerror(error));
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENOTTY:
      return Status::NotFound(message);
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(message);
    default:
      return Status::Unavailable(message);
  }
}

class LibgpiodLine : public GpioLine {
 public:
  LibgpiodLine(gpiod_chip* chip, gpiod_line* line, std::string name)
      : chip_(chip), line_(line), name_(std::move(name)) {}
  ~LibgpiodLine() override {
    gpiod_line_release(line_);
    gpiod_chip_close(chip_);
  }
  LibgpiodLine(const LibgpiodLine&) = delete;
  LibgpiodLine& operator=(const LibgpiodLine&) = delete;

  Status Set(int value) override {
    if (gpiod_line_set_value(line_, value != 0 ? 1 : 0) != 0) {
      return Status::Unavailable(
          fmt::format("{}: set value {}: {}", name_, value, std::strerror(errno)));
    }
    return Status::Ok();
  }

 private:
  gpiod_chip* chip_;
  gpiod_line* line_;
  const std::string name_;
};

class LibgpiodLineFactory : public GpioLineFactory {
 public:
  Result<std::unique_ptr<GpioLine>> RequestOutput(const GpioLineRequest& request) override {
    const std::string name = fmt::format("gpio chip \"{}\" line {}", request.chip, request.offset);
    if (request.offset < 0) return Status::InvalidArgument(name + ": negative offset");
    gpiod_chip* chip = gpiod_chip_open_lookup(request.chip.c_str());
    if (chip == nullptr) {
      return ChipError(errno, fmt::format("gpio chip \"{}\": cannot open", request.chip));
    }
    const auto offset = static_cast<unsigned>(request.offset);
    gpiod_line* line = gpiod_chip_get_line(chip, offset);
    if (line == nullptr) {
      const unsigned lines = gpiod_chip_num_lines(chip);
      gpiod_chip_close(chip);
      return Status::NotFound(fmt::format("{}: no such line (the chip has {})", name, lines));
    }
    const int flags = request.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
    if (gpiod_line_request_output_flags(line, kConsumer, flags,
                                        request.initial_value != 0 ? 1 : 0) != 0) {
      const int error = errno;
      gpiod_chip_close(chip);
      return Status::Unavailable(
          fmt::format("{}: request as output: {}", name, std::strerror(error)));
    }
    return std::unique_ptr<GpioLine>(std::make_unique<LibgpiodLine>(chip, line, name));
  }
};

}  // namespace

std::unique_ptr<GpioLineFactory> NewLibgpiodLineFactory() {
  return std::make_unique<LibgpiodLineFactory>();
}

}  // namespace keel::edge::rules
