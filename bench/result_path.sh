# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run): where a run writes its record.
# next_result NAME: prints bench/results/DATE-NAME.txt, or DATE-NAME-2.txt, -3, ... when the day
# already has one, so that a run never writes over an earlier record. Creates bench/results/.
next_result() {
  local day result n=2
  day=$(date -u +%Y-%m-%d)
  mkdir -p bench/results
  result="bench/results/$day-$1.txt"
  while [[ -e $result ]]; do
    result="bench/results/$day-$1-$n.txt"
    n=$((n + 1))
  done
  echo "$result"
}
