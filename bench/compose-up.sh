#!/usr/bin/env bash
# Side by side in one run: docker-compose 1.29.2 and Berth on the same generated 20-service stack with
# health checks (bench/compose/generate-stack.sh).
#   (a) docker-compose `up -d` until every service is healthy (polling docker inspect)
#   (b) Berth applying the stack until every service is healthy (StackApplier through ComposeBench)
#   (c) Berth's no-op re-apply of the converged stack
#   (d) docker-compose's no-op `up -d` of the converged stack
# Usage: bench/compose-up.sh [runs=5]. Bounded: every step has a timeout; nothing is published on any
# port; everything created is removed on exit. Prints the runs and medians, and writes them to
# $BERTH_BENCH_OUT (/tmp/berth-compose-up.txt by default).
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/berth-compose-bench.XXXXXX)
project_dc=berth-bench-dc
name=compose-up
project_berth=bench-$name
out=${BERTH_BENCH_OUT:-/tmp/berth-compose-up.txt}

cleanup() {
  set +e
  (cd "$work/stacks/$name" 2>/dev/null && timeout 120 docker-compose -p $project_dc down -v -t 1 >/dev/null 2>&1)
  for p in $project_dc $project_berth; do
    ids=$(docker ps -aq --filter label=com.docker.compose.project=$p)
    [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1
    nets=$(docker network ls -q --filter label=com.docker.compose.project=$p)
    [[ -n $nets ]] && docker network rm $nets >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap cleanup EXIT

command -v docker-compose >/dev/null || { echo "docker-compose 1.29.2 is needed (apt-get install docker-compose)" >&2; exit 2; }
docker image inspect busybox:1.35 >/dev/null

now_ms() { date +%s%3N; }

# Waits until $2 containers of project $1 are healthy; fails after 180 s.
await_healthy() {
  local project=$1 count=$2 deadline=$(( $(date +%s) + 180 ))
  while (( $(date +%s) < deadline )); do
    ids=$(docker ps -q --filter label=com.docker.compose.project="$project")
    if [[ -n $ids ]] && (( $(docker inspect -f '{{.State.Health.Status}}' $ids | grep -c '^healthy$') >= count )); then
      return 0
    fi
    sleep 0.1
  done
  echo "$project: not healthy within 180 s" >&2
  return 1
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }

stack=$work/stacks/$name
"$root/bench/compose/generate-stack.sh" "$stack"
services=20

echo "building Berth's harness (deployer test classes)..." >&2
(cd "$root" && timeout 900 ./mvnw -q -B -ntp -pl deployer -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=test >/dev/null)
classpath=$root/deployer/target/test-classes:$root/deployer/target/classes:$(cat "$work/classpath.txt")

dc_up=(); dc_noop=()
# Run 0 of each tool is a warm-up, printed but left out of the medians.
for run in $(seq 0 "$runs"); do
  cd "$stack"
  start=$(now_ms)
  timeout 300 docker-compose -p $project_dc up -d >/dev/null 2>&1
  await_healthy $project_dc $services
  dc_up+=($(( $(now_ms) - start )))
  start=$(now_ms)
  timeout 300 docker-compose -p $project_dc up -d >/dev/null 2>&1
  dc_noop+=($(( $(now_ms) - start )))
  timeout 300 docker-compose -p $project_dc down -v -t 1 >/dev/null 2>&1
  echo "docker-compose run $run: up to healthy ${dc_up[-1]} ms, no-op up ${dc_noop[-1]} ms" >&2
done
dc_warm="${dc_up[0]}/${dc_noop[0]}"; dc_up=("${dc_up[@]:1}"); dc_noop=("${dc_noop[@]:1}")

mkdir -p "$work/berth-work"
timeout 1200 java -cp "$classpath" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    dev.berth.deployer.corpus.ComposeBench "$stack" "$name" "$runs" "$work/berth.txt" "$work/berth-work" >&2
berth_up=($(awk '{print $2}' "$work/berth.txt")); berth_noop=($(awk '{print $3}' "$work/berth.txt"))
for i in "${!berth_up[@]}"; do echo "Berth run $i: apply to healthy ${berth_up[$i]} ms, no-op ${berth_noop[$i]} ms" >&2; done
berth_warm="${berth_up[0]}/${berth_noop[0]}"; berth_up=("${berth_up[@]:1}"); berth_noop=("${berth_noop[@]:1}")

m_dc_up=$(printf '%s\n' "${dc_up[@]}" | median); m_dc_noop=$(printf '%s\n' "${dc_noop[@]}" | median)
m_b_up=$(printf '%s\n' "${berth_up[@]}" | median); m_b_noop=$(printf '%s\n' "${berth_noop[@]}" | median)
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(docker-compose version --short | sed 's/^/docker-compose /')"
  echo "berth commit: $(cd "$root" && git rev-parse --short HEAD)"
  echo "runs: $runs after one warm-up each (warm-up up/no-op ms: docker-compose $dc_warm, Berth $berth_warm), services: $services"
  echo "docker-compose up -d to healthy (ms): ${dc_up[*]} median $m_dc_up"
  echo "Berth apply to healthy (ms):         ${berth_up[*]} median $m_b_up"
  echo "Berth no-op re-apply (ms):           ${berth_noop[*]} median $m_b_noop"
  echo "docker-compose no-op up -d (ms):     ${dc_noop[*]} median $m_dc_noop"
  echo "Berth / docker-compose, to healthy:  $(awk -v b="$m_b_up" -v d="$m_dc_up" 'BEGIN {printf "%.2f", b / d}')"
  echo "Berth / docker-compose, no-op:       $(awk -v b="$m_b_noop" -v d="$m_dc_noop" 'BEGIN {printf "%.2f", b / d}')"
} | tee "$out"
