#!/usr/bin/env bash
# Measures the time from `git commit` to the new container being healthy and deployed, for the demo
# stack, with the all-in-one pipeline (embedded Kafka, local Docker Engine).
#
# Usage: bench/commit-to-healthy.sh [runs=10] [poll-interval=1s]
# Prints one line per run and the median. When docker-compose is installed, it then applies the same
# changes with `docker-compose up -d` (the peer: what a user runs by hand, with no detection at all)
# and prints the time from the edit to the replaced container being healthy, in the same run. Everything it creates (repository, data directory,
# containers, network) is removed at the end, also on failure or Ctrl-C. Bounded: each run waits at
# most 120 s.
set -euo pipefail
runs=${1:-10}
poll=${2:-1s}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/cli/target/berth.jar"
[[ -f $jar ]] || "$here/mvnw" -q -f "$here/pom.xml" -pl cli -am package -DskipTests
work=$(mktemp -d)
repo=$work/repo
env=bench$$
port=${BENCH_PORT:-18099}
log=$work/berth.log
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  docker ps -aq --filter "label=berth.stack=$env/demo" | xargs -r docker rm -f >/dev/null
  docker network rm "$env-demo_default" >/dev/null 2>&1 || true
  if [[ -f $work/peer/compose.yaml ]]; then
    docker-compose -p "$env-peer" -f "$work/peer/compose.yaml" down --remove-orphans >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$repo"
cp -R "$here/examples/config-repo/." "$repo/"
sed -i "s/127.0.0.1:18080:8080/127.0.0.1:$port:8080/" "$repo/stacks/demo/compose.yaml"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@berth.invalid commit -q -m "initial"

ms() { date +%s%3N; }
summary() { # label, values...
  local label=$1; shift
  local sorted; sorted=$(printf '%s\n' "$@" | sort -n)
  local median; median=$(awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}' <<<"$sorted")
  echo "$label: median $median ms (min $(head -1 <<<"$sorted"), max $(tail -1 <<<"$sorted"))"
}

await_line() { # pattern, timeout seconds
  local deadline=$(( $(ms) + $2 * 1000 ))
  until grep -q -- "$1" "$log"; do
    (( $(ms) < deadline )) || { echo "timed out waiting for: $1" >&2; tail -20 "$log" >&2; return 1; }
    sleep 0.02
  done
}

java -jar "$jar" run --repo "$repo" --environment "$env" --poll-interval "$poll" \
  --data-dir "$work/data" --ops-port 0 >"$log" 2>&1 &
pid=$!
await_line "deployed $env/demo" 120

results=()
for i in $(seq 1 "$runs"); do
  sed -i "s/GREETING: .*/GREETING: run $i/" "$repo/stacks/demo/compose.yaml"
  git -C "$repo" -c user.name=bench -c user.email=bench@berth.invalid commit -q -am "run $i"
  start=$(ms)
  sha=$(git -C "$repo" rev-parse --short=7 HEAD)
  await_line "deployed $env/demo @$sha" 120
  took=$(( $(ms) - start ))
  served=$(curl -s "http://127.0.0.1:$port/")
  [[ $served == "GREETING=run $i" ]] || { echo "run $i: served \"$served\"" >&2; exit 1; }
  echo "run $i: commit to deployed (healthy) in $took ms"
  results+=("$took")
done
summary "berth, commit to healthy, $runs runs, poll interval $poll" "${results[@]}"

command -v docker-compose >/dev/null || { echo "peer: docker-compose not installed, skipped"; exit 0; }
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
pid=
docker ps -aq --filter "label=berth.stack=$env/demo" | xargs -r docker rm -f >/dev/null
docker network rm "$env-demo_default" >/dev/null 2>&1 || true
mkdir -p "$work/peer"
peer=$work/peer/compose.yaml
cp "$repo/stacks/demo/compose.yaml" "$peer"
docker-compose -p "$env-peer" -f "$peer" up -d >/dev/null 2>&1
healthy_serving() { # greeting
  local id; id=$(docker-compose -p "$env-peer" -f "$peer" ps -q web)
  [[ -n $id && $(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null) == healthy ]] &&
    [[ $(curl -s "http://127.0.0.1:$port/") == "GREETING=$1" ]]
}
peer_results=()
for i in $(seq 1 "$runs"); do
  sed -i "s/GREETING: .*/GREETING: peer $i/" "$peer"
  start=$(ms)
  docker-compose -p "$env-peer" -f "$peer" up -d >/dev/null 2>&1
  deadline=$(( start + 120000 ))
  until healthy_serving "peer $i"; do
    (( $(ms) < deadline )) || { echo "peer run $i timed out" >&2; exit 1; }
    sleep 0.02
  done
  took=$(( $(ms) - start ))
  echo "peer run $i: docker-compose up -d to healthy in $took ms"
  peer_results+=("$took")
done
summary "docker-compose $(docker-compose version --short), edit to healthy, $runs runs" "${peer_results[@]}"
