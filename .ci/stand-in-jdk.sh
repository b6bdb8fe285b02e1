#!/usr/bin/env bash
# Builds a local stand-in for eclipse-temurin:17-jdk, the image Berth's Dockerfile takes jlink from,
# on machines that cannot pull it (no registry reachable): the eclipse-temurin:17-jre stand-in plus
# this machine's JDK 17 (it needs jlink and jmods) at /opt/java/openjdk, where the upstream image
# keeps it. Labelled offline.stand-in=true. Does nothing when the image exists or can be pulled.
#
# Usage: .ci/stand-in-jdk.sh   (JDK17_HOME=/path/to/jdk-17 to choose the JDK)
set -euo pipefail
image=eclipse-temurin:17-jdk
docker image inspect "$image" >/dev/null 2>&1 && { echo "stand-in-jdk: $image present"; exit 0; }
timeout 60 docker pull -q "$image" >/dev/null 2>&1 && { echo "stand-in-jdk: $image pulled"; exit 0; }
docker image inspect eclipse-temurin:17-jre >/dev/null 2>&1 ||
  { echo "stand-in-jdk: eclipse-temurin:17-jre is missing: run ../shared/env/offline-images.sh first" >&2; exit 1; }
jdk=${JDK17_HOME:-}
if [[ -z $jdk ]]; then
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk; do
    [[ -n $candidate && -x $candidate/bin/jlink && -d $candidate/jmods ]] && { jdk=$candidate; break; }
  done
fi
[[ -n $jdk && -x $jdk/bin/jlink && -d $jdk/jmods ]] ||
  { echo "stand-in-jdk: no JDK 17 with jlink and jmods found: set JDK17_HOME" >&2; exit 1; }
"$jdk/bin/java" -version 2>&1 | grep -q '"17\.' || { echo "stand-in-jdk: $jdk is not a JDK 17" >&2; exit 1; }
echo "stand-in-jdk: building $image from eclipse-temurin:17-jre and $jdk"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/jdk"
# Dereference Debian's symlinks into /etc so that the copy stands alone; skip what jlink never reads.
for part in bin conf include jmods legal lib release; do
  [[ -e $jdk/$part ]] && cp -rL "$jdk/$part" "$work/jdk/" 2>/dev/null || true
done
rm -f "$work/jdk/lib/src.zip"
cat >"$work/Dockerfile" <<'DOCKERFILE'
FROM eclipse-temurin:17-jre
COPY jdk/ /opt/java/openjdk/
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL offline.stand-in=true
DOCKERFILE
docker build -q -t "$image" "$work" >/dev/null
echo "stand-in-jdk: $image built"
