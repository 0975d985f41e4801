#!/usr/bin/env bash
# `cmake --install` into a DESTDIR, the way a package or an operator installs vsrd:
#   - prefix /usr: binaries, units (where this system's systemd reads them), sysusers.d, the
#     example config as /etc/vsrd/vsrd.yaml (valid for `vsrd validate`), the credentials
#     directory (root-only), the git-sync script, the JSON Schema, docs and examples; nothing
#     outside /etc, the unit directory and /usr; the demo's passwords not at all;
#   - systemd-sysusers creates the vsrd user from the installed sysusers.d entry;
#   - installing again keeps an edited /etc/vsrd/vsrd.yaml;
#   - prefix /opt/vsrd: the units name /opt/vsrd/bin/vsrd and /etc/opt/vsrd (GNUInstallDirs).
# Usage: install_test.sh SOURCE_DIR BUILD_DIR CMAKE VSRD_BINARY
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[[ $# -eq 4 ]] || fail "usage: $0 SOURCE_DIR BUILD_DIR CMAKE VSRD_BINARY"
source_dir=$1
build_dir=$2
cmake=$3
vsrd=$(realpath "$4")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

install_into() { # DESTDIR PREFIX [--component NAME]
  local destdir=$1 prefix=$2
  shift 2
  DESTDIR=$destdir "$cmake" --install "$build_dir" --prefix "$prefix" "$@" >"$tmp/install.log" 2>&1 ||
    fail "cmake --install --prefix $prefix $* failed:"$'\n'"$(cat "$tmp/install.log")"
}

expect_file() { # PATH MODE
  [[ -f $1 && ! -L $1 ]] || fail "not installed: ${1#"$root"}"
  local mode
  mode=$(stat -c %a "$1")
  [[ $mode == "$2" ]] || fail "${1#"$root"}: mode $mode, expected $2"
}

expect_line() { # FILE LINE
  grep -qxF -- "$2" "$1" || fail "${1#"$tmp"}: no line '$2'"
}

# Where the system's systemd reads units, as the build found it (pkg-config, package systemd).
unit_dir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
unit_dir=${unit_dir:-/usr/lib/systemd/system}
sysusers_dir=$(pkg-config --variable=sysusersdir systemd 2>/dev/null || true)
sysusers_dir=${sysusers_dir:-/usr/lib/sysusers.d}

# --- prefix /usr, every component ---
root=$tmp/usr-root
install_into "$root" /usr

expect_file "$root/usr/bin/vsrd" 755
expect_file "$root/usr/bin/vsrd-sim" 755
expect_file "$root/usr/libexec/vsrd/vsrd-git-sync" 755
for unit in vsrd.service vsrd-git-sync.service vsrd-git-sync.timer; do
  expect_file "$root$unit_dir/$unit" 644
  cmp -s "$source_dir/systemd/$unit" "$root$unit_dir/$unit" ||
    fail "$unit_dir/$unit differs from systemd/$unit (nothing is rewritten for /usr)"
done
expect_file "$root$sysusers_dir/vsrd.conf" 644
expect_file "$root/etc/vsrd/vsrd.yaml" 644
cmp -s "$source_dir/examples/vsrd.production.yaml" "$root/etc/vsrd/vsrd.yaml" ||
  fail "/etc/vsrd/vsrd.yaml is not examples/vsrd.production.yaml"
[[ -d $root/etc/vsrd/credentials ]] || fail "not installed: /etc/vsrd/credentials"
[[ $(stat -c %a "$root/etc/vsrd/credentials") == 700 ]] ||
  fail "/etc/vsrd/credentials: mode $(stat -c %a "$root/etc/vsrd/credentials"), expected 700"
[[ -z $(ls -A "$root/etc/vsrd/credentials") ]] || fail "/etc/vsrd/credentials is not empty"

# The installed config is valid (its manifests directory does not exist here: an empty one).
mkdir "$tmp/no-manifests"
if ! validate=$("$vsrd" validate --config "$root/etc/vsrd/vsrd.yaml" "$tmp/no-manifests" 2>&1); then
  fail "vsrd validate rejects the installed /etc/vsrd/vsrd.yaml:"$'\n'"$validate"
fi

# The JSON Schema and the examples, as many as the source has.
shopt -s nullglob
schemas=("$source_dir"/manifests/schema/*.json)
for schema in "${schemas[@]}"; do
  expect_file "$root/usr/share/vsrd/schema/${schema##*/}" 644
done
doc=$root/usr/share/doc/vsrd
for dir in manifests grafana prometheus; do
  [[ -d $source_dir/examples/$dir ]] || continue
  while IFS= read -r -d '' file; do
    relative=${file#"$source_dir/examples/"}
    expect_file "$doc/examples/$relative" 644
  done < <(find "$source_dir/examples/$dir" -type f -print0)
done
expect_file "$doc/examples/vsrd.yaml" 644
expect_file "$doc/examples/git-sync.env" 644
expect_file "$doc/systemd.md" 644
for page in "$source_dir"/docs/*.md; do
  expect_file "$doc/${page##*/}" 644
done
shopt -u nullglob

# Nothing else: no /usr/etc, no /usr/local, no build-tree paths; no demo secrets.
unexpected=$(cd "$root" && find . -mindepth 1 \( -type f -o -type l \) | {
  grep -vE "^\./(etc/vsrd/|usr/(bin|libexec|share)/|${unit_dir#/}/|${sysusers_dir#/}/)" || true
})
[[ -z $unexpected ]] || fail "installed outside the standard places:"$'\n'"$unexpected"
secrets=$(cd "$root" && find . -name '*.password' -o -path '*/secrets/*')
[[ -z $secrets ]] || fail "the demo's passwords were installed:"$'\n'"$secrets"
echo "prefix /usr: $(cd "$root" && find . -type f | wc -l) files in the standard places"

# The package's postinst runs `systemd-sysusers vsrd.conf`: the same, inside the DESTDIR.
command -v systemd-sysusers >/dev/null || fail "systemd-sysusers not found (Debian package systemd)"
sysusers=$(systemd-sysusers --root="$root" vsrd.conf 2>&1) ||
  fail "systemd-sysusers vsrd.conf failed:"$'\n'"$sysusers"
grep -qE '^vsrd:x:[0-9]+:[0-9]+:[^:]*:/var/lib/vsrd:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "systemd-sysusers did not create the user vsrd (home /var/lib/vsrd, no login):"$'\n'"$(cat "$root/etc/passwd")"
grep -qE '^vsrd:x:[0-9]+:$' "$root/etc/group" || fail "systemd-sysusers did not create the group vsrd"
echo "systemd-sysusers vsrd.conf: user and group vsrd"

# --- installing again keeps the operator's config ---
echo "# edited by the operator" >>"$root/etc/vsrd/vsrd.yaml"
touch "$root/etc/vsrd/credentials/vsrd_vc01"
install_into "$root" /usr --component systemd
grep -qx "# edited by the operator" "$root/etc/vsrd/vsrd.yaml" ||
  fail "a second install replaced the edited /etc/vsrd/vsrd.yaml"
[[ -e $root/etc/vsrd/credentials/vsrd_vc01 ]] || fail "a second install emptied /etc/vsrd/credentials"
echo "reinstall: /etc/vsrd/vsrd.yaml and /etc/vsrd/credentials kept"

# --- prefix /opt/vsrd: the units follow the layout ---
root=$tmp/opt-root
install_into "$root" /opt/vsrd --component systemd
units=$root/opt/vsrd/lib/systemd/system
expect_file "$root/etc/opt/vsrd/vsrd.yaml" 644
expect_file "$units/vsrd.service" 644
expect_file "$root/opt/vsrd/lib/sysusers.d/vsrd.conf" 644
expect_file "$root/opt/vsrd/libexec/vsrd/vsrd-git-sync" 755
expect_line "$units/vsrd.service" "ExecStart=/opt/vsrd/bin/vsrd run --config /etc/opt/vsrd/vsrd.yaml"
expect_line "$units/vsrd.service" "LoadCredential=vsrd:/etc/opt/vsrd/credentials"
expect_line "$units/vsrd-git-sync.service" "ExecStart=/opt/vsrd/libexec/vsrd/vsrd-git-sync"
expect_line "$units/vsrd-git-sync.service" "EnvironmentFile=/etc/opt/vsrd/git-sync.env"
expect_line "$units/vsrd-git-sync.service" "ConditionPathExists=/etc/opt/vsrd/git-sync.env"
stale=$(grep -nE '/usr/(bin|libexec)/|/etc/vsrd/|/usr/share/doc' "$units"/vsrd* || true)
[[ -z $stale ]] || fail "units installed under /opt/vsrd still name /usr or /etc/vsrd paths:"$'\n'"$stale"
echo "prefix /opt/vsrd: units name /opt/vsrd/bin/vsrd and /etc/opt/vsrd"
