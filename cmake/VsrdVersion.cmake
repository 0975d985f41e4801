# Version stamping. The project version comes from project(); the git commit is read at *build*
# time by WriteVersion.cmake, so `vsrd version` never reports a stale commit after a rebuild
# without reconfiguring. The header is rewritten only when its content changes.
set(VSRD_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
add_custom_target(vsrd_version_header
  COMMAND "${CMAKE_COMMAND}"
    -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
    -DOUTPUT=${VSRD_GENERATED_DIR}/vsrd_version.hpp
    -DVERSION=${PROJECT_VERSION}
    -P "${CMAKE_CURRENT_LIST_DIR}/WriteVersion.cmake"
  BYPRODUCTS "${VSRD_GENERATED_DIR}/vsrd_version.hpp"
  COMMENT "Stamping the version"
  VERBATIM)
