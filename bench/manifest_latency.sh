#!/usr/bin/env bash
# Benchmark: how long from a manifest file landing in the watched directory to vsrd's first
# vSphere API call for the changed object (issue 6's target: within 100 ms). Runs vsrd-sim
# (examples/sim/lab.yaml, its clock following real time from now) and `vsrd run` (release
# build) on one GuestCustomizationCheck, then EDITS times replaces the manifest atomically
# (write a temporary file, rename it over the old one, as git does) with a changed VM list and
# reads, from vsrd-sim's request log, when the first customization check of the new spec
# arrived. The simulator's clock is calibrated against the real clock once (GET /sim/clock), so
# the latency is "rename returned" -> "request received by the simulator". Writes the raw
# latencies, their summary, the command, the machine and the commit to
# bench/results/DATE-manifest-latency.txt.
#
#   bench/manifest_latency.sh
#   EDITS=100 bench/manifest_latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."

edits=${EDITS:-50}
cmake --preset release >/dev/null
cmake --build --preset release --target vsrd vsrd-sim ${JOBS:+--parallel "$JOBS"}
vsrd=build/release/daemon/vsrd
sim=build/release/simulator/server/vsrd-sim

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

"$sim" --scenario examples/sim/lab.yaml --clock-start now --time-scale 1 \
  --listen-override vc01=127.0.0.1:0 --listen-override vr01=127.0.0.1:0 \
  --listen-override vc02=127.0.0.1:0 --admin-listen 127.0.0.1:0 --cert-out "$work/ca.pem" \
  >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
for _ in $(seq 100); do
  [[ $(grep -c ' listening on ' "$work/sim.out" 2>/dev/null) -ge 4 ]] && break
  sleep 0.1
done
vc01=$(sed -n 's/^vsrd-sim: vc01 (vcenter) listening on //p' "$work/sim.out")
admin=$(sed -n 's/^vsrd-sim: admin .*listening on //p' "$work/sim.out")
if [[ -z $vc01 || -z $admin ]]; then
  echo "bench: vsrd-sim did not start:" >&2
  cat "$work/sim.out" "$work/sim.err" >&2
  exit 1
fi

mkdir -p "$work/manifests"
echo "demo-only-password" >"$work/vc01.password"  # a fixture of examples/sim/lab.yaml
cat >"$work/vsrd.yaml" <<YAML
manifests: manifests
state_dir: state
listen: 127.0.0.1:0
workers: 2
log: {level: info, format: text}
targets:
  vc01:
    api: vcenter
    url: $vc01
    username: administrator@vsphere.local
    password_file: vc01.password
    tls: {ca_file: ca.pem}
    requests_per_second: 1000
YAML
manifest() {
  printf 'apiVersion: vsrd/v1\nkind: GuestCustomizationCheck\nmetadata: {name: web-tier}\n'
  printf 'spec: {target: vc01, vms: [%s], policy: {interval: 1h}}\n' "$1"
}
manifest vm-42 >"$work/manifests/web-tier.yaml"

"$vsrd" run --config "$work/vsrd.yaml" 2>"$work/vsrd.log" &
pids+=($!)
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/vsrd.log")
  [[ -n $port ]] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "bench: vsrd run did not start:" >&2
  cat "$work/vsrd.log" >&2
  exit 1
fi

python3 - "$work" "$admin" "$edits" >"$work/latency.out" <<'PY'
import json, os, ssl, statistics, sys, time, urllib.request
from datetime import datetime

work, admin, edits = sys.argv[1], sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context(cafile=os.path.join(work, "ca.pem"))

def call(method, path):
    request = urllib.request.Request(admin + path, method=method)
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        body = response.read()
        return json.loads(body) if body else None

def sim_seconds(text):  # "2026-11-23T16:00:00.123Z"
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=__import__("datetime").timezone.utc).timestamp()

# The simulator's clock follows real time from a start rounded to the second: measure its offset.
offsets = []
for _ in range(20):
    before = time.time()
    now = call("GET", "/sim/clock")["now"]
    after = time.time()
    offsets.append(sim_seconds(now) - (before + after) / 2)
offset = statistics.median(offsets)

lists = ["vm-42, vm-43", "vm-42"]
path = os.path.join(work, "manifests", "web-tier.yaml")
latencies = []
for i in range(edits):
    time.sleep(0.3)  # the previous pass is over; the daemon is idle
    call("DELETE", "/sim/requests")
    text = ("apiVersion: vsrd/v1\nkind: GuestCustomizationCheck\nmetadata: {name: web-tier}\n"
            "spec: {target: vc01, vms: [%s], policy: {interval: 1h}}\n" % lists[i % 2])
    with open(path + ".tmp", "w") as out:
        out.write(text)
    landed = time.time()
    os.replace(path + ".tmp", path)
    deadline = landed + 10
    first = None
    while first is None and time.time() < deadline:
        for entry in call("GET", "/sim/requests?persona=vc01"):
            if entry.get("operation") == "vm.guest.customization.check":
                first = sim_seconds(entry["time"]) - offset
                break
        else:
            time.sleep(0.005)
    if first is None:
        print("edit %d: no API call within 10 s" % i)
        continue
    latencies.append((first - landed) * 1000)
    print("edit %d: %.1f ms" % (i, latencies[-1]))

latencies.sort()
def pct(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]
print("clock offset (simulator - real): %.1f ms, from 20 samples" % (offset * 1000))
print("edits: %d measured of %d" % (len(latencies), edits))
print("latency ms: min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f" %
      (latencies[0], pct(50), pct(90), pct(99), latencies[-1]))
PY

result=bench/results/$(date -u +%F)-manifest-latency.txt
{
  echo "# bench/manifest_latency.sh — $(date -u +%FT%TZ)"
  echo "# command: EDITS=$edits bench/manifest_latency.sh"
  echo "# commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
  echo "# vsrd run: debounce 50 ms (max 1 s), workers 2; vsrd-sim and vsrd share the machine"
  cat "$work/latency.out"
} | tee "$result"
echo "written: $result"
