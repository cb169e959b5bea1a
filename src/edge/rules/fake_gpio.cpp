#include "edge/rules/fake_gpio.h"

#include <fmt/format.h>

namespace keel::edge::rules {

class FakeGpioLineFactory::Line : public GpioLine {
 public:
  Line(std::shared_ptr<Shared> shared, std::pair<std::string, int> key)
      : shared_(std::move(shared)), key_(std::move(key)) {}
  ~Line() override {
    std::lock_guard lock(shared_->mu);
    shared_->lines[key_].requested = false;
  }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Status Set(int value) override {
    std::lock_guard lock(shared_->mu);
    if (shared_->fail_sets > 0) {
      --shared_->fail_sets;
      return Status::Unavailable(fmt::format("gpio chip \"{}\" line {}: set value {}: injected",
                                             key_.first, key_.second, value));
    }
    shared_->lines[key_].values.push_back(value != 0 ? 1 : 0);
    return Status::Ok();
  }

 private:
  std::shared_ptr<Shared> shared_;
  const std::pair<std::string, int> key_;
};

FakeGpioLineFactory::FakeGpioLineFactory(std::map<std::string, int> chips)
    : chips_(std::move(chips)) {}

Result<std::unique_ptr<GpioLine>> FakeGpioLineFactory::RequestOutput(
    const GpioLineRequest& request) {
  auto chip = chips_.find(request.chip);
  if (chip == chips_.end()) {
    return Status::NotFound(
        fmt::format("gpio chip \"{}\": cannot open: no such chip", request.chip));
  }
  if (request.offset < 0 || request.offset >= chip->second) {
    return Status::NotFound(fmt::format("gpio chip \"{}\" line {}: no such line (the chip has {})",
                                        request.chip, request.offset, chip->second));
  }
  std::pair<std::string, int> key{request.chip, request.offset};
  std::lock_guard lock(shared_->mu);
  LineState& state = shared_->lines[key];
  if (state.requested) {
    return Status::Unavailable(fmt::format("gpio chip \"{}\" line {}: request as output: busy",
                                           request.chip, request.offset));
  }
  state.requested = true;
  state.active_low = request.active_low;
  state.values.push_back(request.initial_value != 0 ? 1 : 0);
  return std::unique_ptr<GpioLine>(std::make_unique<Line>(shared_, std::move(key)));
}

FakeGpioLineFactory::LineState FakeGpioLineFactory::line(const std::string& chip,
                                                         int offset) const {
  std::lock_guard lock(shared_->mu);
  auto it = shared_->lines.find({chip, offset});
  return it == shared_->lines.end() ? LineState{} : it->second;
}

void FakeGpioLineFactory::FailNextSets(int count) {
  std::lock_guard lock(shared_->mu);
  shared_->fail_sets = count;
}

}  // namespace keel::edge::rules
