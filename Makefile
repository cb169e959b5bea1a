# Keel — one entry point for building, testing, benchmarking and the demo.
# Every target installs missing Debian packages and configures CMake itself.

JOBS ?= $(shell nproc)
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
DEMO_ARGS ?=
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all deps build test unit integration bench demo fuzz format format-check tidy clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_DIR)/build.ninja: | deps
	cmake -S . -B $(ASAN_DIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DKEEL_SANITIZE=ON

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Everything CI needs: formatting, then every test (unit, integration with a
# real broker, fuzz-corpus replays) built with AddressSanitizer + UBSan.
test: deps format-check $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# JSON on stdout; everything else (build output, progress) on stderr.
bench:
	@$(MAKE) --no-print-directory build >&2
	@scripts/bench $(BUILD_DIR)

demo: build
	scripts/demo $(BUILD_DIR)/bin $(DEMO_ARGS)

# libFuzzer targets (clang). `make fuzz FUZZ_SECONDS=60` runs each for a while.
FUZZ_SECONDS ?= 20
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DKEEL_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets
	scripts/run-fuzzers $(FUZZ_DIR) $(FUZZ_SECONDS)

FORMAT_FILES = $(shell git ls-files '*.h' '*.cpp' '*.c' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check: | deps
	@clang-format --dry-run -Werror $(FORMAT_FILES)

tidy: $(BUILD_DIR)/build.ninja
	run-clang-tidy -p $(BUILD_DIR) -quiet 'src/'

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
