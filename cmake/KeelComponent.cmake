# keel_component(<path> [DEPS <components>...] [LIBS <targets>...])
#
# Builds src/<path>/**.cpp into the static library keel_<path with / -> _>
# (e.g. hub/store -> keel_hub_store). Headers are included as
# "<path>/<file>.h" relative to src/. Every tests/unit/<path>/*_test.cpp goes
# into one GoogleTest executable unit_<name>, registered with CTest.
function(keel_component path)
  cmake_parse_arguments(ARG "" "" "DEPS;LIBS" ${ARGN})
  string(REPLACE "/" "_" name ${path})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${path}/*.cpp)
  list(TRANSFORM ARG_DEPS REPLACE "/" "_")
  list(TRANSFORM ARG_DEPS PREPEND keel_ OUTPUT_VARIABLE dep_targets)
  if(NOT sources)  # header-only
    add_library(keel_${name} INTERFACE)
    target_include_directories(keel_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(keel_${name} INTERFACE ${dep_targets} ${ARG_LIBS} Threads::Threads)
  else()
    add_library(keel_${name} STATIC ${sources})
    target_include_directories(keel_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(keel_${name} PUBLIC ${dep_targets} ${ARG_LIBS} Threads::Threads)
    keel_target_options(keel_${name})
  endif()

  file(GLOB tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/${path}/*_test.cpp)
  if(tests)
    add_executable(unit_${name} ${tests})
    target_link_libraries(unit_${name} PRIVATE keel_${name} GTest::gtest GTest::gmock
                          GTest::gtest_main)
    target_include_directories(unit_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(unit_${name} PRIVATE KEEL_BIN_DIR="${CMAKE_BINARY_DIR}/bin"
                               KEEL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    keel_target_options(unit_${name})
    add_test(NAME unit_${name} COMMAND unit_${name})
    set_tests_properties(unit_${name} PROPERTIES LABELS unit)
  endif()
endfunction()
