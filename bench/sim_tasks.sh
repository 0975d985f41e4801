#!/usr/bin/env bash
# Benchmark: how many task polls per second vsrd-sim answers. vsrd's most frequent call is
# GET /api/cis/tasks/{task} while a task runs; this measures it over HTTPS with keep-alive
# connections, the way vsrd polls.
#
#   bench/sim_tasks.sh
#
# Builds the release preset (only the vsrd-sim target), starts vsrd-sim with bench/sim_tasks.yaml
# on a free loopback port, logs in, starts one task (a VCHA passive redeploy), runs wrk against
# the task for DURATION, and writes the raw wrk output with the exact command, the machine and
# the commit to bench/results/DATE-sim-tasks.txt. wrk is Debian's package; the script installs it
# when it is missing (CI does not need it). Settings, from the environment:
#   DURATION=10s CONNECTIONS=16 WRK_THREADS=2 SIM_THREADS=2 JOBS=<build jobs, default the preset's>
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10s}
connections=${CONNECTIONS:-16}
wrk_threads=${WRK_THREADS:-2}
sim_threads=${SIM_THREADS:-2}
user=administrator@vsphere.local
password=bench-only-password  # a fixture of bench/sim_tasks.yaml, not a secret

if ! command -v wrk >/dev/null; then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "sim_tasks: installing wrk"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends wrk
fi

cmake --preset release >/dev/null
cmake --build --preset release --target vsrd-sim ${JOBS:+--parallel "$JOBS"}
sim=build/release/simulator/server/vsrd-sim

work=$(mktemp -d)
sim_pid=
cleanup() {
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid"
    wait "$sim_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$sim" --scenario bench/sim_tasks.yaml --cert-out "$work/ca.pem" --threads "$sim_threads" \
  >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do
  grep -q ' listening on ' "$work/sim.out" && break
  sleep 0.1
done
url=$(sed -n 's/^vsrd-sim: vc01 (vcenter) listening on //p' "$work/sim.out")
if [[ -z $url ]]; then
  echo "sim_tasks: vsrd-sim did not start:" >&2
  cat "$work/sim.out" "$work/sim.err" >&2
  exit 1
fi

curl_sim() { curl -sS --fail --cacert "$work/ca.pem" "$@"; }
token=$(curl_sim -u "$user:$password" -X POST "$url/api/session" | tr -d '"')
task=$(curl_sim -H "vmware-api-session-id: $token" -H 'Content-Type: application/json' \
  -X POST "$url/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true" \
  -d '{"placement": {"name": "vc01-passive", "folder": "group-v4"}}' | tr -d '"')
target="$url/api/cis/tasks/$task"
status=$(curl_sim -o /dev/null -w '%{http_code}' -H "vmware-api-session-id: $token" "$target")
if [[ $status != 200 ]]; then
  echo "sim_tasks: GET $target answered $status, not 200" >&2
  exit 1
fi

wrk_command=(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency
  -H "vmware-api-session-id: $token" "$target")
"${wrk_command[@]}" >"$work/wrk.out"
# Every request got 200 (wrk reports other statuses as "Non-2xx or 3xx responses").
if grep -q 'Non-2xx' "$work/wrk.out"; then
  echo "sim_tasks: some requests failed:" >&2
  cat "$work/wrk.out" >&2
  exit 1
fi

mkdir -p bench/results
result="bench/results/$(date -u +%Y-%m-%d)-sim-tasks.txt"
# The recorded command shows the session header's name, never the session id itself.
shown_command="wrk -t$wrk_threads -c$connections -d$duration --latency"
shown_command+=" -H 'vmware-api-session-id: <session id>' '$target'"
{
  echo "# vsrd-sim: GET /api/cis/tasks/{task} over HTTPS with keep-alive (bench/sim_tasks.sh)"
  echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:      $(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
  echo "machine:     nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');" \
    "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo); $(uname -sr)"
  echo "build:       cmake --preset release (RelWithDebInfo, g++ $(g++ -dumpfullversion))"
  echo "server:      $sim --scenario bench/sim_tasks.yaml --threads $sim_threads"
  echo "client:      $(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//'), on the same machine" \
    "(client and server share the $(nproc) cores)"
  echo "target:      $target"
  echo "command:     $shown_command"
  echo
  cat "$work/wrk.out"
} >"$result"
echo "sim_tasks: wrote $result"
grep 'Requests/sec' "$work/wrk.out"
