# Shared INTERFACE targets linked by every vsrd target:
#   vsrd::warnings    the project's warning set (errors when VSRD_WERROR is ON, as in the ci preset)
#   vsrd::sanitizers  the sanitizers named in VSRD_SANITIZERS, for compile and link; with
#                     VSRD_FUZZ also libFuzzer's coverage instrumentation (fuzzer-no-link), so that
#                     the libraries the fuzz targets call guide the fuzzer

add_library(vsrd_warnings INTERFACE)
add_library(vsrd::warnings ALIAS vsrd_warnings)
# Not -Wnull-dereference: g++ 12 reports false positives with it in std and Boost headers.
target_compile_options(vsrd_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${VSRD_WERROR}>:-Werror>)

add_library(vsrd_sanitizers INTERFACE)
add_library(vsrd::sanitizers ALIAS vsrd_sanitizers)
if(VSRD_SANITIZERS)
  list(JOIN VSRD_SANITIZERS "," _vsrd_sanitizer_list)
  target_compile_options(vsrd_sanitizers INTERFACE
    -fsanitize=${_vsrd_sanitizer_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(vsrd_sanitizers INTERFACE -fsanitize=${_vsrd_sanitizer_list})
endif()
if(VSRD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "vsrd: VSRD_FUZZ needs clang (libFuzzer); use the fuzz preset (clang++-14)")
  endif()
  # Every fuzz target's main() comes from -fsanitize=fuzzer, given to the fuzz executables alone
  # (fuzz/CMakeLists.txt); everything else is only instrumented.
  # -fno-sanitize=function: clang 14's UBSan function-type check puts a reference to the type
  # info before each function, which it cannot emit for the split parts of a coroutine ("error:
  # Cannot represent a difference across sections" on net/accept.cpp).
  target_compile_options(vsrd_sanitizers INTERFACE -fsanitize=fuzzer-no-link -fno-sanitize=function)
endif()

# Every first-party target: C++20, warnings, sanitizers.
function(vsrd_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PRIVATE vsrd::warnings vsrd::sanitizers)
endfunction()
