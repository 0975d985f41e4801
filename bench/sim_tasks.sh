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
# shellcheck source=bench/sim_common.sh
source bench/sim_common.sh vsrd-sim

run_wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency

mkdir -p bench/results
result="bench/results/$(date -u +%Y-%m-%d)-sim-tasks.txt"
# The recorded command shows the session header's name, never the session id itself.
shown_command="wrk -t$wrk_threads -c$connections -d$duration --latency"
shown_command+=" -H 'vmware-api-session-id: <session id>' '$target'"
{
  echo "# vsrd-sim: GET /api/cis/tasks/{task} over HTTPS with keep-alive (bench/sim_tasks.sh)"
  describe_run
  echo "client:      $(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//'), on the same machine" \
    "(client and server share the $(nproc) cores)"
  echo "command:     $shown_command"
  echo
  cat "$work/wrk.out"
} >"$result"
echo "sim_tasks: wrote $result"
grep 'Requests/sec' "$work/wrk.out"
