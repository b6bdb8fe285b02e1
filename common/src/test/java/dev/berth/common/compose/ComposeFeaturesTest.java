package dev.berth.common.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.common.compose.ServiceSpec.Dependency;
import dev.berth.common.compose.ServiceSpec.FileMount;
import dev.berth.common.compose.ServiceSpec.Mount;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Each Compose feature the parser reads, parsed from a document and checked in the model. */
class ComposeFeaturesTest {
    static final String FILE = "stacks/web/compose.yaml";

    static StackFiles files(String... pathsAndContents) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            files.put(pathsAndContents[i], pathsAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new StackFiles(files);
    }

    private static ComposeStack parse(String yaml, StackFiles files) {
        return parse(yaml, Map.of(), files, null);
    }

    private static ComposeStack parse(
            String yaml, Map<String, String> variables, RepoFiles files, @Nullable HostVariables host) {
        return new ComposeParser().parse(FILE, yaml, variables, files, host);
    }

    private static ComposeStack parse(String yaml) {
        return parse(yaml, StackFiles.EMPTY);
    }

    @Test
    void topLevelNameNetworksAndVolumes() {
        ComposeStack stack = parse("""
                name: shop
                x-top: {ignored: true}
                services:
                  web:
                    image: busybox:1.35
                    networks:
                      front:
                        aliases: [www, site]
                      back:
                    volumes: [data:/data, "logs:/logs:ro"]
                  db:
                    image: busybox:1.35
                    networks: [back]
                    volumes:
                      - type: volume
                        source: data
                        target: /var/lib/db
                        volume: {nocopy: true}
                networks:
                  front:
                    driver: bridge
                    driver_opts: {com.docker.network.bridge.name: br-shop}
                    labels: [tier=front]
                    internal: false
                  back:
                    internal: true
                    name: shop-back
                  outside:
                    external: true
                    name: shared-net
                  unused: {}
                volumes:
                  data:
                    driver: local
                    driver_opts: {type: tmpfs, device: tmpfs}
                    labels: {keep: "yes"}
                  logs:
                    external: true
                  spare:
                """);
        assertThat(stack.name()).isEqualTo("shop");
        // Only what a service uses, as Compose; no service uses the default network.
        assertThat(stack.networks()).containsOnlyKeys("front", "back");
        ComposeStack.NetworkSpec front = stack.networks().get("front");
        assertThat(front.driver()).isEqualTo("bridge");
        assertThat(front.driverOpts()).containsEntry("com.docker.network.bridge.name", "br-shop");
        assertThat(front.labels()).containsEntry("tier", "front");
        assertThat(front.name()).isNull();
        assertThat(stack.networks().get("back").internal()).isTrue();
        assertThat(stack.networks().get("back").name()).isEqualTo("shop-back");
        assertThat(stack.volumes()).containsOnlyKeys("data", "logs");
        assertThat(stack.volumes().get("data").driverOpts()).containsEntry("type", "tmpfs");
        assertThat(stack.volumes().get("data").labels()).containsEntry("keep", "yes");
        assertThat(stack.volumes().get("logs").external()).isTrue();
        assertThat(stack.volumes().get("logs").name()).isEqualTo("logs");
        ServiceSpec web = stack.service("web").orElseThrow();
        assertThat(web.networks())
                .containsEntry("front", new ServiceSpec.ServiceNetwork(List.of("www", "site")))
                .containsEntry("back", ServiceSpec.ServiceNetwork.PLAIN);
        assertThat(web.volumes())
                .containsExactly(
                        new Mount(Mount.Type.VOLUME, "data", "/data", false, false, null, null),
                        new Mount(Mount.Type.VOLUME, "logs", "/logs", true, false, null, null));
        assertThat(stack.service("db").orElseThrow().volumes())
                .containsExactly(new Mount(Mount.Type.VOLUME, "data", "/var/lib/db", false, true, null, null));
    }

    @Test
    void externalNetworksAndTheImplicitDefault() {
        ComposeStack stack = parse("""
                services:
                  web:
                    image: a
                  proxy:
                    image: a
                    networks: [default, edge]
                networks:
                  edge:
                    external: true
                """);
        assertThat(stack.networks()).containsOnlyKeys("default", "edge");
        assertThat(stack.networks().get("default")).isEqualTo(ComposeStack.NetworkSpec.byDefault());
        assertThat(stack.networks().get("edge").external()).isTrue();
        assertThat(stack.networks().get("edge").name()).isEqualTo("edge");
        assertThat(stack.service("web").orElseThrow().networks()).containsOnlyKeys("default");
        // A declared default network replaces the implicit one.
        ComposeStack custom =
                parse("services:\n  web:\n    image: a\nnetworks:\n  default:\n    name: my-net\n    driver: bridge\n");
        assertThat(custom.networks().get("default").name()).isEqualTo("my-net");
        // network_mode none joins no network, so there is no default network.
        ComposeStack none = parse("services:\n  web:\n    image: a\n    network_mode: none\n");
        assertThat(none.networks()).isEmpty();
        assertThat(none.service("web").orElseThrow().networks()).isEmpty();
        assertThat(none.service("web").orElseThrow().options().networkMode()).isEqualTo("none");
    }

    @Test
    void configsAndSecretsFromFilesContentAndVariables() {
        StackFiles files = files(
                "stacks/web/nginx.conf", "server {}",
                "stacks/shared/cert.pem", "---cert---",
                "stacks/web/unused.txt", "x");
        ComposeStack stack = parse("""
                services:
                  web:
                    image: a
                    configs:
                      - nginx
                      - source: banner
                        target: /etc/motd
                        mode: 0440
                        uid: "101"
                        gid: "102"
                    secrets:
                      - cert
                      - source: token
                        target: api-token
                configs:
                  nginx:
                    file: ./nginx.conf
                  banner:
                    content: Welcome to ${NAME}
                  spare:
                    file: ./missing-but-unused.conf
                secrets:
                  cert:
                    file: ../shared/cert.pem
                  token:
                    environment: API_TOKEN
                """, Map.of("NAME", "shop", "API_TOKEN", "t0ken"), files, null);
        assertThat(stack.configs()).containsOnlyKeys("nginx", "banner");
        assertThat(stack.configs().get("nginx").file()).isEqualTo("stacks/web/nginx.conf");
        assertThat(stack.configs().get("banner").content()).isEqualTo("Welcome to shop");
        assertThat(stack.secrets().get("cert").file()).isEqualTo("stacks/shared/cert.pem");
        assertThat(stack.secrets().get("token").environment()).isEqualTo("API_TOKEN");
        ServiceSpec web = stack.service("web").orElseThrow();
        assertThat(web.configs())
                .containsExactly(
                        new FileMount("nginx", "/nginx", null, null, null),
                        new FileMount("banner", "/etc/motd", "101", "102", 0440));
        assertThat(web.secrets())
                .containsExactly(
                        new FileMount("cert", "/run/secrets/cert", null, null, null),
                        new FileMount("token", "/run/secrets/api-token", null, null, null));
        assertThat(stack.usedPaths()).containsExactly("stacks/shared/cert.pem", "stacks/web/nginx.conf");
    }

    @Test
    void buildFromTheRepository() {
        StackFiles files = files(
                "stacks/web/app/Dockerfile", "FROM busybox:1.35",
                "stacks/web/app/docker/Prod.Dockerfile", "FROM busybox:1.35",
                "stacks/web/Dockerfile", "FROM busybox:1.35",
                "stacks/web/index.html", "hi");
        ComposeStack stack = parse("""
                services:
                  short:
                    build: ./app
                  long:
                    image: shop/long:dev
                    build:
                      context: app
                      dockerfile: docker/Prod.Dockerfile
                      args:
                        VERSION: "1.2"
                        FROM_VARS:
                      target: runtime
                      labels: [team=web]
                  here:
                    build:
                      args: [PLAIN=1, FROM_HOST, UNSET]
                """, Map.of("FROM_VARS", "v"), files, new HostVariables(Map.of("FROM_HOST", "h")));
        ServiceSpec shortForm = stack.service("short").orElseThrow();
        assertThat(shortForm.image()).isNull();
        assertThat(shortForm.build())
                .isEqualTo(new ServiceSpec.BuildSpec("stacks/web/app", "Dockerfile", Map.of(), null, Map.of()));
        ServiceSpec.BuildSpec build = stack.service("long").orElseThrow().build();
        assertThat(stack.service("long").orElseThrow().image()).isEqualTo("shop/long:dev");
        assertThat(build.context()).isEqualTo("stacks/web/app");
        assertThat(build.dockerfile()).isEqualTo("docker/Prod.Dockerfile");
        assertThat(build.args()).containsEntry("VERSION", "1.2").containsEntry("FROM_VARS", "v");
        assertThat(build.target()).isEqualTo("runtime");
        assertThat(build.labels()).containsEntry("team", "web");
        assertThat(stack.service("here").orElseThrow().build().context()).isEqualTo("stacks/web");
        assertThat(stack.service("here").orElseThrow().build().args())
                .containsExactly(Map.entry("FROM_HOST", "h"), Map.entry("PLAIN", "1"));
        assertThat(stack.usedPaths()).contains("stacks/web/app", "stacks/web");
    }

    @Test
    void environmentTakesBareNamesFromTheVariablesOrTheHost() {
        String yaml = """
                services:
                  web:
                    image: a
                    environment:
                      - FROM_VARS
                      - FROM_HOST
                      - NOWHERE
                      - SET=1
                  api:
                    image: a
                    environment:
                      FROM_VARS:
                      FROM_HOST: ~
                      EMPTY: ""
                """;
        Map<String, String> vars = Map.of("FROM_VARS", "v");
        ComposeStack deployed = parse(yaml, vars, StackFiles.EMPTY, new HostVariables(Map.of("FROM_HOST", "secret")));
        assertThat(deployed.service("web").orElseThrow().environment())
                .containsExactly(Map.entry("FROM_HOST", "secret"), Map.entry("FROM_VARS", "v"), Map.entry("SET", "1"));
        assertThat(deployed.service("api").orElseThrow().environment())
                .containsExactly(Map.entry("EMPTY", ""), Map.entry("FROM_HOST", "secret"), Map.entry("FROM_VARS", "v"));
        assertThat(deployed.hostVariables()).isEmpty();
        // The watcher records what the deployer's host must provide, and never sees a value.
        ComposeStack watched = parse(yaml, vars, StackFiles.EMPTY, null);
        assertThat(watched.hostVariables()).containsExactly("FROM_HOST", "NOWHERE");
        assertThat(watched.service("web").orElseThrow().environment())
                .containsExactly(Map.entry("FROM_VARS", "v"), Map.entry("SET", "1"));
    }

    @Test
    void envFilesInOrderThenEnvironmentOverThem() {
        StackFiles files = files(
                "stacks/web/common.env",
                "A=from-common\nB=from-common\nC='${LITERAL}'\nD=\"$NAME-x\"\nE=${A}-again\n",
                "stacks/web/override.env",
                "B=from-override\nFROM_VARS\n",
                "stacks/shared/raw.env",
                "RAW=\"quoted $kept\"\n");
        ComposeStack stack = parse("""
                services:
                  web:
                    image: a
                    env_file:
                      - common.env
                      - path: ./override.env
                        required: true
                      - path: ./optional.env
                        required: false
                      - path: ../shared/raw.env
                        format: raw
                    environment:
                      A: from-environment
                  api:
                    image: a
                    env_file: ./common.env
                """, Map.of("NAME", "shop", "FROM_VARS", "v"), files, null);
        assertThat(stack.service("web").orElseThrow().environment())
                .containsEntry("A", "from-environment")
                .containsEntry("B", "from-override")
                .containsEntry("C", "${LITERAL}")
                .containsEntry("D", "shop-x")
                .containsEntry("E", "from-common-again")
                .containsEntry("FROM_VARS", "v")
                .containsEntry("RAW", "\"quoted $kept\"");
        assertThat(stack.service("api").orElseThrow().environment()).containsEntry("A", "from-common");
        // The missing optional file counts as used: a commit that adds it changes the stack.
        assertThat(stack.usedPaths())
                .containsExactly(
                        "stacks/shared/raw.env",
                        "stacks/web/common.env",
                        "stacks/web/optional.env",
                        "stacks/web/override.env");
    }

    @Test
    void extendsInTheSameFileMergesAsCompose() {
        ComposeStack stack = parse("""
                services:
                  base:
                    image: busybox:1.35
                    command: ["sleep", "1"]
                    environment: [TZ=utc, PORT=80]
                    labels: {team: web}
                    ports: ["80"]
                    expose: [9000]
                    dns: [1.1.1.1]
                    volumes: ["common:/var/lib/backup/data:rw", "cache:/cache"]
                    healthcheck:
                      test: ["CMD", "true"]
                      interval: 10s
                    depends_on: [db]
                    cap_add: [NET_RAW]
                    deploy:
                      resources:
                        limits: {memory: 64m}
                  cli:
                    extends:
                      service: base
                    command: ["sleep", "2"]
                    environment:
                      PORT: "8080"
                    ports: ["127.0.0.1::80", "80"]
                    expose: [9001]
                    dns: [8.8.8.8]
                    volumes: ["other:/var/lib/backup/data:ro"]
                    healthcheck:
                      timeout: 2s
                    cap_add: [NET_RAW, SYS_CHROOT]
                    deploy:
                      resources:
                        limits: {cpus: "0.5"}
                  short:
                    extends: cli
                  db:
                    image: busybox:1.35
                volumes:
                  common:
                  cache:
                  other:
                """);
        ServiceSpec cli = stack.service("cli").orElseThrow();
        assertThat(cli.image()).isEqualTo("busybox:1.35");
        assertThat(cli.command()).containsExactly("sleep", "2");
        assertThat(cli.environment()).containsEntry("TZ", "utc").containsEntry("PORT", "8080");
        assertThat(cli.labels()).containsEntry("team", "web");
        assertThat(cli.ports())
                .containsExactly(
                        new PortMapping("", null, null, 80, "tcp"),
                        new PortMapping("127.0.0.1", null, null, 80, "tcp"));
        assertThat(cli.expose()).containsExactly("9000/tcp", "9001/tcp");
        assertThat(cli.options().dns()).containsExactly("1.1.1.1", "8.8.8.8");
        assertThat(cli.volumes())
                .containsExactly(
                        new Mount(Mount.Type.VOLUME, "other", "/var/lib/backup/data", true, false, null, null),
                        new Mount(Mount.Type.VOLUME, "cache", "/cache", false, false, null, null));
        assertThat(cli.healthcheck().test()).containsExactly("CMD", "true");
        assertThat(cli.healthcheck().interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(cli.healthcheck().timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(cli.options().capAdd()).containsExactly("NET_RAW", "SYS_CHROOT");
        assertThat(cli.options().resources().memoryLimit()).isEqualTo(64L << 20);
        assertThat(cli.options().resources().nanoCpus()).isEqualTo(500_000_000L);
        // depends_on is never inherited.
        assertThat(cli.dependsOn()).isEmpty();
        assertThat(stack.service("base").orElseThrow().dependsOn()).containsOnlyKeys("db");
        // Recursively: short extends cli, which extends base.
        ServiceSpec shortForm = stack.service("short").orElseThrow();
        assertThat(shortForm.command()).containsExactly("sleep", "2");
        assertThat(shortForm.environment()).containsEntry("TZ", "utc");
    }

    @Test
    void extendsFromAnotherFileResolvesItsPathsThere() {
        StackFiles files = files(
                "common/services.yaml", """
                services:
                  webapp:
                    image: busybox:${TAG:-1.35}
                    env_file: ./webapp.env
                    volumes: [./html:/srv/html:ro]
                  layered:
                    extends: {file: ../common/services.yaml, service: webapp}
                    user: "1000"
                """, "common/webapp.env", "GREETING=hello\n", "common/html/index.html", "hi");
        ComposeStack stack = parse("""
                services:
                  web:
                    extends:
                      file: ../../common/services.yaml
                      service: layered
                    environment: [MODE=prod]
                """, Map.of(), files, null);
        ServiceSpec web = stack.service("web").orElseThrow();
        assertThat(web.image()).isEqualTo("busybox:1.35");
        assertThat(web.options().user()).isEqualTo("1000");
        assertThat(web.environment()).containsEntry("GREETING", "hello").containsEntry("MODE", "prod");
        assertThat(web.volumes())
                .containsExactly(new Mount(Mount.Type.BIND, "common/html", "/srv/html", true, false, null, null));
        assertThat(stack.usedPaths()).containsExactly("common/html", "common/services.yaml", "common/webapp.env");
        assertThat(stack.hostVariables()).containsExactly("TAG");
    }

    @Test
    void profilesDecideWhichServicesAreActive() {
        String yaml = """
                services:
                  web:
                    image: a
                  debug:
                    image: a
                    profiles: [debug]
                  tools:
                    image: a
                    profiles: [tools, ops]
                    depends_on:
                      debug: {condition: service_started, required: false}
                """;
        assertThat(parse(yaml).services()).extracting(ServiceSpec::name).containsExactly("web");
        ComposeStack ops = parse(yaml, Map.of("COMPOSE_PROFILES", "ops"), StackFiles.EMPTY, null);
        assertThat(ops.services()).extracting(ServiceSpec::name).containsExactly("web", "tools");
        // A dependency that is not required and not active is left out, as Compose only warns.
        assertThat(ops.service("tools").orElseThrow().dependsOn()).isEmpty();
        ComposeStack all = parse(yaml, Map.of("COMPOSE_PROFILES", "debug, ops"), StackFiles.EMPTY, null);
        assertThat(all.services()).extracting(ServiceSpec::name).containsExactly("web", "debug", "tools");
        assertThat(all.service("tools").orElseThrow().dependsOn())
                .containsEntry("debug", new Dependency(Dependency.STARTED, false, false));
        assertThat(parse(yaml, Map.of("COMPOSE_PROFILES", "*"), StackFiles.EMPTY, null)
                        .services())
                .hasSize(3);
    }

    @Test
    void shortPortsWithRangesAddressesAndProtocols() {
        ServiceSpec web = parse("""
                services:
                  web:
                    image: a
                    ports:
                      - "8000-8002:80-82"
                      - "9000-9010:90"
                      - "127.0.0.1:8080:80/udp"
                      - "[::1]:8081:81"
                      - "::1:8082:82"
                      - "127.0.0.1::83"
                      - "7000-7001"
                      - 6000
                      - target: 53
                        published: "5300-5310"
                        host_ip: 127.0.0.1
                        protocol: udp
                        mode: host
                        name: dns
                        app_protocol: dns
                      - target: 54
                """).service("web").orElseThrow();
        assertThat(web.ports())
                .containsExactly(
                        new PortMapping("", 8000, null, 80, "tcp"),
                        new PortMapping("", 8001, null, 81, "tcp"),
                        new PortMapping("", 8002, null, 82, "tcp"),
                        new PortMapping("", 9000, 9010, 90, "tcp"),
                        new PortMapping("127.0.0.1", 8080, null, 80, "udp"),
                        new PortMapping("::1", 8081, null, 81, "tcp"),
                        new PortMapping("::1", 8082, null, 82, "tcp"),
                        new PortMapping("127.0.0.1", null, null, 83, "tcp"),
                        new PortMapping("", null, null, 7000, "tcp"),
                        new PortMapping("", null, null, 7001, "tcp"),
                        new PortMapping("", null, null, 6000, "tcp"),
                        new PortMapping("127.0.0.1", 5300, 5310, 53, "udp"),
                        new PortMapping("", null, null, 54, "tcp"));
    }

    @Test
    void exposeRanges() {
        assertThat(parse("services:\n  web:\n    image: a\n    expose: [\"8080-8082/udp\", 9000]\n")
                        .service("web")
                        .orElseThrow()
                        .expose())
                .containsExactly("8080/udp", "8081/udp", "8082/udp", "9000/tcp");
    }

    @Test
    void replicasAndSamePortsOnDifferentAddresses() {
        ComposeStack stack = parse("""
                services:
                  web:
                    image: a
                    deploy: {replicas: 3, mode: replicated}
                    ports: ["8000-8002:80", "81"]
                  api:
                    image: a
                    scale: 2
                  one:
                    image: a
                    scale: 2
                    deploy: {replicas: 2}
                  local:
                    image: a
                    ports: ["127.0.0.1:9000:80", "127.0.0.2:9000:80", "9000:80/udp"]
                  off:
                    image: a
                    deploy: {replicas: 0}
                    ports: ["9000:80/udp"]
                """);
        assertThat(stack.service("web").orElseThrow().replicas()).isEqualTo(3);
        assertThat(stack.service("api").orElseThrow().replicas()).isEqualTo(2);
        assertThat(stack.service("one").orElseThrow().replicas()).isEqualTo(2);
        assertThat(stack.service("local").orElseThrow().replicas()).isEqualTo(1);
        assertThat(stack.service("off").orElseThrow().replicas()).isZero();
    }

    @Test
    void volumesShortAndLongSyntax() {
        StackFiles files = files("stacks/web/html/index.html", "hi", "stacks/web/nginx.conf", "x");
        ComposeStack stack = new ComposeParser(ComposePolicy.parse(List.of("bind:/srv/data")))
                .parse(FILE, """
                        services:
                          web:
                            image: a
                            volumes:
                              - ./html:/usr/share/nginx/html:ro
                              - ./nginx.conf:/etc/nginx/nginx.conf
                              - /srv/data/web:/data
                              - /scratch
                              - type: bind
                                source: ./html/
                                target: /mirror
                                read_only: true
                                bind: {create_host_path: true}
                              - type: tmpfs
                                target: /tmp
                                tmpfs: {size: 64m, mode: 01777}
                              - type: volume
                                target: /anonymous
                        """, Map.of(), files, null);
        assertThat(stack.service("web").orElseThrow().volumes())
                .containsExactly(
                        new Mount(Mount.Type.BIND, "stacks/web/html", "/usr/share/nginx/html", true, false, null, null),
                        new Mount(
                                Mount.Type.BIND,
                                "stacks/web/nginx.conf",
                                "/etc/nginx/nginx.conf",
                                false,
                                false,
                                null,
                                null),
                        new Mount(Mount.Type.BIND, "/srv/data/web", "/data", false, false, null, null),
                        new Mount(Mount.Type.VOLUME, null, "/scratch", false, false, null, null),
                        new Mount(Mount.Type.BIND, "stacks/web/html", "/mirror", true, false, null, null),
                        new Mount(Mount.Type.TMPFS, null, "/tmp", false, false, 64L << 20, 01777),
                        new Mount(Mount.Type.VOLUME, null, "/anonymous", false, false, null, null));
        assertThat(stack.service("web").orElseThrow().volumes().get(2).hostPath())
                .isTrue();
        assertThat(stack.usedPaths()).containsExactly("stacks/web/html", "stacks/web/nginx.conf");
    }

    @Test
    void networkModesPidAndPrivilegedWhenThePolicyAllows() {
        ComposePolicy policy = ComposePolicy.parse(List.of(
                ComposePolicy.PRIVILEGED,
                ComposePolicy.HOST_NETWORK,
                ComposePolicy.HOST_PID,
                ComposePolicy.JOIN_CONTAINER));
        ComposeStack stack = new ComposeParser(policy).parse(FILE, """
                        services:
                          host:
                            image: a
                            network_mode: host
                            pid: host
                            privileged: true
                          app:
                            image: a
                          sidecar:
                            image: a
                            network_mode: service:app
                          other:
                            image: a
                            network_mode: container:some-container
                        """, Map.of(), StackFiles.EMPTY, null);
        ContainerOptions host = stack.service("host").orElseThrow().options();
        assertThat(host.networkMode()).isEqualTo("host");
        assertThat(host.pid()).isEqualTo("host");
        assertThat(host.privileged()).isTrue();
        ServiceSpec sidecar = stack.service("sidecar").orElseThrow();
        assertThat(sidecar.options().networkMode()).isEqualTo("service:app");
        // The service whose network it shares starts first, as in Compose.
        assertThat(sidecar.dependsOn()).containsEntry("app", Dependency.started());
        assertThat(stack.services()).extracting(ServiceSpec::name).containsSubsequence("app", "sidecar");
        assertThat(stack.service("other").orElseThrow().options().networkMode()).isEqualTo("container:some-container");
    }

    @Test
    void dockerSocketWhenThePolicyAllowsIt() {
        ComposeStack stack = new ComposeParser(ComposePolicy.parse(List.of(ComposePolicy.DOCKER_SOCKET)))
                .parse(
                        FILE,
                        "services:\n  agent:\n    image: a\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n",
                        Map.of(),
                        StackFiles.EMPTY,
                        null);
        assertThat(stack.service("agent").orElseThrow().volumes().get(0).source())
                .isEqualTo("/var/run/docker.sock");
    }

    @Test
    void dependsOnConditionsRequiredAndRestart() {
        ServiceSpec web = parse("""
                services:
                  web:
                    image: a
                    depends_on:
                      db: {condition: service_healthy, restart: true}
                      migrate: {condition: service_completed_successfully}
                      cache: {condition: service_started, required: false}
                  db:
                    image: a
                  migrate:
                    image: a
                  cache:
                    image: a
                """).service("web").orElseThrow();
        assertThat(web.dependsOn())
                .containsEntry("db", new Dependency(Dependency.HEALTHY, true, true))
                .containsEntry("migrate", new Dependency(Dependency.COMPLETED, true, false))
                .containsEntry("cache", new Dependency(Dependency.STARTED, false, false));
    }

    @Test
    void watcherModeRecordsHostVariablesAndDefersRequiredOnes() {
        String yaml = """
                services:
                  web:
                    image: busybox:${TAG:?set TAG}
                    environment:
                      TOKEN: ${API_TOKEN}
                      LEVEL: ${LEVEL:-info}
                      KNOWN: ${KNOWN}
                """;
        ComposeStack watched = parse(yaml, Map.of("KNOWN", "k"), StackFiles.EMPTY, null);
        assertThat(watched.hostVariables()).containsExactly("API_TOKEN", "LEVEL", "TAG");
        assertThat(watched.service("web").orElseThrow().environment())
                .containsEntry("TOKEN", "")
                .containsEntry("LEVEL", "info")
                .containsEntry("KNOWN", "k");
        ComposeStack deployed = parse(
                yaml,
                Map.of("KNOWN", "k"),
                StackFiles.EMPTY,
                new HostVariables(Map.of("TAG", "1.35", "API_TOKEN", "s")));
        assertThat(deployed.service("web").orElseThrow().image()).isEqualTo("busybox:1.35");
        assertThat(deployed.service("web").orElseThrow().environment())
                .containsEntry("TOKEN", "s")
                .containsEntry("LEVEL", "info");
        assertThat(deployed.hostVariables()).isEmpty();
    }

    @Test
    void extensionsAreIgnoredEverywhere() {
        ComposeStack stack = parse("""
                x-defaults: &defaults
                  restart: always
                services:
                  x-template:
                    image: ignored
                  web:
                    <<: *defaults
                    image: a
                    x-note: anything
                    deploy:
                      x-hint: 1
                    networks:
                      front:
                networks:
                  x-meta: {}
                  front:
                    x-owner: team
                """);
        assertThat(stack.services()).extracting(ServiceSpec::name).containsExactly("web");
        assertThat(stack.service("web").orElseThrow().options().restart()).isEqualTo("always");
        assertThat(stack.networks()).containsOnlyKeys("front");
    }

    @Test
    void oldApiKeepsWorkingWithoutFiles() {
        ComposeStack stack = new ComposeParser().parse(FILE, "services:\n  web:\n    image: ${IMAGE:-busybox}\n");
        assertThat(stack.service("web").orElseThrow().image()).isEqualTo("busybox");
        assertThat(stack.networks()).containsOnlyKeys("default");
        assertThat(stack.usedPaths()).isEmpty();
        assertThat(stack.hostVariables()).isEmpty();
    }

    @Test
    void extendsMergesBuildDeployAndHealthcheckKeyByKey() {
        StackFiles files = files(
                "stacks/base/app/Dockerfile", "FROM busybox:1.35",
                "stacks/base/compose.yaml", """
                        services:
                          app:
                            build:
                              context: ./app
                              args: [A=1, B=2]
                            healthcheck:
                              disable: true
                            logging:
                              driver: json-file
                              options: {max-size: 1m}
                        """);
        ServiceSpec web = parse("""
                        services:
                          web:
                            extends: {file: ../base/compose.yaml, service: app}
                            build:
                              args: {B: "3"}
                              target: prod
                            logging:
                              options: {max-file: "2"}
                        """, files).service("web").orElseThrow();
        assertThat(web.build().context()).isEqualTo("stacks/base/app");
        assertThat(web.build().args()).containsEntry("A", "1").containsEntry("B", "3");
        assertThat(web.build().target()).isEqualTo("prod");
        assertThat(web.healthcheck().disabled()).isTrue();
        assertThat(web.options().logging().options())
                .containsEntry("max-size", "1m")
                .containsEntry("max-file", "2");
    }

    @Test
    void yamlNullsAndBooleansAsCompose() {
        ServiceSpec web = parse("""
                services:
                  web:
                    image: a
                    labels:
                      empty: null
                      tilde: ~
                      word: on
                    environment:
                      FLAG: yes
                """).service("web").orElseThrow();
        assertThat(web.labels())
                .containsEntry("empty", "")
                .containsEntry("tilde", "")
                .containsEntry("word", "on");
        assertThat(web.environment()).containsEntry("FLAG", "yes");
    }
}
