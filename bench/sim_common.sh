# Shared by the benchmark scripts (sourced, not run): installs wrk when missing, builds the
# release preset's targets given as arguments, starts vsrd-sim with bench/sim_tasks.yaml on a
# free loopback port, logs in and starts one task whose GET stays 200 for the whole run (the
# simulated clock never advances). Sets: sim, work, url, token, task, target, sim_threads and
# the machine description lines; stops vsrd-sim and removes $work on exit.
#   SIM_THREADS=2 JOBS=<build jobs>

sim_threads=${SIM_THREADS:-2}
bench_user=administrator@vsphere.local
bench_password=bench-only-password  # a fixture of bench/sim_tasks.yaml, not a secret

if ! command -v wrk >/dev/null; then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "bench: installing wrk"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends wrk
fi

cmake --preset release >/dev/null
for build_target in "$@"; do
  cmake --build --preset release --target "$build_target" ${JOBS:+--parallel "$JOBS"}
done
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
  echo "bench: vsrd-sim did not start:" >&2
  cat "$work/sim.out" "$work/sim.err" >&2
  exit 1
fi

curl_sim() { curl -sS --fail --cacert "$work/ca.pem" "$@"; }
token=$(curl_sim -u "$bench_user:$bench_password" -X POST "$url/api/session" | tr -d '"')
task=$(curl_sim -H "vmware-api-session-id: $token" -H 'Content-Type: application/json' \
  -X POST "$url/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true" \
  -d '{"placement": {"name": "vc01-passive", "folder": "group-v4"}}' | tr -d '"')
target="$url/api/cis/tasks/$task"
status=$(curl_sim -o /dev/null -w '%{http_code}' -H "vmware-api-session-id: $token" "$target")
if [[ $status != 200 ]]; then
  echo "bench: GET $target answered $status, not 200" >&2
  exit 1
fi

# Runs wrk with the session header and its arguments into $work/wrk.out; fails on any non-2xx.
run_wrk() {
  wrk "$@" -H "vmware-api-session-id: $token" "$target" >"$work/wrk.out"
  if grep -q 'Non-2xx' "$work/wrk.out"; then
    echo "bench: some requests failed:" >&2
    cat "$work/wrk.out" >&2
    exit 1
  fi
}

# The header of a result file: what ran where.
describe_run() {
  echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:      $(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
  echo "machine:     nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');" \
    "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo); $(uname -sr)"
  echo "build:       cmake --preset release (RelWithDebInfo, g++ $(g++ -dumpfullversion))"
  echo "server:      $sim --scenario bench/sim_tasks.yaml --threads $sim_threads"
  echo "target:      $target"
}
