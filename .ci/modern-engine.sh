#!/usr/bin/env bash
# Starts a modern Docker Engine beside the machine's own, so the corpus (ModernEngineDifferentialIT)
# checks Berth against the engines users run (Docker 24 to 28) as well as against CI's Engine 20.10
# (API 1.41). The engine is Debian trixie's docker.io (26.1, API 1.45); its
# dockerd needs only the C library and libsystemd, so it runs on bookworm. The package is downloaded as
# .ci/compose-v2.sh downloads Compose v2, with a throw-away apt configuration in a temporary directory
# (the system's apt sources and lists are not touched), and its dockerd and docker-proxy are copied to
# /usr/local/lib/berth-modern-engine/<version>, off PATH: the machine's own dockerd stays bookworm's.
# The daemon is started by ../shared/env/extra-engine.sh with that directory first on its PATH: its own
# socket, data root, exec root, pid file, bridge and address pool, no iptables rules, and busybox:1.35
# loaded from the main engine, eclipse-temurin:17-jre and apache/kafka:4.3.1 copied from it.
# containerd and runc are the system's (bookworm's 1.6 and 1.1 serve it).
# The main engine's iptables rules drop forwarded traffic on bridges it does not know (FORWARD policy
# DROP, and bridged packets pass through iptables here), so containers of this engine could not reach
# each other on its networks: two rules in DOCKER-USER, the chain Docker leaves to users, accept
# traffic between this engine's own addresses (its pool, 10.<k>.0.0/16) and bridged traffic within
# 10.0.0.0/8 (networks of a fixed subnet), and nothing else; stop deletes them.
#
#   .ci/modern-engine.sh start   -> prints the engine's URL, unix:///run/berth-engines/modern/docker.sock
#   .ci/modern-engine.sh stop    -> stops it and removes its data root and bridge
#
# Needs root, the main engine (../shared/env/docker-engine.sh), apt-get and dpkg. Safe to run twice.
# On failure it says why on stderr and exits 1: CI then runs without it and those tests skip.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The package version, pinned: `apt-cache policy docker.io` with the trixie list shows the current one.
# Debian's archive keeps only a suite's newest build, so when a security update replaces this one, the
# newest 26.1.x build is taken instead, saying so.
version=26.1.5+dfsg1-9+deb13u1+b1
series=26.1.
suite=${MODERN_ENGINE_SUITE:-trixie}
name=modern
extra=../shared/env/extra-engine.sh
lib=/usr/local/lib/berth-modern-engine
sock=unix:///run/berth-engines/$name/docker.sock

say() { echo "modern-engine: $*" >&2; }
fail() { say "$*"; exit 1; }

# The rules that let this engine's containers reach each other, one a line: within its address pool
# (bridge bx-<name>'s 10.<k>.255.1 names it), and between two containers of one network of a fixed
# subnet outside the pool (ipam.config.subnet, e.g. corpus 84's 10.184.84.0/24): bridged traffic within
# 10.0.0.0/8, which the main engine's default pools (172.17.0.0/12, 192.168.0.0/16) never use.
forward_rules() {
  local k
  k=$(ip -4 -o addr show "bx-$name" 2>/dev/null | sed -n 's/.* inet 10\.\([0-9]*\)\.255\.1\/.*/\1/p' | head -n 1)
  [[ -n $k ]] || return 1
  echo "DOCKER-USER -s 10.$k.0.0/16 -d 10.$k.0.0/16 -m comment --comment berth-modern-engine -j ACCEPT"
  echo "DOCKER-USER -s 10.0.0.0/8 -d 10.0.0.0/8 -m physdev --physdev-is-bridged -m comment --comment berth-modern-engine -j ACCEPT"
}

case ${1:-} in
  start) ;;
  stop)
    # shellcheck disable=SC2086
    if rules=$(forward_rules); then
      while read -r rule; do
        while iptables -C $rule 2>/dev/null; do iptables -D $rule; done
      done <<<"$rules"
    fi
    # dockerd mounts its data root on itself and its default network namespace under its exec root,
    # and can leave those mounts behind when stopped, which purge's rm -rf cannot remove ("Device or
    # resource busy"): stopped, then unmounted (deepest first), then purged.
    bash "$extra" stop "$name" >&2
    awk -v a="/var/lib/berth-engines/$name" -v b="/run/berth-engines/$name" \
      'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r mount; do umount "$mount" 2>/dev/null || umount -l "$mount"; done
    exec bash "$extra" purge "$name" >&2 ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
[[ -f $extra ]] || fail "$extra is missing (CI puts the shared folder beside the checkout)"

# Prints the directory holding a runnable dockerd of $series, fetching it if no such directory exists.
# Runs in a subshell ($(binaries)): its EXIT trap removes the download.
binaries() {
  local dir
  for dir in "$lib/$version" "$lib"/"$series"*; do
    if [[ -x $dir/dockerd ]] && "$dir/dockerd" --version 2>/dev/null | grep -q "version $series"; then
      echo "$dir"; return 0
    fi
  done
  command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
    { say "apt-get and dpkg are needed to fetch Debian $suite's docker.io"; return 1; }
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  chmod 755 "$work"   # apt-get download writes as the _apt user where it can.
  mkdir -p "$work/lists/partial" "$work/etc" "$work/cache/archives/partial"
  echo "deb http://deb.debian.org/debian $suite main" >"$work/etc/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$work/etc/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
  apt-get -qq "${opts[@]}" update >"$work/update.log" 2>&1 ||
    { say "cannot read Debian $suite's package lists:"; tail -n 3 "$work/update.log" >&2; return 1; }
  local want=$version
  if ! (cd "$work" && apt-get -qq "${opts[@]}" download "docker.io=$want") >"$work/download.log" 2>&1; then
    want=$(apt-cache "${opts[@]}" policy docker.io 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    [[ $want == "$series"* ]] ||
      { say "Debian $suite has neither docker.io=$version nor another $series build (it has ${want:-none}):"; tail -n 3 "$work/download.log" >&2; return 1; }
    say "docker.io=$version is gone from Debian $suite; taking its $want"
    (cd "$work" && apt-get -qq "${opts[@]}" download "docker.io=$want") >"$work/download.log" 2>&1 ||
      { say "cannot download docker.io=$want from Debian $suite:"; tail -n 3 "$work/download.log" >&2; return 1; }
  fi
  dpkg -x "$work"/docker.io_*.deb "$work/x"
  "$work/x/usr/sbin/dockerd" --version >/dev/null 2>&1 || { say "$suite's dockerd does not run on this machine"; return 1; }
  dir=$lib/$want
  mkdir -p "$dir" && install -m 755 "$work/x/usr/sbin/dockerd" "$work/x/usr/sbin/docker-proxy" "$dir/" ||
    { say "cannot install $suite's dockerd in $dir"; return 1; }
  say "installed $dir/dockerd from Debian $suite's docker.io $want"
  echo "$dir"
}

dir=$(binaries) || exit 1
server() { docker -H "$sock" version --format '{{.Server.Version}}' 2>/dev/null; }
# An engine of this name that is not of $series (another daemon started by extra-engine.sh) goes first.
if running=$(server) && [[ $running != "$series"* ]]; then
  say "an engine $running answers on $sock; stopping it"
  bash "$extra" stop "$name" >&2
fi
PATH=$dir:$PATH bash "$extra" start "$name" >/dev/null || fail "extra-engine.sh could not start $dir/dockerd"
running=$(server) && [[ $running == "$series"* ]] || fail "$sock answers with version '${running:-nothing}', not $series*"
docker -H "$sock" image inspect busybox:1.35 >/dev/null 2>&1 || fail "busybox:1.35 was not loaded into $sock"
# The other images corpus stacks run (no registry can be reached): copied from the main engine.
for image in eclipse-temurin:17-jre apache/kafka:4.3.1; do
  if ! docker -H "$sock" image inspect "$image" >/dev/null 2>&1 && docker image inspect "$image" >/dev/null 2>&1; then
    docker save "$image" | docker -H "$sock" load >/dev/null || fail "cannot copy $image into $sock"
  fi
done
if iptables -S DOCKER-USER >/dev/null 2>&1; then
  rules=$(forward_rules) || fail "cannot read the address of bx-$name"
  while read -r rule; do
    # shellcheck disable=SC2086
    iptables -C $rule 2>/dev/null || iptables -I $rule || fail "cannot add the iptables rule $rule"
  done <<<"$rules"
fi
say "Docker $running (API $(docker -H "$sock" version --format '{{.Server.APIVersion}}')) on $sock"
echo "$sock"
