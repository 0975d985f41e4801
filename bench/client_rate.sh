#!/usr/bin/env bash
# Benchmark: vsrd's vSphere client against wrk on the same vsrd-sim endpoint. Both poll
# GET /api/cis/tasks/{task} over HTTPS with keep-alive and the same number of connections:
# wrk with CONNECTIONS connections, vsrd-bench-client with CLIENT_THREADS threads sharing one
# VcenterClient (a pool of as many connections). Target of the issue: the client reaches at least
# half of wrk's rate with 4 threads. Writes both raw outputs, the commands, the machine and the
# commit to bench/results/DATE-client-rate.txt.
#
#   bench/client_rate.sh
#   DURATION=10 CLIENT_THREADS=4 CONNECTIONS=4 WRK_THREADS=2 SIM_THREADS=2 bench/client_rate.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-10}
client_threads=${CLIENT_THREADS:-4}
connections=${CONNECTIONS:-4}
wrk_threads=${WRK_THREADS:-2}
# shellcheck source=bench/sim_common.sh
source bench/sim_common.sh vsrd-sim vsrd-bench-client
client=build/release/bench/vsrd-bench-client

run_wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency
VSRD_BENCH_PASSWORD=$bench_password \
  "$client" "$url" "$work/ca.pem" "$bench_user" "$task" "$client_threads" "$duration" \
  >"$work/client.out"

wrk_rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
client_rate=$(awk '/Requests\/sec/ {print $2}' "$work/client.out")
ratio=$(awk -v c="$client_rate" -v w="$wrk_rate" 'BEGIN {printf "%.2f", c / w}')

mkdir -p bench/results
result="bench/results/$(date -u +%Y-%m-%d)-client-rate.txt"
{
  echo "# vsrd's client vs wrk: GET /api/cis/tasks/{task} over HTTPS keep-alive (bench/client_rate.sh)"
  describe_run
  echo "wrk:         $(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
  echo "command 1:   wrk -t$wrk_threads -c$connections -d${duration}s --latency" \
    "-H 'vmware-api-session-id: <session id>' '$target'"
  echo "command 2:   VSRD_BENCH_PASSWORD=<password> $client <url> <ca.pem> $bench_user <task>" \
    "$client_threads $duration"
  echo "note:        client, server and wrk share the $(nproc) cores; the client's rate limit is off"
  echo "result:      client $client_rate req/s, wrk $wrk_rate req/s, ratio $ratio (target >= 0.50)"
  echo
  echo "## wrk"
  cat "$work/wrk.out"
  echo
  echo "## vsrd-bench-client"
  cat "$work/client.out"
} >"$result"
echo "client_rate: wrote $result"
echo "client $client_rate req/s, wrk $wrk_rate req/s, ratio $ratio"
