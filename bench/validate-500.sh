#!/usr/bin/env bash
# `berth validate` on a config repository of many stacks (issue 14), beside `docker compose config` over the
# same files. The repository is generated (bench/validate/generate-repo.sh: 500 stacks by default, five
# shapes of real-world files, deterministic, committed) in a temporary directory. Each round measures, with
# /usr/bin/time (wall, user + system CPU, peak RSS):
#   (a) Berth: `java -jar cli/target/berth.jar validate <repo>` as `./berth validate` runs it (the JVM's
#       default options);
#   (b) Berth with the image's JAVA_OPTS (the Dockerfile's: SerialGC, C1 only, small initial heap), as a
#       config repository's CI would run it from the image;
#   (c) Compose v2: `docker compose --project-directory <stack> -f <stack>/compose.yaml config -q` for each
#       stack in turn, one project per file (the loop is one measurement: its time is the sum, its peak RSS
#       the largest single `docker compose`).
# Then (d) Berth on a one-stack repository, the fixed cost of a JVM start. Every run must accept every
# stack. Usage: bench/validate-500.sh [stacks=500] [rounds=3]. Builds cli/target/berth.jar when it is
# missing (or with BERTH_REBUILD=1). Bounded: every command has a timeout; nothing talks to the network
# (neither command pulls images nor reaches an engine); the repository is removed on exit. Prints the runs
# and medians and writes them to $BERTH_BENCH_OUT (/tmp/berth-validate-500.txt by default).
set -euo pipefail
stacks=${1:-500}
rounds=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/berth.jar
work=$(mktemp -d /tmp/berth-validate-bench.XXXXXX)
out=${BERTH_BENCH_OUT:-/tmp/berth-validate-500.txt}
image_opts="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms16m -XX:MaxRAMPercentage=75 -XX:MaxMetaspaceSize=128m"
image_opts+=" -XX:ReservedCodeCacheSize=32m -Xss512k"
trap 'rm -rf "$work"' EXIT

[[ -x /usr/bin/time ]] || { echo "GNU time is needed (apt-get install time)" >&2; exit 2; }
docker compose version >/dev/null || { echo "Compose v2 (docker compose) is needed" >&2; exit 2; }
if [[ ! -f $jar || ${BERTH_REBUILD:-0} == 1 ]]; then
  echo "building $jar..." >&2
  (cd "$root" && timeout 900 ./mvnw -q -o -B package -DskipTests -pl cli -am >/dev/null)
fi

echo "generating $stacks stacks..." >&2
repo=$work/repo
"$root/bench/validate/generate-repo.sh" "$repo" "$stacks"
mkdir -p "$work/one/stacks"
cp -r "$repo/stacks/$(ls "$repo/stacks" | head -1)" "$work/one/stacks/"

# Runs "$@" under GNU time; prints "wall_ms cpu_ms maxrss_kb" and fails when the command does.
measure() {
  local log=$work/time.txt
  /usr/bin/time -o "$log" -f '%e %U %S %M' "$@" >"$work/stdout.txt" 2>"$work/stderr.txt" || {
    echo "failed: $*" >&2; tail -5 "$work/stdout.txt" "$work/stderr.txt" >&2; return 1; }
  awk 'END {printf "%d %d %d\n", $1 * 1000, ($2 + $3) * 1000, $4}' "$log"
}

berth_validate() {
  local dir=$1 expect=$2; shift 2
  # shellcheck disable=SC2068
  measure timeout 300 java $@ -jar "$jar" validate "$dir"
  grep -qx "$expect valid, 0 invalid stacks" "$work/stdout.txt" || {
    echo "berth validate did not accept every stack:" >&2; tail -5 "$work/stdout.txt" >&2; return 1; }
}

compose_loop() {
  measure timeout 1800 bash -c '
    failed=0
    for dir in "$1"/stacks/*/; do
      timeout 60 docker compose --project-directory "$dir" -f "$dir/compose.yaml" config -q || failed=$((failed + 1))
    done
    exit $(( failed > 0 ))' loop "$repo"
}

declare -A wall cpu rss
record() { # what "wall cpu rss"
  local w c m
  read -r w c m <<<"$2"
  wall[$1]+="$w "; cpu[$1]+="$c "; rss[$1]+="$m "
  printf '  %-22s wall %6d ms  cpu %6d ms  peak RSS %7d KB\n' "$1" "$w" "$c" "$m" >&2
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
load() { cut -d' ' -f1 /proc/loadavg; }

loads=""
for ((r = 1; r <= rounds; r++)); do
  loads+="$(load) "
  echo "round $r of $rounds (load $(load))" >&2
  record berth "$(berth_validate "$repo" "$stacks")"
  record berth-image-opts "$(berth_validate "$repo" "$stacks" "$image_opts")"
  record compose "$(compose_loop)"
  record berth-one-stack "$(berth_validate "$work/one" 1)"
done
loads+="$(load)"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cpus, $(free -g | awk '/Mem:/ {print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
    "kernel $(uname -r), load average at each round's start and at the end: $loads"
  echo "java: $(java -version 2>&1 | head -1); $(docker compose version)"
  echo "berth commit: $(cd "$root" && git rev-parse --short HEAD); $stacks stacks, $rounds rounds" \
    "($(find "$repo/stacks" -name compose.yaml | xargs cat | wc -l) lines of compose files)"
  printf '%-18s %12s %12s %14s   %s\n' what "wall (ms)" "cpu (ms)" "peak RSS (KB)" "runs: wall ms / cpu ms / RSS KB"
  for what in berth berth-image-opts compose berth-one-stack; do
    printf '%-18s %12s %12s %14s   %s / %s / %s\n' "$what" "$(median <<<"${wall[$what]}")" \
      "$(median <<<"${cpu[$what]}")" "$(median <<<"${rss[$what]}")" "${wall[$what]% }" "${cpu[$what]% }" "${rss[$what]% }"
  done
} | tee "$out"
