#!/usr/bin/env bash
# The unit files of systemd/, checked by systemd's own tools:
#   - `systemd-analyze verify` prints nothing (it exits 0 on most problems, which it only prints);
#   - `systemd-analyze security --offline=true` rates each service's exposure 2.0 or lower;
#   - vsrd.service keeps the settings vsrd relies on (notify, watchdog, reload, credentials...).
# Usage: systemd_analyze_test.sh SOURCE_DIR VSRD_BINARY
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[[ $# -eq 2 ]] || fail "usage: $0 SOURCE_DIR VSRD_BINARY"
source_dir=$1
vsrd=$(realpath "$2")
units=$source_dir/systemd
max_exposure=2.0
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (Debian package systemd)"
[[ -x $vsrd ]] || fail "$vsrd: not an executable"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# verify checks that every ExecStart= program exists: point them at the built vsrd and at a copy
# of the git-sync script (the units name their installed paths).
cp "$units/vsrd.service" "$units/vsrd-git-sync.service" "$units/vsrd-git-sync.timer" "$tmp/"
install -m 0755 "$units/vsrd-git-sync.sh" "$tmp/vsrd-git-sync"
sed -i "s|^ExecStart=/usr/bin/vsrd |ExecStart=$vsrd |" "$tmp/vsrd.service"
sed -i "s|^ExecStart=/usr/libexec/vsrd/vsrd-git-sync\$|ExecStart=$tmp/vsrd-git-sync|" \
  "$tmp/vsrd-git-sync.service"
grep -qx "ExecStart=$vsrd run --config /etc/vsrd/vsrd.yaml" "$tmp/vsrd.service" ||
  fail "vsrd.service: ExecStart is not '/usr/bin/vsrd run --config /etc/vsrd/vsrd.yaml'"
grep -qx "ExecStart=$tmp/vsrd-git-sync" "$tmp/vsrd-git-sync.service" ||
  fail "vsrd-git-sync.service: ExecStart is not '/usr/libexec/vsrd/vsrd-git-sync'"

verify() {
  systemd-analyze verify --man=false "$@" 2>&1
}

# The check itself must see problems: a unit with an unknown key makes verify print.
printf '[Service]\nExecStart=/bin/true\nNoSuchSetting=1\n' >"$tmp/broken-probe.service"
probe=$(verify "$tmp/broken-probe.service" || true)
[[ $probe == *NoSuchSetting* ]] || fail "systemd-analyze verify did not report an unknown key: '$probe'"
rm "$tmp/broken-probe.service"

if ! output=$(verify "$tmp/vsrd.service" "$tmp/vsrd-git-sync.service" "$tmp/vsrd-git-sync.timer"); then
  fail "systemd-analyze verify failed:"$'\n'"$output"
fi
[[ -z $output ]] || fail "systemd-analyze verify printed warnings:"$'\n'"$output"
echo "systemd-analyze verify: vsrd.service, vsrd-git-sync.service, vsrd-git-sync.timer clean"

for unit in vsrd.service vsrd-git-sync.service; do
  report=$(systemd-analyze security --offline=true --no-pager "$tmp/$unit" 2>&1) ||
    fail "systemd-analyze security $unit failed:"$'\n'"$report"
  exposure=$(sed -n "s/.*Overall exposure level for $unit: \([0-9][0-9.]*\) .*/\1/p" <<<"$report")
  [[ -n $exposure ]] || fail "no overall exposure for $unit in:"$'\n'"$report"
  if ! awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e + 0 <= max + 0) }'; then
    fail "$unit: overall exposure $exposure is above $max_exposure:"$'\n'"$(grep '✗' <<<"$report")"
  fi
  echo "systemd-analyze security: $unit exposure $exposure (at most $max_exposure)"
done

# What vsrd itself relies on; the exposure score does not see these.
required=(
  "Type=notify" "NotifyAccess=main" "WatchdogSec=30s" "Restart=on-failure"
  "ExecReload=/bin/kill -HUP \$MAINPID" "TimeoutStopSec=20s" "User=vsrd" "StateDirectory=vsrd"
  "ConfigurationDirectory=vsrd" "LoadCredential=vsrd:/etc/vsrd/credentials" "LimitCORE=0"
  "UMask=0077" "ProtectSystem=strict" "MemoryDenyWriteExecute=yes"
  "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" "SystemCallFilter=@system-service"
)
for line in "${required[@]}"; do
  grep -qxF -- "$line" "$units/vsrd.service" || fail "vsrd.service: missing the line '$line'"
done
grep -qxF "WantedBy=timers.target" "$units/vsrd-git-sync.timer" ||
  fail "vsrd-git-sync.timer: not wanted by timers.target"
grep -qxF "OnCalendar=minutely" "$units/vsrd-git-sync.timer" ||
  fail "vsrd-git-sync.timer: not every minute"
echo "vsrd.service: ${#required[@]} required settings present"
