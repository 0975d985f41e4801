#!/usr/bin/env bash
# Long run of every fuzz target (docs/architecture.md "Fuzzing"): builds the fuzz preset, then
# runs the targets side by side, each until RUNS inputs have run or SECONDS have passed
# (whichever comes first; 0 = no limit), through scripts/fuzz, so with the same options, seeds
# and dictionaries as CI. Writes the command, the commit, the machine and each target's final
# libFuzzer statistics (executions, executions per second, crashes) to
# bench/results/DATE-fuzz.txt (DATE-fuzz-2.txt for the day's second run, and so on). Issue 14's
# target: at least 10 M executions per target, 0 crashes.
#
# A long run may take more than one sitting (the YAML targets run a few hundred to a thousand
# inputs per second on a core once their corpus has grown): each target's corpus is kept in
# CORPUS/TARGET/ (default build/fuzz/long-corpus; CORPUS= for a fresh scratch corpus as CI's),
# so the next run, a segment of the same long run, starts from what the earlier ones found. The
# segments are listed in CORPUS/TARGET.segments (result file, commit, executions, exit status),
# and each result file shows the long run's total so far: the sum of its segments' results.
#
#   bench/fuzz.sh                          RUNS=10000000 SECONDS_EACH=0 JOBS=5
#   RUNS=1000000 SECONDS_EACH=3600 JOBS=2 bench/fuzz.sh manifest_fuzz config_fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-10000000}
seconds=${SECONDS_EACH:-0}
jobs=${JOBS:-5}
corpus=${CORPUS-build/fuzz/long-corpus}
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(manifest_fuzz config_fuzz json_codec_fuzz daemon_api_fuzz scenario_fuzz)
fi

# ASan records no allocation stacks (malloc_context_size=0): a report still shows the bad access
# and its stack, the artifact run again (build/fuzz/fuzz/TARGET ARTIFACT) shows the allocation
# stacks too, and a run executes about 1.8 times as many inputs (scenario_fuzz: 502 against 911
# per second, 15 s each, on the 2-core development machine). Run it on free cores, not at nice 19
# beside builds: a starved target takes more than -timeout (10 s) for an input and reports a hang
# that is none.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}

scripts/install-deps
cmake --preset fuzz
cmake --build --preset fuzz
# The commit the targets were built from (work committed while they run is not in them).
commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
status=0
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  scripts/fuzz --no-build --runs "$runs" --seconds "$seconds" ${corpus:+--corpus "$corpus"} \
    "$target" >"$work/$target.out" 2>&1 &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done

# Never over an earlier record (bench/result_path.sh).
# shellcheck source=bench/result_path.sh
source bench/result_path.sh
result=$(next_result fuzz)
{
  echo "# fuzz targets, long run (bench/fuzz.sh)"
  echo "started:     $started"
  echo "ended:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:      $commit"
  echo "machine:     nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');" \
    "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo); $(uname -sr)"
  echo "build:       cmake --preset fuzz ($(clang++-14 --version | head -1); -O1, ASan+UBSan)"
  echo "command:     scripts/fuzz --no-build --runs $runs --seconds $seconds" \
    "${corpus:+--corpus $corpus }TARGET (${#targets[@]} targets, $jobs at a time)"
  echo "result:      $( ((status == 0)) && echo "no crash" || echo "A TARGET FAILED (see below)")"
  for target in "${targets[@]}"; do
    echo
    echo "## $target"
    cat "$work/$target.out"
    if [[ -n $corpus ]]; then
      # This run is a segment of the target's long run: add it to the list, then sum the list.
      executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.out")
      target_status=$(sed -n 's/.*exit status \([0-9]*\)$/\1/p' "$work/$target.out")
      echo "$result $commit" \
        "${executions:-0} ${target_status:-?}" >>"$corpus/$target.segments"
      echo "long run:    segment $(wc -l <"$corpus/$target.segments") of $corpus/$target;" \
        "$(awk '{n += $3} END {print n}' "$corpus/$target.segments") executions in all," \
        "$(awk '$4 != 0 {bad++} END {print bad + 0}' "$corpus/$target.segments") segments with a finding:"
      sed 's/^/             /' "$corpus/$target.segments"
    fi
  done
} >"$result"
echo "fuzz: wrote $result"
exit "$status"
