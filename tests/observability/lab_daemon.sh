# shellcheck shell=bash disable=SC2154,SC2034  # the caller sets vsrd, sim, source_dir, work
# Sourced by the observability tests: starts vsrd-sim on examples/sim/lab.yaml and `vsrd run` on
# the example manifests, every port on 127.0.0.1:0, and scrapes the daemon's /metrics (the model
# is bench/manifest_latency.sh). Needs $vsrd, $sim, $source_dir and $work (a temp dir that the
# caller removes); the caller's EXIT trap must call lab_stop. After lab_start, $metrics_url and
# $status_url are the daemon's http://127.0.0.1:PORT/metrics and /status.

lab_pids=()

lab_fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/sim.out "$work"/sim.err "$work"/vsrd.log; do
    [[ -s $log ]] && { echo "--- $log (last 40 lines)" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

lab_stop() {
  local pid
  for pid in "${lab_pids[@]}"; do
    if kill -TERM "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
    fi
  done
  lab_pids=()
}

# Starts both processes and waits for /readyz (every target logged in, the manifests loaded).
lab_start() {
  "$sim" --scenario "$source_dir/examples/sim/lab.yaml" --clock-start now --time-scale 1 \
    --listen-override vc01=127.0.0.1:0 --listen-override vr01=127.0.0.1:0 \
    --listen-override vc02=127.0.0.1:0 --admin-listen 127.0.0.1:0 --cert-out "$work/ca.pem" \
    >"$work/sim.out" 2>"$work/sim.err" &
  lab_pids+=($!)
  local _
  for _ in $(seq 200); do
    [[ $(grep -c ' listening on ' "$work/sim.out" 2>/dev/null) -ge 4 ]] && break
    sleep 0.05
  done
  local vc01 vr01 vc02
  vc01=$(sed -n 's/^vsrd-sim: vc01 (vcenter) listening on //p' "$work/sim.out")
  vr01=$(sed -n 's/^vsrd-sim: vr01 (update-manager) listening on //p' "$work/sim.out")
  vc02=$(sed -n 's/^vsrd-sim: vc02 (vcenter) listening on //p' "$work/sim.out")
  [[ -n $vc01 && -n $vr01 && -n $vc02 ]] || lab_fail "vsrd-sim did not start"

  # Every kind of the examples, so that every family has series, in a git checkout (for
  # vsrd_last_applied_revision_info). The passwords are the demo's (examples/secrets/).
  cp -r "$source_dir/examples/manifests" "$work/manifests"
  git -C "$work/manifests" init -q
  git -C "$work/manifests" add .
  git -C "$work/manifests" -c user.name=vsrd-test -c user.email=vsrd-test@example.invalid \
    -c commit.gpgsign=false commit -qm "example manifests" || lab_fail "git commit failed"
  echo "demo-only-password" >"$work/vc.password"
  echo "vr-demo-password" >"$work/vr.password"
  cat >"$work/vsrd.yaml" <<YAML
manifests: manifests
state_dir: state
listen: 127.0.0.1:0
workers: 2
log: {level: info, format: text}
secrets: {credentials: [esx-edge01]}
targets:
  vc01:
    api: vcenter
    url: $vc01
    username: administrator@vsphere.local
    password_file: vc.password
    tls: {ca_file: ca.pem}
    requests_per_second: 1000
  vr01:
    api: update-manager
    url: $vr01
    username: admin
    password_file: vr.password
    tls: {ca_file: ca.pem}
    requests_per_second: 1000
  vc02:
    api: vcenter
    url: $vc02
    username: administrator@vsphere.local
    password_file: vc.password
    tls: {ca_file: ca.pem}
    requests_per_second: 1000
YAML
  CREDENTIALS_DIRECTORY="$source_dir/examples/secrets/credentials" \
    "$vsrd" run --config "$work/vsrd.yaml" 2>"$work/vsrd.log" &
  lab_pids+=($!)
  local port=
  for _ in $(seq 600); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/vsrd.log")
    [[ -n $port ]] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.05
  done
  [[ -n $port ]] || lab_fail "vsrd run did not log its listening address"
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 || lab_fail "vsrd run never became ready"
  metrics_url="http://127.0.0.1:$port/metrics"
  status_url="http://127.0.0.1:$port/status"
}

# Waits (60 s at most) until every object in GET /status has had its first reconcile pass (an
# entry in its history): the families of the vSphere state (appliance versions, VCHA health, VM
# customizability) exist from then on.
lab_wait_first_passes() {
  local deadline=$((SECONDS + 60))
  until curl -fsS "$status_url" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
objects = json.load(sys.stdin)["objects"]
sys.exit(0 if objects and all(o.get("history") for o in objects) else 1)'; do
    ((SECONDS < deadline)) || lab_fail "the objects did not all have a reconcile pass within 60 s"
    sleep 0.1
  done
}
