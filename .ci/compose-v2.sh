#!/usr/bin/env bash
# Installs Compose v2 as a Docker CLI plugin (`docker compose`) beside docker-compose 1.29.2, which
# stays /usr/bin/docker-compose: ComposeV2StackIT runs the root docker-compose.yml with it, as
# ComposeStackIT does with 1.29.2. Bookworm has no Compose v2 package: this takes Debian trixie's
# docker-compose package (a Go binary that needs only the C library, so it runs on bookworm),
# downloaded with a throw-away apt configuration in a temporary directory (the system's apt sources
# and lists are not touched), and copies its plugin to /usr/local/lib/docker/cli-plugins. Does
# nothing when `docker compose version` already reports v2.
#
# Usage: .ci/compose-v2.sh   (needs root, a Docker CLI, apt-get and dpkg; COMPOSE_V2_SUITE=trixie)
set -euo pipefail
# The package version, pinned: `apt-cache policy docker-compose` with the trixie list shows others.
version=2.26.1-4
suite=${COMPOSE_V2_SUITE:-trixie}
plugins=/usr/local/lib/docker/cli-plugins
if current=$(docker compose version 2>/dev/null) && [[ $current =~ [Vv]ersion\ v?2\. ]]; then
  echo "compose-v2: $current"
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
echo "deb http://deb.debian.org/debian $suite main" >"$work/etc/sources.list"
apt=(apt-get -qq -o "Dir::Etc::sourcelist=$work/etc/sources.list" -o Dir::Etc::sourceparts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
mkdir -p "$work/cache/archives/partial"
"${apt[@]}" update >"$work/update.log" 2>&1 ||
  { echo "compose-v2: cannot read Debian $suite's package lists:" >&2; tail -n 3 "$work/update.log" >&2; exit 1; }
(cd "$work" && "${apt[@]}" download "docker-compose=$version") >"$work/download.log" 2>&1 ||
  { echo "compose-v2: cannot download docker-compose=$version from Debian $suite:" >&2; tail -n 3 "$work/download.log" >&2; exit 1; }
dpkg -x "$work"/docker-compose_*.deb "$work/x"
plugin=$work/x/usr/libexec/docker/cli-plugins/docker-compose
[[ -x $plugin ]] || { echo "compose-v2: docker-compose=$version has no $plugin" >&2; exit 1; }
"$plugin" version >/dev/null 2>&1 || { echo "compose-v2: $suite's plugin does not run on this machine" >&2; exit 1; }
mkdir -p "$plugins"
install -m 755 "$plugin" "$plugins/docker-compose"
current=$(docker compose version 2>&1) && [[ $current =~ [Vv]ersion\ v?2\. ]] ||
  { echo "compose-v2: installed $plugins/docker-compose, but \`docker compose version\` says: $current" >&2; exit 1; }
echo "compose-v2: installed $plugins/docker-compose from Debian $suite's docker-compose $version: $current"
