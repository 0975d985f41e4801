# Install layout and the Debian package. Included by the top-level CMakeLists.txt after every
# folder, so that the binaries' own install() rules (daemon/, simulator/server/) come first.
#
#   cmake --install build --prefix /usr        # or DESTDIR=/tmp/root cmake --install ...
#   cpack --config build/CPackConfig.cmake     # build/vsrd_<version>-1_<arch>.deb
#
# Installed (prefix /usr; systemd/README.md has the whole list):
#   bin/vsrd, bin/vsrd-sim                     (daemon/ and simulator/server/ install these)
#   libexec/vsrd/vsrd-git-sync
#   /lib/systemd/system/vsrd.service, vsrd-git-sync.service, vsrd-git-sync.timer
#   lib/sysusers.d/vsrd.conf
#   /etc/vsrd/vsrd.yaml, /etc/vsrd/credentials/
#   share/vsrd/schema/*.json                   (the manifests' JSON Schema)
#   share/doc/vsrd/                            (docs/*.md, systemd.md, examples/)
# Components: `systemd` (units, sysusers.d, config, git-sync) and `doc`; the binaries are in the
# default component.

# Where this system's systemd reads units and sysusers.d entries; used for the prefixes / and /usr.
pkg_get_variable(VSRD_SYSTEM_UNIT_DIR systemd systemdsystemunitdir)
pkg_get_variable(VSRD_SYSTEM_SYSUSERS_DIR systemd sysusersdir)
set(VSRD_UNIT_DIR "" CACHE STRING
  "Where to install the systemd units (absolute, or relative to the prefix); empty: automatic")
set(VSRD_SYSUSERS_DIR "" CACHE STRING
  "Where to install the sysusers.d entry (absolute, or relative to the prefix); empty: automatic")

# Prefix-dependent files (units, sysusers.d, /etc/vsrd) are placed at install time: see
# VsrdInstallSystemd.cmake.
install(CODE "
  set(VSRD_SOURCE_DIR [[${PROJECT_SOURCE_DIR}]])
  set(VSRD_BINARY_DIR [[${PROJECT_BINARY_DIR}]])
  set(VSRD_BINDIR [[${CMAKE_INSTALL_BINDIR}]])
  set(VSRD_LIBEXECDIR [[${CMAKE_INSTALL_LIBEXECDIR}]])
  set(VSRD_DOCDIR [[${CMAKE_INSTALL_DOCDIR}]])
  set(VSRD_SYSCONFDIR [[${CMAKE_INSTALL_SYSCONFDIR}]])
  set(VSRD_SYSTEM_UNIT_DIR [[${VSRD_SYSTEM_UNIT_DIR}]])
  set(VSRD_SYSTEM_SYSUSERS_DIR [[${VSRD_SYSTEM_SYSUSERS_DIR}]])
  set(VSRD_UNIT_DIR [[${VSRD_UNIT_DIR}]])
  set(VSRD_SYSUSERS_DIR [[${VSRD_SYSUSERS_DIR}]])
  include([[${CMAKE_CURRENT_LIST_DIR}/VsrdInstallSystemd.cmake]])
  " COMPONENT systemd)
install(PROGRAMS systemd/vsrd-git-sync.sh
  DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/vsrd RENAME vsrd-git-sync COMPONENT systemd)

# The manifests' JSON Schema, for editors (yaml-language-server) and CI.
install(DIRECTORY manifests/schema/ DESTINATION ${CMAKE_INSTALL_DATADIR}/vsrd/schema
  COMPONENT doc OPTIONAL FILES_MATCHING PATTERN "*.json")

# Documentation and examples. examples/ also holds the demo's config and passwords, which are not
# installed: only what an operator starts from.
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc
  FILES_MATCHING PATTERN "*.md")
install(FILES systemd/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME systemd.md
  COMPONENT doc)
install(DIRECTORY examples/manifests examples/grafana examples/prometheus
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT doc OPTIONAL)
install(FILES examples/vsrd.production.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  RENAME vsrd.yaml COMPONENT doc)
install(FILES systemd/git-sync.env.example DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  RENAME git-sync.env COMPONENT doc)

# The Debian package: one package, vsrd, with every component. It is laid out for /usr with
# DESTDIR, so that /etc and /lib/systemd land at the root of the package, and its binaries are
# stripped (a sanitizer build packs too, only bigger).
set(VSRD_PACKAGE_MAINTAINER "vsrd maintainers <vsrd@example.org>" CACHE STRING
  "The Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vsrd)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${VSRD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION [[
vsrd reconciles vCenter Server and its appliances (appliance updates and
installs, offline depots, VCHA passive nodes, guest customization checks)
towards desired-state manifests kept in git, as a hardened systemd service
with Prometheus metrics.

The package holds the daemon (vsrd), the vSphere simulator it is tested
against (vsrd-sim), the systemd units (vsrd.service, and the vsrd-git-sync
timer that keeps the manifests checkout current), an example config and the
manifests' JSON Schema. Installing it creates the vsrd system user; it enables
and starts nothing.]])
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)  # the prefix with CPACK_SET_DESTDIR
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${VSRD_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: computed from the binaries' shared libraries by dpkg-shlibdeps (package dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd runs the units and creates the user; git is what vsrd-git-sync runs.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd, git")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-client, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${CMAKE_CURRENT_LIST_DIR}/debian/conffiles"
  "${CMAKE_CURRENT_LIST_DIR}/debian/postinst"
  "${CMAKE_CURRENT_LIST_DIR}/debian/prerm"
  "${CMAKE_CURRENT_LIST_DIR}/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/")
include(CPack)
