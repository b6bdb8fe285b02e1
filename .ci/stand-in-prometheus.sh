#!/usr/bin/env bash
# Builds a local stand-in for the Prometheus image the root docker-compose.yml names (profile
# "monitoring"), on machines that cannot pull it (no registry reachable): Debian's prometheus
# package (the real prometheus and promtool, older than the tag: bookworm has 2.42) on the
# busybox:1.35 stand-in, with the C library the binaries link against and the classic web UI
# Debian's build serves (/classic/graph; no React UI). It keeps the upstream
# image's conventions: ENTRYPOINT /bin/prometheus, default arguments --config.file=
# /etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus, promtool in /bin, user nobody
# (65534), port 9090, /prometheus writable, a /tmp (promtool test rules writes there). Labelled
# offline.stand-in=true. Does nothing when the image exists or can be pulled. Grafana has no such
# stand-in (Debian does not package it).
#
# Usage: .ci/stand-in-prometheus.sh   (needs root for apt-get, a Docker Engine, busybox:1.35)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
image=$(sed -n 's/^ *image: *\(prom\/prometheus:[^ ]*\) *$/\1/p' "$root/docker-compose.yml" | head -n 1)
[[ -n $image ]] || { echo "stand-in-prometheus: no prom/prometheus image in $root/docker-compose.yml" >&2; exit 1; }
docker image inspect "$image" >/dev/null 2>&1 && { echo "stand-in-prometheus: $image present"; exit 0; }
timeout 60 docker pull -q "$image" >/dev/null 2>&1 && { echo "stand-in-prometheus: $image pulled"; exit 0; }
docker image inspect busybox:1.35 >/dev/null 2>&1 ||
  { echo "stand-in-prometheus: busybox:1.35 is missing: run ../shared/env/offline-images.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
# apt-get download writes as the _apt user where it can.
(cd "$work" && { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus; }; }) ||
  { echo "stand-in-prometheus: Debian's prometheus package cannot be downloaded" >&2; exit 1; }
deb=$(ls "$work"/prometheus_*.deb)
dpkg -x "$deb" "$work/deb"
version=$(dpkg-deb -f "$deb" Version)
echo "stand-in-prometheus: building $image from Debian's prometheus $version"
mkdir -p "$work/image/bin" "$work/image/etc/prometheus" "$work/image/prometheus" "$work/image/tmp"
cp "$work/deb/usr/bin/prometheus" "$work/deb/usr/bin/promtool" "$work/image/bin/"
# Debian's build serves the classic web UI from /usr/share/prometheus/web, whose scripts and fonts
# are links into the JavaScript packages it depends on (and libjs-d3, rickshaw's): copy them in,
# without moment-timezone's 200 MB of separate zone files (the UI loads the bundle that has them).
libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -E '^(libjs-|fonts-)' || true)
# shellcheck disable=SC2086 # one word a package
(cd "$work" && apt-get download -qq $libs libjs-d3 2>/dev/null) ||
  { echo "stand-in-prometheus: the web UI's JavaScript packages cannot be downloaded" >&2; exit 1; }
for js in "$work"/*.deb; do [[ $js == "$deb" ]] || dpkg -x "$js" "$work/deb"; done
rm -rf "$work/deb/usr/share/javascript/moment-timezone/data"
mkdir -p "$work/image/usr/share/prometheus"
cp -rL "$work/deb/usr/share/prometheus/web" "$work/image/usr/share/prometheus/"
cp "$work/deb/etc/prometheus/prometheus.yml" "$work/image/etc/prometheus/prometheus.yml"
# The shared libraries the binaries load (Debian builds them with cgo: the C library and its loader).
for lib in $(ldd "$work/image/bin/prometheus" "$work/image/bin/promtool" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
  mkdir -p "$work/image$(dirname "$lib")"
  cp -L "$lib" "$work/image$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$work/image/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$work/image/etc/group"
cat >"$work/image/Dockerfile" <<DOCKERFILE
FROM busybox:1.35
COPY . /
RUN rm /Dockerfile && chmod 1777 /tmp && chown -R 65534:65534 /etc/prometheus /prometheus
USER nobody
EXPOSE 9090
VOLUME ["/prometheus"]
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
LABEL offline.stand-in=true org.opencontainers.image.version="$version"
DOCKERFILE
docker build -q -t "$image" "$work/image" >/dev/null
docker run --rm --entrypoint /bin/promtool "$image" --version >/dev/null ||
  { echo "stand-in-prometheus: the built $image cannot run promtool" >&2; docker rmi "$image" >/dev/null; exit 1; }
echo "stand-in-prometheus: $image built"
