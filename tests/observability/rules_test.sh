#!/usr/bin/env bash
# The alert and recording rules of examples/prometheus/ checked by a real promtool:
# `promtool check rules` passes with no other output than its success line, `promtool test
# rules` runs vsrd-alerts.test.yaml, and that file makes every alert fire and stay silent.
#
#   tests/observability/rules_test.sh SOURCE_DIR
set -euo pipefail

source_dir=${1:?usage: rules_test.sh SOURCE_DIR}
rules_dir=$source_dir/examples/prometheus
python=/usr/bin/python3  # Debian's, with the yaml module (scripts/install-deps)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
command -v promtool >/dev/null || fail "promtool is not installed (Debian package prometheus)"
"$python" -c 'import yaml' 2>/dev/null || fail "$python has no yaml module (python3-yaml)"

# promtool exits 0 with warnings too: accept only its "Checking" and "SUCCESS" lines.
only_success_lines() {
  local output=$1
  if grep -vE '^(Checking .*|  SUCCESS: [0-9]+ rules found|)$' <<<"$output" >&2; then
    return 1
  fi
  grep -qE '^  SUCCESS: [0-9]+ rules found$' <<<"$output"
}

output=$(promtool check rules "$rules_dir/vsrd-alerts.yaml" 2>&1) ||
  fail "promtool check rules vsrd-alerts.yaml:"$'\n'"$output"
only_success_lines "$output" ||
  fail "promtool check rules vsrd-alerts.yaml printed more than its success line (above)"
echo "$output"

# promtool test rules resolves rule_files against the test file's directory.
output=$(promtool test rules "$rules_dir/vsrd-alerts.test.yaml" 2>&1) ||
  fail "promtool test rules vsrd-alerts.test.yaml:"$'\n'"$output"
echo "$output"

"$python" "$source_dir/tests/observability/promql_check.py" alert-tests \
  "$rules_dir/vsrd-alerts.yaml" "$rules_dir/vsrd-alerts.test.yaml"
echo "PASS: alert rules"
