#!/usr/bin/env bash
# `cpack -G DEB` on the build, then the package as dpkg sees it (it is not installed):
#   - control: name vsrd, the project's version, this machine's architecture, a maintainer,
#     Depends naming the package of every shared library the binaries load;
#   - contents: owned by root, in the standard places (/usr/bin, /usr/libexec/vsrd, the systemd
#     unit and sysusers.d directories, /etc/vsrd, /usr/share), binaries stripped;
#   - conffiles: /etc/vsrd/vsrd.yaml;
#   - maintainer scripts: nothing but systemd-sysusers and daemon-reload, and on removal
#     stopping vsrd's own units. Nothing is enabled, started or restarted.
# Usage: deb_test.sh BUILD_DIR CPACK VERSION
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[[ $# -eq 3 ]] || fail "usage: $0 BUILD_DIR CPACK VERSION"
build_dir=$1
cpack=$2
version=$3
for tool in dpkg-deb dpkg-shlibdeps dpkg objdump ldd; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found (Debian packages dpkg, dpkg-dev, binutils, libc-bin)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$cpack" --config "$build_dir/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
  fail "cpack failed:"$'\n'"$(cat "$tmp/cpack.log")"
shopt -s nullglob
debs=("$tmp"/out/*.deb)
shopt -u nullglob
[[ ${#debs[@]} -eq 1 ]] || fail "expected one .deb in the cpack output, found ${#debs[@]}"
deb=${debs[0]}
arch=$(dpkg --print-architecture)
[[ ${deb##*/} == "vsrd_${version}-1_${arch}.deb" ]] ||
  fail "package file ${deb##*/}, expected vsrd_${version}-1_${arch}.deb"

field() { dpkg-deb --field "$deb" "$1"; }
[[ $(field Package) == vsrd ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version-1" ]] || fail "Version: $(field Version), expected $version-1"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
[[ $(field Maintainer) =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer: '$(field Maintainer)'"
[[ -n $(field Description) ]] || fail "no Description"
depends=$(field Depends)

# --- contents ---
dpkg-deb --contents "$deb" >"$tmp/contents"
owners=$(awk '$2 != "root/root" { print $2, $6 }' "$tmp/contents")
[[ -z $owners ]] || fail "files not owned by root/root:"$'\n'"$owners"
unit_dir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
unit_dir=${unit_dir:-/usr/lib/systemd/system}
sysusers_dir=$(pkg-config --variable=sysusersdir systemd 2>/dev/null || true)
sysusers_dir=${sysusers_dir:-/usr/lib/sysusers.d}
awk '{ print $6 }' "$tmp/contents" | sed 's|^\./|/|; s|/$||' | grep -v '^$' >"$tmp/paths"
for path in /usr/bin/vsrd /usr/bin/vsrd-sim /usr/libexec/vsrd/vsrd-git-sync \
  "$unit_dir/vsrd.service" "$unit_dir/vsrd-git-sync.service" "$unit_dir/vsrd-git-sync.timer" \
  "$sysusers_dir/vsrd.conf" /etc/vsrd/vsrd.yaml /etc/vsrd/credentials \
  /usr/share/doc/vsrd/examples/vsrd.yaml /usr/share/doc/vsrd/examples/manifests; do
  grep -qxF "$path" "$tmp/paths" || fail "$path is not in the package"
done
# Every path is one of these places, inside one, or a directory leading to one.
places=(/usr/bin/vsrd /usr/bin/vsrd-sim /usr/libexec/vsrd /usr/share/vsrd /usr/share/doc/vsrd
  /etc/vsrd "$unit_dir/vsrd.service" "$unit_dir/vsrd-git-sync.service"
  "$unit_dir/vsrd-git-sync.timer" "$sysusers_dir/vsrd.conf")
while read -r path; do
  placed=false
  for place in "${places[@]}"; do
    if [[ $path == "$place" || $path == "$place"/* || $place == "$path"/* ]]; then
      placed=true
      break
    fi
  done
  $placed || fail "$path is outside the standard places (${places[*]})"
done <"$tmp/paths"
credentials_mode=$(awk '$6 == "./etc/vsrd/credentials/" { print $1 }' "$tmp/contents")
[[ $credentials_mode == drwx------ ]] ||
  fail "/etc/vsrd/credentials: '$credentials_mode', expected a root-only directory (drwx------)"
echo "contents: $(wc -l <"$tmp/paths") paths, all root-owned and in the standard places"

# --- binaries: stripped, and every library they load is in Depends ---
dpkg-deb --extract "$deb" "$tmp/root"
for binary in vsrd vsrd-sim; do
  file=$tmp/root/usr/bin/$binary
  ! objdump -h "$file" | grep -q '\.debug_info' || fail "/usr/bin/$binary is not stripped"
  ldd "$file" >"$tmp/ldd" 2>&1 || fail "ldd /usr/bin/$binary failed:"$'\n'"$(cat "$tmp/ldd")"
  while read -r library; do
    path=$(awk -v lib="$library" '$1 == lib && $2 == "=>" && $3 ~ /^\// { print $3; exit }' "$tmp/ldd")
    [[ -n $path ]] || fail "$binary needs $library, which this machine does not have"
    owner=
    for candidate in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
      owner=$(dpkg -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1) && [[ -n $owner ]] && break
    done
    [[ -n $owner ]] || fail "no Debian package owns $path ($library, needed by $binary)"
    # The package itself, or a virtual package it provides (libspdlog1.10 provides -fmt9).
    provided=$(dpkg-query --show --showformat='${Provides}' "$owner" | sed -E 's/ \([^)]*\)//g; s/,/ /g')
    found=false
    for name in $owner $provided; do
      [[ ", $depends," == *", $name"[\ ,]* ]] && found=true
    done
    $found || fail "Depends ($depends) names neither $owner nor what it provides ($provided):" \
      "the package of $library (needed by $binary)"
  done < <(objdump -p "$file" | awk '$1 == "NEEDED" { print $2 }')
done
echo "Depends: $depends"

# --- conffiles and maintainer scripts ---
dpkg-deb --control "$deb" "$tmp/control"
[[ $(cat "$tmp/control/conffiles") == /etc/vsrd/vsrd.yaml ]] ||
  fail "conffiles is not exactly /etc/vsrd/vsrd.yaml:"$'\n'"$(cat "$tmp/control/conffiles")"
for script in preinst config; do
  [[ ! -e $tmp/control/$script ]] || fail "unexpected maintainer script $script"
done
# Every line of a maintainer script must be one of these (comments and blank lines aside).
# shellcheck disable=SC2016 # regular expressions: $1 is matched, not expanded
common='#!/bin/sh|set -e|exit 0|fi|if \[ "\$1" = [a-z-]+ \]( (&&|\|\|) \[ [^]]+ \])*; then|if \[ -d /run/systemd/system \]; then'
declare -A allowed=(
  [postinst]="$common|if command -v systemd-sysusers >/dev/null 2>&1; then|systemd-sysusers vsrd\.conf|systemctl daemon-reload \|\| true"
  [postrm]="$common|systemctl daemon-reload \|\| true"
  [prerm]="$common|systemctl stop( vsrd(-git-sync)?\.(service|timer))+ \|\| true"
)
for script in postinst postrm prerm; do
  file=$tmp/control/$script
  [[ -x $file ]] || fail "$script is missing or not executable"
  unexpected=$(sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//' "$file" | grep -vE '^(#( .*)?)?$' |
    grep -vxE "${allowed[$script]}" || true)
  [[ -z $unexpected ]] || fail "$script does more than expected:"$'\n'"$unexpected"
done
! grep -nE '\b(enable|start|restart|try-restart|reload-or-restart|deb-systemd-invoke)\b' \
  "$tmp/control/postinst" "$tmp/control/postrm" || fail "a maintainer script enables or starts a unit"
echo "conffiles: /etc/vsrd/vsrd.yaml; maintainer scripts: sysusers, daemon-reload, stop on removal"
