#!/usr/bin/env bash
# Berth's image (issue 7): its size, the time from `docker start` to /ready for each role, each
# role's idle RSS, and the all-in-one mode's RSS with its embedded broker.
#   (a) image size (docker image inspect)
#   (b) watcher, deployer, notifier: `docker start` until GET /ready answers 200 (polled every 50 ms
#       on a 127.0.0.1 port), with a broker (apache/kafka) already up on a private network; N runs
#   (c) their VmRSS after 30 s idle (from /proc/1/status inside the container)
#   (d) `berth run` (embedded Kafka, watcher, deployer, notifier in one JVM): start to /ready and
#       VmRSS after 30 s idle
# Usage: bench/images.sh [runs=3] [image=berth:bench]. Builds the image from cli/target/berth.jar
# when it is missing (eclipse-temurin:17-jdk: .ci/stand-in-jdk.sh). Bounded: each wait has a timeout;
# ports are published on 127.0.0.1 only; everything created is removed on exit. Prints the runs and
# medians and writes them to $BERTH_BENCH_OUT (/tmp/berth-images.txt by default).
set -euo pipefail
runs=${1:-3}
image=${2:-berth:bench}
root=$(cd "$(dirname "$0")/.." && pwd)
id=$RANDOM$RANDOM
net=berth-bench-img-$id
kafka=berth-bench-kafka-$id
work=$(mktemp -d /tmp/berth-images-bench.XXXXXX)
out=${BERTH_BENCH_OUT:-/tmp/berth-images.txt}
containers=()

cleanup() {
  set +e
  for c in "${containers[@]}" "$kafka"; do docker rm -f -v "$c" >/dev/null 2>&1; done
  ids=$(docker ps -aq --filter label=com.docker.compose.project=benchimg$id-none)
  [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1
  docker network rm "$net" >/dev/null 2>&1
  # files the containers wrote as uid 10001
  docker run --rm --entrypoint rm -v "$work:/w" "$image" -rf /w/data >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

if ! docker image inspect "$image" >/dev/null 2>&1; then
  [[ -f $root/cli/target/berth.jar ]] || (cd "$root" && ./mvnw -q -B -ntp -pl cli -am package -DskipTests)
  bash "$root/.ci/stand-in-jdk.sh" >&2
  docker build -q -t "$image" "$root" >/dev/null
fi

# A one-commit repository for the watcher and the all-in-one mode (no stacks: idle figures).
mkdir -p "$work/repo/stacks" "$work/data"
chmod 777 "$work/data"
(cd "$work/repo" && git init -q -b main && echo "# bench" >README.md &&
  git -c user.name=bench -c user.email=bench@localhost add README.md &&
  git -c user.name=bench -c user.email=bench@localhost commit -qm bench)
gid=$(stat -c %g /var/run/docker.sock)

docker network create "$net" >/dev/null
docker run -d --name "$kafka" --network "$net" --network-alias kafka \
  -e KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092 -e KAFKA_MESSAGE_MAX_BYTES=16777216 \
  apache/kafka:4.3.1 >/dev/null
deadline=$(( $(date +%s) + 120 ))
until docker exec "$kafka" /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null 2>&1; do
  (( $(date +%s) < deadline )) || { echo "kafka did not start" >&2; exit 1; }
  sleep 1
done

# Polls http://127.0.0.1:$1/ready until 200 (60 s at most); prints ms since $2.
await_ready() {
  local port=$1 t0=$2 deadline=$(( $(date +%s) + 60 ))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready") == 200 ]]; do
    (( $(date +%s) < deadline )) || { echo "no /ready on $port within 60 s" >&2; return 1; }
    sleep 0.05
  done
  echo $(( $(now_ms) - t0 ))
}
rss_mb() { docker exec "$1" sh -c 'grep -E "VmRSS|RssAnon" /proc/1/status' | awk '{v[NR]=$2} END {printf "%.0f (anonymous %.0f)", v[1]/1024, v[2]/1024}'; }

role_args() {
  case $1 in
    watcher) echo "-v $work/repo:/repo:ro $image watcher --repo /repo --environment bench$id" ;;
    deployer) echo "--group-add $gid -v /var/run/docker.sock:/var/run/docker.sock $image deployer --environment bench$id" ;;
    notifier) echo "$image notifier" ;;
  esac
}

size=$(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f", $1/1000/1000}')
{
  echo "berth images bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs"
  echo "image $image: ${size} MB"
} | tee "$out"

for role in watcher deployer notifier; do
  starts=()
  rss=()
  for ((r = 1; r <= runs; r++)); do
    name=berth-bench-$role-$id-$r
    # shellcheck disable=SC2046
    docker create --name "$name" --network "$net" -p 127.0.0.1::8484 \
      $(role_args $role) --bootstrap-servers kafka:9092 >/dev/null
    containers+=("$name")
    t0=$(now_ms)
    docker start "$name" >/dev/null
    port=$(docker port "$name" 8484/tcp | head -n1 | sed 's/.*://')
    ms=$(await_ready "$port" "$t0")
    starts+=("$ms")
    if (( r == runs )); then
      sleep 30
      rss+=("$(rss_mb "$name")")
    fi
    # A clean stop, as a rolling restart does: a watcher leaves its election group at once, so the
    # next run is not held up by a killed member's session timeout.
    [[ $role == watcher ]] && docker logs -t "$name" > "$work/../berth-bench-watcher-$r.log" 2>&1
    docker stop -t 20 "$name" >/dev/null
    docker rm -v "$name" >/dev/null
  done
  echo "$role: start to /ready ${starts[*]} ms (median $(printf '%s\n' "${starts[@]}" | median) ms); idle VmRSS ${rss[*]} MB" | tee -a "$out"
done

name=berth-bench-aio-$id
docker create --name "$name" -p 127.0.0.1::8484 --group-add "$gid" \
  -v /var/run/docker.sock:/var/run/docker.sock -v "$work/repo:/repo:ro" -v "$work/data:/data" \
  "$image" run --repo /repo --environment benchaio$id --data-dir /data/aio --ops-port 8484 >/dev/null
containers+=("$name")
t0=$(now_ms)
docker start "$name" >/dev/null
# berth run serves ops on the container's loopback: poll from inside.
deadline=$(( $(date +%s) + 120 ))
until docker exec "$name" wget -q -O /dev/null http://127.0.0.1:8484/ready 2>/dev/null; do
  (( $(date +%s) < deadline )) || { echo "berth run: no /ready within 120 s" >&2; exit 1; }
  sleep 0.1
done
aio_ms=$(( $(now_ms) - t0 ))
sleep 30
echo "all-in-one (berth run, embedded Kafka): start to /ready ${aio_ms} ms; idle VmRSS $(rss_mb "$name") MB" | tee -a "$out"
