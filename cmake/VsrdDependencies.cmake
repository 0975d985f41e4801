# Every dependency comes from Debian 12 and is found through its CMake package config.
# A missing package stops configure with the name of the Debian package that provides it;
# `scripts/install-deps` installs all of them.

function(vsrd_require package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR
      "vsrd: ${package} ${ARGN} not found. Install the Debian package '${debian_package}' "
      "(or run scripts/install-deps).")
  endif()
endfunction()

# Boost 1.81, not Debian's default 1.74: Beast's message_generator and asio's as_tuple are 1.81+.
vsrd_require(Boost libboost1.81-dev 1.81 CONFIG)
vsrd_require(OpenSSL libssl-dev)
vsrd_require(yaml-cpp libyaml-cpp-dev)
vsrd_require(nlohmann_json nlohmann-json3-dev)
vsrd_require(fmt libfmt-dev)
vsrd_require(spdlog libspdlog-dev)
vsrd_require(prometheus-cpp prometheus-cpp-dev)
if(VSRD_BUILD_TESTS)
  vsrd_require(GTest libgtest-dev)
endif()

# libgit2 (the git revision of the manifests checkout) ships no CMake package config in Debian 12;
# pkg-config finds it. Not REQUIRED in the calls: their own errors do not name the package.
find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR
    "vsrd: pkg-config not found. Install the Debian package 'pkg-config' "
    "(or run scripts/install-deps).")
endif()
pkg_check_modules(LIBGIT2 QUIET IMPORTED_TARGET libgit2)
if(NOT LIBGIT2_FOUND)
  message(FATAL_ERROR
    "vsrd: libgit2 not found by pkg-config. Install the Debian package 'libgit2-dev' "
    "(or run scripts/install-deps).")
endif()
