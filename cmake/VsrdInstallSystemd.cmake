# Runs at install time (`cmake --install`, cpack), from the install(CODE) in VsrdInstall.cmake:
# installs the files whose place or contents depend on the install prefix, which is known only
# now (`cmake --install --prefix` and cpack override the configured one):
#   - the unit files, with /usr/bin, /usr/libexec, /usr/share/doc and /etc/vsrd rewritten to the
#     install's directories (the files in systemd/ are written for the /usr layout);
#   - the sysusers.d entry;
#   - the example config as <confdir>/vsrd.yaml (never over an existing one: that is the
#     operator's; the package marks it a conffile instead) and <confdir>/credentials.
# <confdir> follows GNUInstallDirs' sysconfdir: /etc/vsrd for the prefixes / and /usr,
# /etc/opt/X for /opt/X (already X's own), <prefix>/etc/vsrd otherwise. Units and sysusers.d go
# where the system's systemd reads them (pkg-config) for / and /usr, under <prefix>/lib
# otherwise, unless set explicitly.
#
# Inputs (set by the install(CODE)): VSRD_SOURCE_DIR, VSRD_BINARY_DIR, VSRD_BINDIR,
# VSRD_LIBEXECDIR, VSRD_DOCDIR, VSRD_SYSCONFDIR (GNUInstallDirs' relative or absolute values),
# VSRD_SYSTEM_UNIT_DIR and VSRD_SYSTEM_SYSUSERS_DIR (the system's, from pkg-config; may be
# empty), VSRD_UNIT_DIR and VSRD_SYSUSERS_DIR (explicit choices; empty = automatic).

set(_prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "(.)/+$" "\\1" _prefix "${_prefix}")

function(_vsrd_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(_prefix STREQUAL "/")
    set(${out} "/${dir}" PARENT_SCOPE)
  else()
    set(${out} "${_prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

_vsrd_full(_bindir "${VSRD_BINDIR}")
_vsrd_full(_libexecdir "${VSRD_LIBEXECDIR}")
_vsrd_full(_docdir "${VSRD_DOCDIR}")

# vsrd's config directory: <sysconfdir>/vsrd, except that /etc/opt/X already is X's own.
if(IS_ABSOLUTE "${VSRD_SYSCONFDIR}")
  set(_confdir "${VSRD_SYSCONFDIR}/vsrd")
elseif(_prefix STREQUAL "/" OR _prefix STREQUAL "/usr")
  set(_confdir "/${VSRD_SYSCONFDIR}/vsrd")
elseif(_prefix MATCHES "^/opt/(.+)$")
  set(_confdir "/${VSRD_SYSCONFDIR}/opt/${CMAKE_MATCH_1}")
else()
  _vsrd_full(_confdir "${VSRD_SYSCONFDIR}/vsrd")
endif()

set(_system_layout FALSE)
if(_prefix STREQUAL "/" OR _prefix STREQUAL "/usr")
  set(_system_layout TRUE)
endif()
if(NOT VSRD_UNIT_DIR STREQUAL "")
  _vsrd_full(_unitdir "${VSRD_UNIT_DIR}")
elseif(_system_layout AND NOT VSRD_SYSTEM_UNIT_DIR STREQUAL "")
  set(_unitdir "${VSRD_SYSTEM_UNIT_DIR}")
else()
  _vsrd_full(_unitdir "lib/systemd/system")
endif()
if(NOT VSRD_SYSUSERS_DIR STREQUAL "")
  _vsrd_full(_sysusersdir "${VSRD_SYSUSERS_DIR}")
elseif(_system_layout AND NOT VSRD_SYSTEM_SYSUSERS_DIR STREQUAL "")
  set(_sysusersdir "${VSRD_SYSTEM_SYSUSERS_DIR}")
else()
  _vsrd_full(_sysusersdir "lib/sysusers.d")
endif()

# The unit files, rewritten for this layout, staged in a directory of this install only (installs
# may run concurrently from one build tree).
string(RANDOM LENGTH 16 _token)
set(_staging "${VSRD_BINARY_DIR}/install-staging-${_token}")
file(MAKE_DIRECTORY "${_staging}/credentials")
foreach(_unit vsrd.service vsrd-git-sync.service vsrd-git-sync.timer)
  file(READ "${VSRD_SOURCE_DIR}/systemd/${_unit}" _text)
  string(REPLACE "/usr/bin/" "${_bindir}/" _text "${_text}")
  string(REPLACE "/usr/libexec/vsrd/" "${_libexecdir}/vsrd/" _text "${_text}")
  string(REPLACE "file:///usr/share/doc/vsrd/" "file://${_docdir}/" _text "${_text}")
  string(REPLACE "/etc/vsrd/" "${_confdir}/" _text "${_text}")
  file(WRITE "${_staging}/${_unit}" "${_text}")
endforeach()
file(INSTALL DESTINATION "${_unitdir}" TYPE FILE
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  FILES "${_staging}/vsrd.service" "${_staging}/vsrd-git-sync.service"
        "${_staging}/vsrd-git-sync.timer")

file(INSTALL DESTINATION "${_sysusersdir}" TYPE FILE RENAME vsrd.conf
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  FILES "${VSRD_SOURCE_DIR}/systemd/vsrd.sysusers.conf")

# The config and the credentials directory (root-only): the operator's once they exist.
set(_config "$ENV{DESTDIR}${_confdir}/vsrd.yaml")
if(EXISTS "${_config}")
  message(STATUS "Keeping: ${_config} (the example is ${_docdir}/examples/vsrd.yaml)")
else()
  file(INSTALL DESTINATION "${_confdir}" TYPE FILE RENAME vsrd.yaml
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
    FILES "${VSRD_SOURCE_DIR}/examples/vsrd.production.yaml")
endif()
if(EXISTS "$ENV{DESTDIR}${_confdir}/credentials")
  message(STATUS "Keeping: $ENV{DESTDIR}${_confdir}/credentials")
else()
  file(INSTALL DESTINATION "${_confdir}" TYPE DIRECTORY
    DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
    FILES "${_staging}/credentials")
endif()
file(REMOVE_RECURSE "${_staging}")
