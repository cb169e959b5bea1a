#include "edge/sensors/modbus_sensor.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "edge/sensors/modbus_register_map.h"
#include "edge/sensors/sample_grid.h"

namespace keel::edge {
namespace {

constexpr std::string_view kRegisterPrefix = "register_";

struct ModbusOptions {
  std::string host;
  int port = 502;
  int unit_id = 1;
  int timeout_ms = 1000;
  std::vector<ModbusRegisterMapping> mappings;  // one per signal, in signal order
};

struct ContextDeleter {
  void operator()(modbus_t* ctx) const {
    modbus_close(ctx);
    modbus_free(ctx);
  }
};
using ModbusContext = std::unique_ptr<modbus_t, ContextDeleter>;

Status OptionError(const SensorConfig& config, std::string_view option, std::string_view what) {
  return Status::InvalidArgument(
      fmt::format("sensor \"{}\": option \"{}\": {}", config.name, option, what));
}

Result<int> ParseInt(std::string_view text, int lo, int hi) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < lo ||
      value > hi) {
    return Status::InvalidArgument(
        fmt::format("must be a whole number {}..{}, got \"{}\"", lo, hi, text));
  }
  return value;
}

Result<ModbusOptions> ParseOptions(const SensorConfig& config) {
  ModbusOptions out;
  std::map<std::string, ModbusRegisterMapping, std::less<>> mappings;
  for (const auto& [key, value] : config.options) {
    auto number = [&](int lo, int hi, int* field) -> Status {
      auto parsed = ParseInt(value, lo, hi);
      if (!parsed.ok()) return OptionError(config, key, parsed.status().message());
      *field = *parsed;
      return Status::Ok();
    };
    if (key == "host") {
      in_addr addr{};
      if (::inet_pton(AF_INET, value.c_str(), &addr) != 1) {
        return OptionError(config, key,
                           fmt::format("must be an IPv4 address such as 192.168.1.10 (host "
                                       "names are not looked up), got \"{}\"",
                                       value));
      }
      out.host = value;
    } else if (key == "port") {
      KEEL_RETURN_IF_ERROR(number(1, 65535, &out.port));
    } else if (key == "unit_id") {
      KEEL_RETURN_IF_ERROR(number(0, 255, &out.unit_id));
      if (out.unit_id > 247 && out.unit_id != 255) {
        return OptionError(config, key, fmt::format("must be 0..247 or 255, got {}", value));
      }
    } else if (key == "timeout_ms") {
      KEEL_RETURN_IF_ERROR(number(1, 60000, &out.timeout_ms));
    } else if (key.starts_with(kRegisterPrefix)) {
      const std::string_view signal = std::string_view(key).substr(kRegisterPrefix.size());
      if (std::none_of(config.signals.begin(), config.signals.end(),
                       [&](const SignalConfig& s) { return s.name == signal; })) {
        return OptionError(config, key, fmt::format("no signal \"{}\"", signal));
      }
      auto mapping = ParseModbusRegisterMapping(value);
      if (!mapping.ok()) return OptionError(config, key, mapping.status().message());
      mappings.emplace(signal, *mapping);
    } else {
      return OptionError(config, key, fmt::format("not supported by kind \"{}\"", kModbusKind));
    }
  }
  if (out.host.empty()) return OptionError(config, "host", "required");
  for (const SignalConfig& signal : config.signals) {
    auto it = mappings.find(signal.name);
    if (it == mappings.end()) {
      return OptionError(config, std::string(kRegisterPrefix) + signal.name,
                         "required for every signal (e.g. \"holding:0:uint16\")");
    }
    out.mappings.push_back(it->second);
  }
  return out;
}

class ModbusSensor : public SensorDriver {
 public:
  ModbusSensor(const SensorConfig& config, ModbusOptions options, ModbusContext ctx)
      : where_(fmt::format("sensor \"{}\": modbus {}:{}", config.name, options.host, options.port)),
        timeout_(std::chrono::milliseconds(options.timeout_ms)),
        mappings_(std::move(options.mappings)),
        ctx_(std::move(ctx)) {
    for (const SignalConfig& s : config.signals) {
      specs_.push_back({SeriesName(config, s), s.unit, s.rate_hz});
      signals_.push_back(s.name);
      grids_.emplace_back(s.rate_hz);
    }
  }

  std::string_view kind() const override { return kModbusKind; }
  const std::vector<ChannelSpec>& channels() const override { return specs_; }

  Status Read(int64_t now_ms, std::vector<wire::Series>* out) override {
    if (now_ms < last_now_ms_) return Status::Ok();
    last_now_ms_ = now_ms;
    std::vector<SampleGrid> trial;
    std::vector<std::vector<int64_t>> times(grids_.size());
    std::vector<size_t> due;
    for (size_t i = 0; i < grids_.size(); ++i) {
      grids_[i].Due(now_ms, 0, &times[i]);
      trial.push_back(grids_[i]);
      trial.back().Due(now_ms, kModbusMaxSamplesPerRead, &times[i]);
      if (!times[i].empty()) due.push_back(i);
    }
    if (due.empty()) return Status::Ok();
    std::vector<double> values(grids_.size());
    KEEL_RETURN_IF_ERROR(Poll(now_ms, due, &values));
    for (size_t i : due) {
      grids_[i] = trial[i];
      wire::Series series{specs_[i].name, {}};
      for (int64_t t : times[i]) series.points.push_back({t, values[i]});
      out->push_back(std::move(series));
    }
    return Status::Ok();
  }

 private:
  using Clock = std::chrono::steady_clock;

  Status Poll(int64_t now_ms, const std::vector<size_t>& due, std::vector<double>* values) {
    const std::vector<ModbusReadRequest> requests = PlanModbusReads(mappings_, due);
    const Clock::time_point deadline = Clock::now() + timeout_;
    if (!connected_) {
      if (now_ms < retry_at_ms_) {
        return Status::Unavailable(fmt::format("{}: not retrying for another {} ms after: {}",
                                               where_, retry_at_ms_ - now_ms, last_error_));
      }
      SetResponseTimeout(deadline);
      if (modbus_connect(ctx_.get()) != 0) {
        return Fail(now_ms, fmt::format("{}: connect: {}", Label(requests.front()),
                                        modbus_strerror(errno)));
      }
      connected_ = true;
    }
    std::vector<uint16_t> words(kModbusMaxRegistersPerRequest);
    for (const ModbusReadRequest& request : requests) {
      if (!SetResponseTimeout(deadline)) {
        return Fail(now_ms, fmt::format("{}: the Read's budget of timeout_ms = {} was used up",
                                        Label(request), timeout_.count()));
      }
      const int rc =
          request.table == ModbusTable::kHolding
              ? modbus_read_registers(ctx_.get(), request.address, request.count, words.data())
              : modbus_read_input_registers(ctx_.get(), request.address, request.count,
                                            words.data());
      if (rc != request.count) {
        const int err = rc < 0 ? errno : EMBBADDATA;
        if (err >= EMBXILFUN && err <= EMBXGTAR) {
          return Status::FailedPrecondition(fmt::format("{}: {}: device refused: {}", where_,
                                                        Label(request), modbus_strerror(err)));
        }
        return Fail(now_ms, fmt::format("{}: {}", Label(request), modbus_strerror(err)));
      }
      for (size_t i : request.members) {
        const uint16_t* first = words.data() + (mappings_[i].address - request.address);
        (*values)[i] = DecodeModbusValue(mappings_[i], first);
      }
    }
    backoff_ms_ = 0;
    return Status::Ok();
  }

  // False when less than 1 ms of the budget remains.
  bool SetResponseTimeout(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
    if (left < 1000) return false;
    modbus_set_response_timeout(ctx_.get(), static_cast<uint32_t>(left / 1000000),
                                static_cast<uint32_t>(left % 1000000));
    return true;
  }

  Status Fail(int64_t now_ms, std::string what) {
    modbus_close(ctx_.get());
    connected_ = false;
    backoff_ms_ = std::clamp(backoff_ms_ * 2, kModbusFirstBackoffMs, kModbusMaxBackoffMs);
    retry_at_ms_ = now_ms + backoff_ms_;
    last_error_ = std::move(what);
    return Status::Unavailable(fmt::format("{}: {}", where_, last_error_));
  }

  std::string Label(const ModbusReadRequest& request) const {
    std::vector<std::string> names;
    for (size_t i : request.members) names.push_back(fmt::format("\"{}\"", signals_[i]));
    const std::string registers =
        request.count == 1
            ? fmt::format("register {}", request.address)
            : fmt::format("registers {}..{}", request.address, request.address + request.count - 1);
    return fmt::format("{} {} (signal{} {})", ModbusTableName(request.table), registers,
                       names.size() == 1 ? "" : "s", fmt::join(names, ", "));
  }

  const std::string where_;
  const std::chrono::milliseconds timeout_;
  const std::vector<ModbusRegisterMapping> mappings_;
  ModbusContext ctx_;
  std::vector<ChannelSpec> specs_;
  std::vector<std::string> signals_;
  std::vector<SampleGrid> grids_;
  int64_t last_now_ms_ = INT64_MIN;
  bool connected_ = false;
  int64_t backoff_ms_ = 0;
  int64_t retry_at_ms_ = INT64_MIN;
  std::string last_error_;
};

}  // namespace

Result<std::unique_ptr<SensorDriver>> CreateModbusSensor(const SensorConfig& config,
                                                         uint64_t /*seed*/) {
  if (config.kind != kModbusKind) {
    return Status::InvalidArgument(fmt::format("sensor \"{}\": kind \"{}\" is not \"{}\"",
                                               config.name, config.kind, kModbusKind));
  }
  KEEL_RETURN_IF_ERROR(ValidateSensorConfig(config));
  if (config.signals.empty()) {
    return Status::InvalidArgument(fmt::format(
        "sensor \"{}\": kind \"{}\" needs at least one signal", config.name, kModbusKind));
  }
  KEEL_ASSIGN_OR_RETURN(ModbusOptions options, ParseOptions(config));
  ModbusContext ctx(modbus_new_tcp(options.host.c_str(), options.port));
  if (ctx == nullptr) {
    return Status::InvalidArgument(fmt::format("sensor \"{}\": modbus {}:{}: {}", config.name,
                                               options.host, options.port, modbus_strerror(errno)));
  }
  if (modbus_set_slave(ctx.get(), options.unit_id) != 0 ||
      modbus_set_byte_timeout(ctx.get(), 0, 0) != 0) {
    return Status::InvalidArgument(
        fmt::format("sensor \"{}\": option \"unit_id\": {}", config.name, modbus_strerror(errno)));
  }
  return std::unique_ptr<SensorDriver>(
      std::make_unique<ModbusSensor>(config, std::move(options), std::move(ctx)));
}

}  // namespace keel::edge
