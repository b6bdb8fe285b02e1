#!/usr/bin/env bash
# Rollouts and rollback (issue 4), on a one-service stack (busybox httpd, HEALTHCHECK at a 1 s interval,
# a fixed 127.0.0.1 port, so every update is stop-first), through Berth's StackApplier without Kafka
# (the RolloutBench harness in the deployer's test classes), Docker's event stream read for timeNano:
#   1. gate failed -> previous revision healthy again, vs the container's own cold start to healthy
#   2. health_status event -> Berth's decision (pass and fail)
#   3. longest gap without a 200 during a stop-first update, Berth and docker-compose 1.29.2
# Usage: bench/rollout.sh [runs=5]. Bounded: every wait has a timeout, the request loop runs at most
# 30 s per update; only 127.0.0.1 and the bench's own containers; everything created is removed on exit.
# Prints the runs and medians, and writes them to $BERTH_BENCH_OUT (/tmp/berth-rollout.txt by default).
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/berth-rollout-bench.XXXXXX)
out=${BERTH_BENCH_OUT:-/tmp/berth-rollout.txt}
trap 'rm -rf "$work"' EXIT

command -v docker-compose >/dev/null || { echo "docker-compose 1.29.2 is needed (apt-get install docker-compose)" >&2; exit 2; }
docker image inspect busybox:1.35 >/dev/null

echo "building Berth's harness (deployer test classes)..." >&2
(cd "$root" && timeout 900 ./mvnw -q -B -ntp -pl deployer -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=test > "$work/build.log" 2>&1) || { tail -40 "$work/build.log" >&2; exit 1; }
classpath=$root/deployer/target/test-classes:$root/deployer/target/classes:$(cat "$work/classpath.txt")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
timeout $(( 120 + runs * 120 )) java -cp "$classpath" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    dev.berth.deployer.corpus.RolloutBench "$runs" "$work/runs.txt" "$work" >&2
cp "$work/runs.txt.events" "$out.events"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v c="$1" '{print $c}' "$work/runs.txt"; }
row() { printf '%-64s %s  median %s\n' "$1" "$(col "$2" | tr '\n' ' ')" "$(col "$2" | median)"; }
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ), load average before/after: $load_before / $load_after"
  echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(docker-compose version --short | sed 's/^/docker-compose /')"
  echo "berth commit: $(cd "$root" && git rev-parse --short HEAD), runs: $runs (ms per run)"
  row "1a cold start: create -> healthy (event stream)" 9
  row "1b cold start: start -> healthy" 2
  row "1c rollback: Berth kills the failed container -> old healthy" 5
  row "1d rollback: old container restarted -> healthy" 6
  row "2a pass: health_status healthy -> service.deployed" 3
  row "2b fail: health_status unhealthy -> Berth kills the container" 4
  row "3a Berth stop-first update: longest gap without a 200" 7
  row "3b docker-compose up -d: longest gap without a 200" 8
} | tee "$out"
