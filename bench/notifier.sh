#!/usr/bin/env bash
# The notifier under load (issue 6): events per second appended to berth.audit (no channel), events per
# second delivered to one channel (a generic webhook on 127.0.0.1 that accepts everything), and the
# notifier's resident memory. Real Kafka (testkit's KafkaFixture, a container). The notifier runs in a
# JVM of its own ($BERTH_NOTIFIER_JAVA_OPTS, default -Xmx48m -XX:+UseSerialGC -Xss512k -XX:MaxMetaspaceSize=64m
# -XX:ReservedCodeCacheSize=24m -XX:TieredStopAtLevel=1, with MALLOC_ARENA_MAX=2); the harness
# JVM runs the load producer and the receiver. Usage: bench/notifier.sh [audit-events=20000]
# [channel-events=2000]. Bounded (each phase at most 5 minutes); removes its broker container and the
# notifier's JVM. Writes $BERTH_BENCH_OUT (/tmp/berth-notifier.txt).
set -euo pipefail
audit=${1:-20000}
channel=${2:-2000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/berth-notifier-bench.XXXXXX)
out=${BERTH_BENCH_OUT:-/tmp/berth-notifier.txt}
trap 'rm -rf "$work"' EXIT

docker image inspect apache/kafka:4.3.1 >/dev/null
if [[ -f /work/shared/env/testcontainers.env ]]; then source /work/shared/env/testcontainers.env; fi

echo "building the harness (notifier test classes)..." >&2
(cd "$root" && timeout 900 ./mvnw -q -B -ntp -pl notifier -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=test >/dev/null)
classpath=$root/notifier/target/test-classes:$root/notifier/target/classes:$(cat "$work/classpath.txt")

MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} timeout 900 java -Xmx512m -cp "$classpath" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dbench.childOpts="${BERTH_NOTIFIER_JAVA_OPTS:--Xmx48m -XX:+UseSerialGC -Xss512k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=24m -XX:TieredStopAtLevel=1}" \
    dev.berth.notifier.NotifierBench "$audit" "$channel" "$work/result.txt" >&2
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), $(java -version 2>&1 | head -1)"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "berth commit: $(cd "$root" && git rev-parse --short HEAD)"
  cat "$work/result.txt"
} | tee "$out"
