# Every third-party library comes from Debian 12 packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
endif()
find_package(tomlplusplus REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
pkg_check_modules(KISSFFT REQUIRED IMPORTED_TARGET kissfft-float)
pkg_check_modules(MODBUS REQUIRED IMPORTED_TARGET libmodbus)
pkg_check_modules(GPIOD REQUIRED IMPORTED_TARGET libgpiod)
# libcurl (libcurl4-openssl-dev): SMTP for e-mail notification routes (hub/notify).
find_package(CURL 7.85 REQUIRED)
# zstd: delta updates (common/zstd_delta.h, `zstd --patch-from` semantics).
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

# libopencv-dnn-dev ships no CMake config (that comes with the much larger
# libopencv-dev): headers in /usr/include/opencv4, libraries linked directly.
find_path(OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4 REQUIRED)
find_library(OPENCV_DNN_LIBRARY opencv_dnn REQUIRED)
find_library(OPENCV_CORE_LIBRARY opencv_core REQUIRED)
add_library(opencv_dnn_lib INTERFACE)
target_include_directories(opencv_dnn_lib SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
target_link_libraries(opencv_dnn_lib INTERFACE ${OPENCV_DNN_LIBRARY} ${OPENCV_CORE_LIBRARY})

# ONNX protobuf classes (Debian's are built with ONNX-ML): only tests and
# tools that write ONNX models use them; the agent reads models through OpenCV.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)

# Debian builds cpp-httplib as a shared library with OpenSSL support compiled
# in; Keel always uses it over TLS (there is no plaintext listener).
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(httplib_ssl INTERFACE)
target_link_libraries(httplib_ssl INTERFACE PkgConfig::HTTPLIB OpenSSL::SSL OpenSSL::Crypto
                      Threads::Threads)

set(KEEL_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(KEEL_SANITIZE)
  set(KEEL_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
endif()

# Applies Keel's warnings and (when enabled) sanitizers to a target.
function(keel_target_options target)
  target_compile_options(${target} PRIVATE ${KEEL_WARNINGS} ${KEEL_SANITIZER_FLAGS})
  target_link_options(${target} PRIVATE ${KEEL_SANITIZER_FLAGS})
endfunction()
