#!/usr/bin/env bash
# Installs Compose v2 as a Docker CLI plugin (`docker compose`) beside docker-compose 1.29.2, which
# stays /usr/bin/docker-compose: ComposeV2StackIT runs the root docker-compose.yml with it, as
# ComposeStackIT does with 1.29.2, and the corpus's DifferentialIT compares Berth with it. Bookworm has
# no Compose v2 package: this takes Debian's docker-compose package from forky (testing; sid as well),
# a Go binary that needs only the C library, so it runs on bookworm, downloaded with a throw-away apt
# configuration in a temporary directory (the system's apt sources and lists are not touched), and
# copies its plugin to /usr/local/lib/docker/cli-plugins. Does nothing when that version is installed.
#
# 2.40.3, not trixie's 2.26.1: 2.26.1 does not run post_start/pre_stop hooks, drops per-network
# driver_opts and the :ro of volumes_from, and loses mac_address on Docker 26.1, all of which the
# corpus found; 2.40.3 does them as the specification says. Testing and sid keep one version of a
# package: when 2.40.3-3 is gone from both, this takes the newest 2.x they have, and says so.
#
# Usage: .ci/compose-v2.sh   (needs root, a Docker CLI, apt-get and dpkg; COMPOSE_V2_SUITES="forky sid")
set -euo pipefail
version=2.40.3-3
suites=${COMPOSE_V2_SUITES:-forky sid}
plugins=/usr/local/lib/docker/cli-plugins
if current=$(docker compose version --short 2>/dev/null) && [[ $current == "${version%-*}"* ]]; then
  echo "compose-v2: Docker Compose $current"
  exit 0
fi
command -v docker >/dev/null || { echo "compose-v2: no docker CLI on PATH" >&2; exit 1; }
command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
  { echo "compose-v2: apt-get and dpkg are needed to fetch Debian's docker-compose $version" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download writes as the _apt user where it can.
chmod 755 "$work"
mkdir -p "$work/lists/partial" "$work/etc"
for suite in $suites; do echo "deb http://deb.debian.org/debian $suite main"; done >"$work/etc/sources.list"
apt=(apt-get -qq -o "Dir::Etc::sourcelist=$work/etc/sources.list" -o Dir::Etc::sourceparts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
mkdir -p "$work/cache/archives/partial"
"${apt[@]}" update >"$work/update.log" 2>&1 ||
  { echo "compose-v2: cannot read Debian $suites package lists:" >&2; tail -n 3 "$work/update.log" >&2; exit 1; }
if ! (cd "$work" && "${apt[@]}" download "docker-compose=$version") >"$work/download.log" 2>&1; then
  echo "compose-v2: docker-compose=$version is no longer in Debian $suites; taking the newest they have" >&2
  (cd "$work" && "${apt[@]}" download docker-compose) >"$work/download.log" 2>&1 ||
    { echo "compose-v2: cannot download docker-compose from Debian $suites:" >&2; tail -n 3 "$work/download.log" >&2; exit 1; }
fi
dpkg -x "$work"/docker-compose_*.deb "$work/x"
plugin=$work/x/usr/libexec/docker/cli-plugins/docker-compose
[[ -x $plugin ]] || { echo "compose-v2: docker-compose=$version has no $plugin" >&2; exit 1; }
"$plugin" version >/dev/null 2>&1 || { echo "compose-v2: Debian's plugin does not run on this machine" >&2; exit 1; }
mkdir -p "$plugins"
install -m 755 "$plugin" "$plugins/docker-compose"
current=$(docker compose version 2>&1) && [[ $current =~ [Vv]ersion\ v?2\. ]] ||
  { echo "compose-v2: installed $plugins/docker-compose, but \`docker compose version\` says: $current" >&2; exit 1; }
echo "compose-v2: installed $plugins/docker-compose from Debian's $(basename "$work"/docker-compose_*.deb): $current"
