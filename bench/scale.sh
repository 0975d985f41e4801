#!/usr/bin/env bash
# Benchmark: vsrd at 100, 1,000 and 10,000 objects on 10 simulated vCenters (issue 15). Builds
# the release `vsrd` and `vsrd-sim`, then bench/scale.py, for each size: cold start -> all Ready
# against the critical path, steady-state RSS and CPU per object and per API request, drift checks
# per object per interval, GET /metrics and /status size and time, manifest edit -> first API
# call p50/p99 with every object loaded. Writes the report with the command, the commit and the
# machine to bench/results/DATE-scale.txt (DATE-scale-2.txt for the day's second run, and so on).
#
#   bench/scale.sh                                   SIZES=100,1000,10000 TARGETS=10
#   SIZES=1000 STEADY=60 EDITS=10 bench/scale.sh
#   RATE=100000 SIZES=10000 bench/scale.sh             each target's requests_per_second (100)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-100,1000,10000}
targets=${TARGETS:-10}
interval=${INTERVAL:-30s}
steady=${STEADY:-90}
edits=${EDITS:-20}
rate=${RATE:-100}

cmake --preset release >/dev/null
cmake --build --preset release --target vsrd vsrd-sim ${JOBS:+--parallel "$JOBS"}
# The commit the binaries were built from (work committed while the benchmark runs is not in them).
commit=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

# Never over an earlier record (bench/result_path.sh).
# shellcheck source=bench/result_path.sh
source bench/result_path.sh
result=$(next_result scale)
report=$(mktemp)
trap 'rm -f "$report"' EXIT
python3 bench/scale.py --vsrd build/release/daemon/vsrd \
  --sim build/release/simulator/server/vsrd-sim --sizes "$sizes" --targets "$targets" \
  --interval "$interval" --steady "$steady" --edits "$edits" --rate "$rate" | tee "$report"
{
  echo "# vsrd at scale (bench/scale.sh)"
  echo "ended:   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: SIZES=$sizes TARGETS=$targets INTERVAL=$interval STEADY=$steady EDITS=$edits" \
    "RATE=$rate bench/scale.sh"
  echo "commit:  $commit (built from)"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
  echo "machine: nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //');" \
    "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo); $(uname -sr)"
  echo "build:   cmake --preset release; vsrd-sim and vsrd share the machine"
  echo
  cat "$report"
} >"$result"
echo "scale: wrote $result"
