#!/usr/bin/env bash
# The dashboard and the rules against a running vsrd (`vsrd run` on the example manifests, its
# targets served by vsrd-sim on loopback):
#   dashboard      every PromQL expression of examples/grafana/vsrd-dashboard.json (panels, rows,
#                  variables), with the variables replaced by sample values, parses as a
#                  `record:` rule (`promtool check rules`); and every metric name the dashboard
#                  and examples/prometheus/vsrd-alerts.yaml use is one the daemon exports.
#   check-metrics  `promtool check metrics` on the live scrape prints nothing and exits 0.
# Either mode scrapes once every object has had its first reconcile pass (which creates the
# vSphere-state families), and checks the metric names on that scrape.
#
#   tests/observability/live_test.sh dashboard|check-metrics VSRD VSRD_SIM SOURCE_DIR
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

mode=${1:?usage: live_test.sh dashboard|check-metrics VSRD VSRD_SIM SOURCE_DIR}
vsrd=${2:?} sim=${3:?} source_dir=${4:?}
python=/usr/bin/python3  # Debian's, with the yaml module (scripts/install-deps)
check=$source_dir/tests/observability/promql_check.py
dashboard=$source_dir/examples/grafana/vsrd-dashboard.json
rules=$source_dir/examples/prometheus/vsrd-alerts.yaml

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
for tool in promtool curl git; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps)"
done
"$python" -c 'import yaml' 2>/dev/null || fail "$python has no yaml module (python3-yaml)"
[[ -x $vsrd && -x $sim ]] || fail "not executable: $vsrd or $sim"

work=$(mktemp -d)
# shellcheck source=lab_daemon.sh
source "$(dirname "$0")/lab_daemon.sh"
trap 'lab_stop; rm -rf "$work"' EXIT

case $mode in
  dashboard)
    "$python" "$check" record-rules "$dashboard" "$work/dashboard-rules.yaml"
    output=$(promtool check rules "$work/dashboard-rules.yaml" 2>&1) || {
      cat "$work/dashboard-rules.yaml" >&2
      fail "promtool cannot parse the dashboard's queries (rules above):"$'\n'"$output"
    }
    if grep -vE '^(Checking .*|  SUCCESS: [0-9]+ rules found|)$' <<<"$output" >&2; then
      fail "promtool check rules printed more than its success line (above)"
    fi
    echo "$output"
    ;;
  check-metrics) ;;
  *) fail "unknown mode $mode" ;;
esac

lab_start
lab_wait_first_passes
curl -fsS "$metrics_url" >"$work/metrics.txt" || lab_fail "GET $metrics_url failed"
"$python" "$check" names "$work/metrics.txt" "$dashboard" "$rules" || {
  echo "--- the families of the scrape:" >&2
  grep '^# TYPE' "$work/metrics.txt" >&2 || true
  fail "the dashboard or the rules use metrics vsrd does not export (above)"
}

case $mode in
  dashboard)
    echo "PASS: the dashboard's queries parse, and every metric they and the rules use is exported"
    ;;
  check-metrics)
    status=0
    output=$(promtool check metrics <"$work/metrics.txt" 2>&1) || status=$?
    [[ $status -eq 0 && -z $output ]] ||
      fail "promtool check metrics (exit status $status) on the live scrape:"$'\n'"$output"
    echo "PASS: promtool check metrics: $(grep -c '^# TYPE' "$work/metrics.txt") families, nothing reported"
    ;;
esac
