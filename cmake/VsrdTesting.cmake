# vsrd_gtest(NAME LABEL label... [TIMEOUT seconds] SOURCES file... LINKS target...)
#
# One GoogleTest binary of the project: the project's defaults (vsrd_target_defaults), the
# project root on the include path, VSRD_SOURCE_DIR for test data, gtest_main, and its tests
# discovered into CTest under LABEL (unit, integration, e2e; and tsan for the binaries CI also
# runs under ThreadSanitizer, .ci/run) with an optional per-test TIMEOUT.
function(vsrd_gtest name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT" "LABEL;SOURCES;LINKS")
  if(NOT arg_LABEL OR NOT arg_SOURCES)
    message(FATAL_ERROR "vsrd_gtest(${name}): LABEL and SOURCES are required")
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE ${arg_LINKS} GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE VSRD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  vsrd_target_defaults(${name})
  vsrd_discover_gtests(${name} LABELS ${arg_LABEL} TIMEOUT ${arg_TIMEOUT})
endfunction()

# vsrd_discover_gtests(NAME LABELS label... [TIMEOUT seconds])
#
# gtest_discover_tests for the GoogleTest binary NAME, each test labelled with every LABELS.
# gtest_discover_tests cannot give a test more than one label (CMake 3.25's GoogleTestAddTests
# splits a list inside PROPERTIES), so the labels are set by a CTest include file of our own that
# runs after the discovered tests are defined: gtest_discover_tests names their list NAME_TESTS.
function(vsrd_discover_gtests name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TIMEOUT" "LABELS")
  set(properties "")
  if(arg_TIMEOUT)
    list(APPEND properties TIMEOUT ${arg_TIMEOUT})
  endif()
  gtest_discover_tests(${name} PROPERTIES ${properties})
  set(script "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  file(WRITE "${script}"
    "if(DEFINED ${name}_TESTS)\n"
    "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${arg_LABELS}\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()
