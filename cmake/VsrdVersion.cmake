# VSRD_VERSION_STRING: the project version plus the git commit it was built from, when known.
set(VSRD_GIT_COMMIT "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
    OUTPUT_VARIABLE _vsrd_commit OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _vsrd_git_result ERROR_QUIET)
  if(_vsrd_git_result EQUAL 0 AND _vsrd_commit)
    set(VSRD_GIT_COMMIT "${_vsrd_commit}")
  endif()
endif()
set(VSRD_VERSION_STRING "${PROJECT_VERSION}")
