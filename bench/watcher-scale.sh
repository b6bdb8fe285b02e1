#!/usr/bin/env bash
# The watcher with a config repository of many stacks (issue 5): a generated repository (2,000 stacks by
# default, one busybox service each, every tenth using shared/common.env) served as a local path, one
# Watcher publishing to a real Kafka broker (testkit's KafkaFixture, a container), polls driven by
# pollNow(). Measures the initial load, idle polls, one stack changed per commit to its stack.changed
# read back from Kafka, a shared env file changed to all its users' events, heap after GC and RSS.
# Also a signed push webhook to its event. delivery: transactional (the default, Watcher.transactional:
# one Kafka transaction per poll) or at-least-once (a plain publisher, one acknowledged send per event).
# Usage: bench/watcher-scale.sh [stacks=2000] [idle-polls=200] [commits=20] [delivery]. Bounded by timeouts;
# removes its repository, mirror and broker container. Writes $BERTH_BENCH_OUT
# (/tmp/berth-watcher-scale.txt by default).
set -euo pipefail
stacks=${1:-2000}
idle=${2:-200}
commits=${3:-20}
delivery=${4:-transactional}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/berth-watcher-scale.XXXXXX)
out=${BERTH_BENCH_OUT:-/tmp/berth-watcher-scale.txt}
trap 'rm -rf "$work"' EXIT

docker image inspect apache/kafka:4.3.1 >/dev/null
if [[ -f /work/shared/env/testcontainers.env ]]; then source /work/shared/env/testcontainers.env; fi

echo "building the harness (watcher test classes)..." >&2
(cd "$root" && timeout 900 ./mvnw -q -B -ntp -pl watcher -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=test >/dev/null)
classpath=$root/watcher/target/test-classes:$root/watcher/target/classes:$(cat "$work/classpath.txt")

timeout 1200 java -Xmx512m -cp "$classpath" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    dev.berth.watcher.WatcherScaleBench "$stacks" "$idle" "$commits" "$work/result.txt" "$delivery" >&2
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), $(java -version 2>&1 | head -1)"
  echo "berth commit: $(cd "$root" && git rev-parse --short HEAD)"
  cat "$work/result.txt"
} | tee "$out"
