#!/usr/bin/env bash
# The HTTP server behind the ops port and push webhooks (issue 13, item 4): the JDK's
# com.sun.net.httpserver on one thread (as Berth used it), on 8 threads, and common.http.HttpListener
# (Jetty 12 with Berth's limits). Per server: keep-alive GET /health throughput from 4 client threads,
# then /health latency (a new connection every 250 ms, 5 s timeout) with no attacker, 1 and 20 clients
# sending a request a byte a second (reconnecting when cut off), and 100 idle connections from one
# address. Loopback only; every phase is bounded (seconds per phase, default 15).
# Usage: bench/http-listeners.sh [seconds-per-phase]. Writes $BERTH_BENCH_OUT (/tmp/berth-http.txt).
set -euo pipefail
seconds=${1:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/berth-http.XXXXXX)
out=${BERTH_BENCH_OUT:-/tmp/berth-http.txt}
trap 'rm -rf "$work"' EXIT

echo "building the harness (common test classes)..." >&2
(cd "$root" && timeout 900 ./mvnw -q -B -ntp -pl common test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=test >/dev/null)
classpath=$root/common/target/test-classes:$root/common/target/classes:$(cat "$work/classpath.txt")

timeout $((seconds * 12 * 2 + 120)) java -Xmx256m -cp "$classpath" \
    dev.berth.common.http.HttpListenerBench "$seconds" "$work/result.txt" >&2
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), $(java -version 2>&1 | head -1)"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "berth commit: $(cd "$root" && git rev-parse --short HEAD)"
  cat "$work/result.txt"
} | tee "$out"
