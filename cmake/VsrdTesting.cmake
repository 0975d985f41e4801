# vsrd_gtest(NAME LABEL label [TIMEOUT seconds] SOURCES file... LINKS target...)
#
# One GoogleTest binary of the project: the project's defaults (vsrd_target_defaults), the
# project root on the include path, VSRD_SOURCE_DIR for test data, gtest_main, and its tests
# discovered into CTest under LABEL (unit, integration, e2e) with an optional per-test TIMEOUT.
function(vsrd_gtest name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LABEL;TIMEOUT" "SOURCES;LINKS")
  if(NOT arg_LABEL OR NOT arg_SOURCES)
    message(FATAL_ERROR "vsrd_gtest(${name}): LABEL and SOURCES are required")
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE ${arg_LINKS} GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE VSRD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  vsrd_target_defaults(${name})
  set(properties LABELS ${arg_LABEL})
  if(arg_TIMEOUT)
    list(APPEND properties TIMEOUT ${arg_TIMEOUT})
  endif()
  gtest_discover_tests(${name} PROPERTIES ${properties})
endfunction()
