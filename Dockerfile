# Berth's image: one image, every role. The role is the berth subcommand:
#   docker run berth watcher  --bootstrap-servers kafka:9092 --repo https://git.example.com/config.git
#   docker run berth deployer --bootstrap-servers kafka:9092   (with the Docker socket and its group)
#   docker run berth notifier --bootstrap-servers kafka:9092 --webhook https://hooks.example.com/berth
#   docker run berth run --repo ...                             (all in one, embedded broker)
# One jar holds all of them, so one image is built, pulled and scanned once, and its layers are
# shared by every role; per-role images would be the same bytes with another ENTRYPOINT.
#
# Build after `./mvnw -pl cli -am package` (the context needs cli/target/berth.jar only):
#   docker build -t berth:dev .
#
# Stage 1: a Java runtime of just the modules Berth uses (jdeps --print-module-deps on berth.jar,
# plus jdk.crypto.ec for TLS), and the C libraries it links against.
FROM eclipse-temurin:17-jdk AS runtime
RUN jlink --add-modules java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported \
      --strip-java-debug-attributes --no-man-pages --no-header-files --compress=2 --output /opt/jre \
 && cp -L "$JAVA_HOME/lib/security/cacerts" /opt/jre/lib/security/cacerts \
 && /opt/jre/bin/java -Xshare:dump -version >/dev/null
COPY cli/target/berth.jar /opt/berth/berth.jar
# A class-data archive of what a service loads while it starts (picocli, logging, metrics, the Kafka
# clients): trained on a start against a broker that is not there, at the paths the image uses.
RUN /opt/jre/bin/java -XX:ArchiveClassesAtExit=/opt/berth/berth.jsa -XX:TieredStopAtLevel=1 -Xlog:cds=off \
      -jar /opt/berth/berth.jar notifier --bootstrap-servers 127.0.0.1:9 --kafka-startup-timeout 4s >/dev/null 2>&1; \
    test -s /opt/berth/berth.jsa \
 && mkdir -p /rootfs/opt /rootfs/etc /rootfs/tmp /rootfs/var/lib/berth /rootfs/opt/berth/bin \
 && cp -a /opt/jre /rootfs/opt/jre && cp -a /opt/berth/berth.jsa /rootfs/opt/berth/berth.jsa \
 && find /rootfs/opt/jre -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} + 2>/dev/null \
      | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u \
      | xargs -I{} cp --parents -L {} /rootfs \
 && chmod 1777 /rootfs/tmp \
 && echo 'root:x:0:0:root:/root:/bin/sh' >/rootfs/etc/passwd \
 && echo 'berth:x:10001:10001:Berth:/var/lib/berth:/bin/false' >>/rootfs/etc/passwd \
 && printf 'root:x:0:\nberth:x:10001:\n' >/rootfs/etc/group \
 && chown 10001:10001 /rootfs/var/lib/berth \
 && printf '#!/bin/sh\nexec /opt/jre/bin/java -XX:SharedArchiveFile=/opt/berth/berth.jsa -Xlog:cds=off -Xlog:cds+dynamic=off $JAVA_OPTS -jar /opt/berth/berth.jar "$@"\n' >/rootfs/opt/berth/bin/berth \
 && chmod 755 /rootfs/opt/berth/bin/berth

# Stage 2: busybox (sh and wget for the health check) with that runtime; nothing else.
FROM busybox:1.35
COPY --from=runtime /rootfs/ /
# The archive holds the jar's size and time: copied from the stage that trained it, they match.
COPY --from=runtime /opt/berth/berth.jar /opt/berth/berth.jar
ENV PATH=/opt/berth/bin:/opt/jre/bin:/bin \
    JAVA_HOME=/opt/jre \
    BERTH_DATA_DIR=/var/lib/berth \
    BERTH_OPS_LISTEN=0.0.0.0:8484 \
    MALLOC_ARENA_MAX=2 \
    JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms16m -XX:MaxRAMPercentage=75 -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=32m -Xss512k -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
WORKDIR /var/lib/berth
EXPOSE 8484
# /health answers as soon as the process serves; /ready says whether it can work (Kafka, Docker).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${BERTH_OPS_LISTEN##*:}/health" || exit 1
LABEL org.opencontainers.image.title="Berth" \
      org.opencontainers.image.description="GitOps deployments for Docker Compose stacks" \
      org.opencontainers.image.source="https://github.com/berth-dev/berth" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/opt/berth/bin/berth"]
CMD ["--help"]
