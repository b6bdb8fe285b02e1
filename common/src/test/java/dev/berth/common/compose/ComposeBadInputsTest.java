package dev.berth.common.compose;

import static dev.berth.common.compose.ComposeFeaturesTest.FILE;
import static dev.berth.common.compose.ComposeFeaturesTest.files;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Each input Berth refuses, with its own message at its file and line. */
class ComposeBadInputsTest {
    private static ComposeException failure(
            ComposePolicy policy,
            String yaml,
            Map<String, String> variables,
            RepoFiles files,
            @Nullable HostVariables host) {
        try {
            new ComposeParser(policy).parse(FILE, yaml, variables, files, host);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    private static ComposeException failure(String yaml, RepoFiles files) {
        return failure(ComposePolicy.DEFAULT, yaml, Map.of(), files, null);
    }

    private static ComposeException failure(String yaml) {
        return failure(yaml, StackFiles.EMPTY);
    }

    @Test
    void cyclicDependsOn() {
        ComposeException e = failure("""
                services:
                  a:
                    image: x
                    depends_on: [b]
                  b:
                    image: x
                    depends_on:
                      a: {condition: service_healthy}
                """);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).isEqualTo("depends_on forms a cycle: a -> b -> a");
    }

    @Test
    void aNetworkMacAddressWhereTheEngineWouldIgnoreIt() {
        // The engine takes a MAC address only for the network it creates the container on: the first.
        ComposeException second = failure("""
                services:
                  web:
                    image: busybox:1.35
                    networks:
                      front: {priority: 10}
                      back: {mac_address: 02:42:ac:11:00:42}
                networks:
                  front: {}
                  back: {}
                """);
        assertThat(second.line()).isEqualTo(6);
        assertThat(second.detail())
                .isEqualTo("service \"web\": networks.back.mac_address cannot be applied: Berth gives a MAC address"
                        + " only on the network a container is created on, its first by priority (\"front\"): set it"
                        + " there, or give \"back\" the highest priority");
        // On the first network, with keys Berth passes by joining it again, which drops the address.
        ComposeException rejoined = failure("""
                services:
                  web:
                    image: busybox:1.35
                    networks:
                      default:
                        link_local_ips: [169.254.10.10]
                        mac_address: 02:42:ac:11:00:42
                """);
        assertThat(rejoined.line()).isEqualTo(7);
        assertThat(rejoined.detail())
                .startsWith("service \"web\": networks.default.mac_address cannot go with" + " link_local_ips");
    }

    @Test
    void dependencyOnAnUnknownService() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    depends_on: [db]\n  api:\n    image: a\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).isEqualTo("service \"web\" depends on \"db\", which this stack does not declare");
    }

    @Test
    void sameHostPortInTwoServices() {
        ComposeException e = failure("""
                services:
                  web:
                    image: a
                    ports: ["8080:80"]
                  api:
                    image: a
                    ports:
                      - "127.0.0.1:9000:9000"
                      - target: 81
                        published: 8080
                """);
        assertThat(e.line()).isEqualTo(9);
        assertThat(e.detail())
                .isEqualTo("service \"api\" publishes host port 8080/tcp, which service \"web\" already publishes"
                        + " (line 4); use another host port");
    }

    @Test
    void sameHostPortThroughARange() {
        ComposeException e = failure("""
                services:
                  web:
                    image: a
                    ports: ["127.0.0.1:8000-8002:80-82"]
                  api:
                    image: a
                    ports: ["8001:80"]
                """);
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.detail()).startsWith("service \"api\" publishes host port 8001/tcp, which service \"web\"");
    }

    @Test
    void replicasWithAFixedHostPort() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    scale: 3\n    ports: [\"8080:80\"]\n");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .isEqualTo("service \"web\" runs 3 replicas but publishes the fixed host port 8080/tcp: each replica"
                        + " needs its own; publish a range (8080-8082:80) or leave the host port out");
    }

    @Test
    void invalidPort() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    ports: [\"99999:80\"]\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).isEqualTo("service \"web\": \"99999\" is not a port number (1 to 65535)");
    }

    @Test
    void portRangesOfDifferentLengths() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    ports:\n      - 8000-8002:80-81\n");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .startsWith("service \"web\": port \"8000-8002:80-81\" is not valid (the host range has 3 ports and"
                        + " the container range 2)");
    }

    @Test
    void invalidDuration() {
        ComposeException e = failure(
                "services:\n  web:\n    image: a\n    healthcheck:\n      test: [CMD, 'true']\n      interval: 5 sec\n");
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.detail())
                .isEqualTo("service \"web\": healthcheck: interval \"5 sec\" is not a duration; write it like 10s,"
                        + " 1m30s or 500ms");
    }

    @Test
    void invalidMemorySize() {
        ComposeException e = failure(
                "services:\n  web:\n    image: a\n    deploy:\n      resources:\n        limits:\n          memory: 1TBx\n");
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.detail())
                .isEqualTo("service \"web\": deploy.resources.limits.memory \"1TBx\" is not a size; write it like 512m"
                        + " or 1g");
    }

    @Test
    void requiredVariableUnsetInTheDeployerShowsItsMessage() {
        String yaml = "services:\n  web:\n    image: a\n    environment:\n      DB: ${DB_URL:?ask ops for DB_URL}\n";
        ComposeException e = failure(ComposePolicy.DEFAULT, yaml, Map.of(), StackFiles.EMPTY, HostVariables.NONE);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail()).isEqualTo("variable DB_URL is required: ask ops for DB_URL");
    }

    @Test
    void aBindMountThatLeavesTheRepository() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    volumes: [\"../../../etc:/etc/host\"]\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .startsWith("service \"web\": volume \"../../../etc\" leaves the repository (through \"..\")");
    }

    @Test
    void aSymbolicLink() {
        StackFiles stackFiles = files("stacks/web/data/file", "x");
        RepoFiles withLink = new RepoFiles() {
            @Override
            public Optional<String> text(String path) {
                return stackFiles.text(path);
            }

            @Override
            public boolean isFile(String path) {
                return stackFiles.isFile(path);
            }

            @Override
            public boolean isDirectory(String path) {
                return stackFiles.isDirectory(path);
            }

            @Override
            public boolean isSymlink(String path) {
                return path.equals("stacks/web/data") || path.startsWith("stacks/web/data/");
            }
        };
        ComposeException e = failure("services:\n  web:\n    image: a\n    volumes: [./data/file:/data]\n", withLink);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo(
                        "service \"web\": volume \"./data/file\" (stacks/web/data/file) is or goes through a symbolic"
                                + " link, which Berth never follows: commit the file or directory itself");
    }

    @Test
    void privilegedIsRefusedByDefault() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    privileged: true\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\": privileged gives the container full control of the host; the"
                        + " environment's policy refuses it: allow it for the environment with --allow privileged");
    }

    @Test
    void hostNetworkIsRefusedByDefault() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    network_mode: host\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).endsWith("allow it for the environment with --allow host-network");
    }

    @Test
    void hostPidIsRefusedByDefault() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    pid: host\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).endsWith("allow it for the environment with --allow host-pid");
    }

    @Test
    void dockerSocketIsRefusedEvenUnderAnAllowedHostPath() {
        ComposePolicy policy = ComposePolicy.parse(List.of("bind:/var/run"));
        ComposeException e = failure(
                policy,
                "services:\n  web:\n    image: a\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
                Map.of(),
                StackFiles.EMPTY,
                null);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .isEqualTo("service \"web\": volume \"/var/run/docker.sock\" gives the container the Docker socket,"
                        + " which controls the whole host; the environment's policy refuses it: allow it for the"
                        + " environment with --allow docker-socket");
        // A parent directory of the socket gives it too.
        assertThat(failure(
                                policy,
                                "services:\n  web:\n    image: a\n    volumes: [/run:/host-run]\n",
                                Map.of(),
                                StackFiles.EMPTY,
                                null)
                        .detail())
                .contains("--allow docker-socket");
    }

    @Test
    void aHostPathOutsideTheAllowedOnes() {
        ComposeException e = failure(
                ComposePolicy.parse(List.of("bind:/srv/data")),
                "services:\n  web:\n    image: a\n    volumes: [\"/srv/database/../secrets:/s:ro\"]\n",
                Map.of(),
                StackFiles.EMPTY,
                null);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\": volume \"/srv/database/../secrets\" is a path of the deployer's host,"
                        + " outside the repository; the environment's policy refuses it: allow it for the environment"
                        + " with --allow bind:/srv/secrets, or commit the files and mount ./<dir>");
    }

    @Test
    void contentOverOneMebibyte() {
        String yaml = "services:\n  web:\n    image: a\n" + "#".repeat(1024 * 1024) + "\n";
        ComposeException e = failure(yaml);
        // Refused where it passes the limit: line 4, after the 30 characters of the first three lines.
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.column()).isEqualTo(1024 * 1024 - 30 + 1);
        assertThat(e.detail())
                .isEqualTo("the file holds " + yaml.length() + " characters, more than the limit of 1048576 (1 MiB),"
                        + " which it passes here; split the stack into smaller files (extends, env_file)");
    }

    @Test
    void aMisspeltServiceKey() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    env_flie: .env\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.column()).isEqualTo(5);
        assertThat(e.detail()).isEqualTo("service \"web\": unknown key \"env_flie\": did you mean \"env_file\"?");
    }

    @Test
    void aListWhereAMappingBelongs() {
        ComposeException healthcheck = failure("services:\n  web:\n    image: a\n    healthcheck: [CMD, 'true']\n");
        assertThat(healthcheck.line()).isEqualTo(4);
        assertThat(healthcheck.detail())
                .isEqualTo("service \"web\": healthcheck must be a mapping (key: value lines), found a list");
        ComposeException deploy = failure("services:\n  web:\n    image: a\n    deploy: []\n");
        assertThat(deploy.line()).isEqualTo(4);
        assertThat(deploy.detail())
                .isEqualTo("service \"web\": deploy must be a mapping (key: value lines), found a list");
    }

    @Test
    void aVolumeNotDeclared() {
        ComposeException e = failure("services:\n  db:\n    image: a\n    volumes: [\"pgdata:/var/lib/postgresql\"]\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"db\" uses volume \"pgdata\", which is not declared under the top-level volumes:"
                        + " add it there (volumes: {pgdata: {}}), or write ./pgdata for a directory of the repository");
    }

    @Test
    void anExternalNetworkWithADriver() {
        ComposeException e = failure(
                "services:\n  web:\n    image: a\nnetworks:\n  edge:\n    external: true\n    driver: overlay\n");
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.detail())
                .isEqualTo("network \"edge\" is external (created outside the stack), so it cannot set \"driver\";"
                        + " remove \"driver\" or \"external\"");
    }

    @Test
    void aNetworkNotDeclared() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    networks: [frnt]\nnetworks:\n  front: {}\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\" joins network \"frnt\", which is not declared under the top-level"
                        + " networks: declare it there (or did you mean \"front\"?)");
    }

    @Test
    void aSecretNotDeclared() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    secrets:\n      - db_password\n");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .isEqualTo("service \"web\" uses secret \"db_password\", which is not declared under the top-level"
                        + " secrets: declare it there with its file");
    }

    @Test
    void aSecretFileMissing() {
        ComposeException e =
                failure("services:\n  web:\n    image: a\n    secrets: [key]\nsecrets:\n  key:\n    file: ./key.pem\n");
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.detail())
                .isEqualTo("secret \"key\": file \"./key.pem\" (stacks/web/key.pem) does not exist in the repository;"
                        + " commit it or fix the path");
    }

    @Test
    void anExtendsCycle() {
        ComposeException e = failure("""
                services:
                  a:
                    extends: b
                  b:
                    extends:
                      service: a
                """);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail()).isEqualTo("extends forms a cycle: a -> b -> a");
    }

    @Test
    void extendsOfAMissingService() {
        ComposeException e = failure("services:\n  web:\n    extends: {service: bsae}\n  base:\n    image: a\n");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.detail())
                .isEqualTo("service \"web\": extends: service \"bsae\" is not declared in " + FILE
                        + "; did you mean \"base\"?");
    }

    @Test
    void extendsOfAMissingFile() {
        ComposeException e =
                failure("services:\n  web:\n    extends:\n      file: ../common/base.yaml\n      service: base\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\": extends: file \"../common/base.yaml\" (stacks/common/base.yaml) does not"
                        + " exist in the repository; commit it or fix the path");
    }

    @Test
    void anErrorInAnExtendedFileNamesThatFile() {
        StackFiles files =
                files("stacks/common/base.yaml", "services:\n  base:\n    image: a\n    ports: [\"x:80\"]\n");
        ComposeException e =
                failure("services:\n  web:\n    extends: {file: ../common/base.yaml, service: base}\n", files);
        assertThat(e.file()).isEqualTo("stacks/common/base.yaml");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).contains("port \"x:80\" is not valid");
    }

    @Test
    void aDependencyOnAServiceOfAnInactiveProfile() {
        ComposeException e = failure("""
                services:
                  web:
                    image: a
                    depends_on: [debug]
                  debug:
                    image: a
                    profiles: [debug, tools]
                """);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\" depends on \"debug\", which is not active: it is only in profile(s) debug,"
                        + " tools and COMPOSE_PROFILES enables none of them; add one to COMPOSE_PROFILES, or put"
                        + " \"web\" in the same profile");
    }

    @Test
    void anEnvFileMissing() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    env_file: [./web.env]\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\": env_file \"./web.env\" (stacks/web/web.env) does not exist in the"
                        + " repository: commit it, fix the path, or mark it optional with {path: ./web.env,"
                        + " required: false}");
    }

    @Test
    void anEnvFileThatIsNotUtf8() {
        StackFiles files = new StackFiles(Map.of("stacks/web/web.env", new byte[] {'A', '=', (byte) 0xC3, '(', '\n'}));
        ComposeException e = failure("services:\n  web:\n    image: a\n    env_file: web.env\n", files);
        assertThat(e.file()).isEqualTo("stacks/web/web.env");
        assertThat(e.line()).isZero();
        assertThat(e.detail()).isEqualTo("not valid UTF-8: save the file as UTF-8");
    }

    @Test
    void anEnvFileWithABadLine() {
        StackFiles files = files("stacks/web/web.env", "A=1\nnot valid\n");
        ComposeException e = failure("services:\n  web:\n    image: a\n    env_file: web.env\n", files);
        assertThat(e.file()).isEqualTo("stacks/web/web.env");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.detail()).startsWith("\"not valid\" is not a variable");
    }

    @Test
    void replicasNegativeOrNotANumber() {
        ComposeException negative = failure("services:\n  web:\n    image: a\n    deploy:\n      replicas: -1\n");
        assertThat(negative.line()).isEqualTo(5);
        assertThat(negative.detail())
                .isEqualTo("service \"web\": deploy.replicas \"-1\" is not a number of containers: write a whole"
                        + " number, 0 or more");
        ComposeException word = failure("services:\n  web:\n    image: a\n    scale: two\n");
        assertThat(word.line()).isEqualTo(4);
        assertThat(word.detail()).startsWith("service \"web\": scale \"two\" is not a number of containers");
    }

    @Test
    void scaleAndReplicasThatDisagree() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    scale: 2\n    deploy: {replicas: 3}\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).isEqualTo("service \"web\": scale 2 and deploy.replicas 3 disagree; keep one of them");
    }

    @Test
    void aBuildContextMissing() {
        ComposeException e = failure("services:\n  web:\n    build:\n      context: ./app\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\": build context \"./app\" (stacks/web/app) is not a directory of the"
                        + " repository: commit it with its Dockerfile, or fix the path");
    }

    @Test
    void aDockerfileMissing() {
        ComposeException e = failure(
                "services:\n  web:\n    build: {context: app, dockerfile: Prod.Dockerfile}\n",
                files("stacks/web/app/Dockerfile", "FROM busybox:1.35"));
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.detail())
                .isEqualTo("service \"web\": build: dockerfile stacks/web/app/Prod.Dockerfile does not exist in the"
                        + " repository; commit it or set build.dockerfile");
    }

    @Test
    void bothNetworkModeAndNetworks() {
        ComposeException e =
                failure("services:\n  web:\n    image: a\n    network_mode: none\n    networks: [default]\n");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .isEqualTo("service \"web\" sets both network_mode and networks; Compose refuses that: keep one");
    }

    @Test
    void aBindSourceThatIsNotCommittedMustBeWhenCreateHostPathIsFalse() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    volumes:\n      - type: bind\n"
                + "        source: ./html\n        target: /srv\n        bind: {create_host_path: false}\n");
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.detail())
                .isEqualTo("service \"web\": volume \"./html\" (stacks/web/html) does not exist in the repository and"
                        + " bind.create_host_path is false: commit it, or remove create_host_path: false to have it made"
                        + " as a directory");
    }

    @Test
    void anotherUsersHomeDirectory() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    volumes: [\"~alice/media:/media\"]\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .startsWith("service \"web\": volume \"~alice/media\": ~user/ names another user's home directory");
    }

    @Test
    void restartPolicyConditionsAreCompose() {
        ComposeException e =
                failure("services:\n  web:\n    image: a\n    deploy:\n      restart_policy: {condition: sometimes}\n");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .isEqualTo("service \"web\": deploy.restart_policy.condition \"sometimes\" is not valid: use none,"
                        + " on-failure or any (or the engine's no, always, unless-stopped)");
        assertThat(failure("services:\n  web:\n    image: a\n    deploy: {restart_policy: {max_attempts: 3}}\n")
                        .detail())
                .contains("max_attempts applies only to condition on-failure");
    }

    @Test
    void aMisspeltEndpointKeyIsRefusedWithTheKeyItLikelyMeant() {
        ComposeException e = failure(
                "services:\n  web:\n    image: a\n    networks:\n      back:\n        link_local_ip: [169.254.8.8]\n"
                        + "networks:\n  back: {}\n");
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.detail())
                .isEqualTo("service \"web\": networks: back: unknown key \"link_local_ip\": did you mean"
                        + " \"link_local_ips\"?");
    }

    @Test
    void aDependencyThroughNetworkModeOnAnUnknownService() {
        ComposeException e = failure("services:\n  web:\n    image: a\n    network_mode: service:vpn\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .isEqualTo("service \"web\" uses the network of \"vpn\", which this stack does not declare");
    }

    @Test
    void hostValuesNeverAppearInErrors() {
        HostVariables host = new HostVariables(Map.of("PORT", "not-a-port-secret"));
        ComposeException e = failure(
                ComposePolicy.DEFAULT,
                "services:\n  web:\n    image: a\n    ports: [\"${PORT}:80\"]\n",
                Map.of(),
                StackFiles.EMPTY,
                host);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.getMessage()).doesNotContain("not-a-port-secret").contains("***");
    }

    @Test
    void anInvalidProjectName() {
        ComposeException e = failure("name: My Shop\nservices:\n  web:\n    image: a\n");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.detail()).startsWith("name \"My Shop\" is not a valid project name");
    }

    @Test
    void aSecretWithTwoSources() {
        ComposeException e =
                failure("services:\n  web:\n    image: a\nsecrets:\n  key:\n    file: ./k\n    environment: KEY\n");
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.detail())
                .isEqualTo("secret \"key\" needs exactly one of environment, file, not file and environment");
        assertThat(e.file()).isEqualTo(FILE);
    }

    @Test
    void ipamAndFixedAddresses() {
        String service = "services:\n  web:\n    image: a\n    networks:\n      front:\n        ipv4_address: %s\n";
        String network = "networks:\n  front:\n    ipam:\n      config:\n%s";
        String pool = "        - subnet: 172.28.0.0/16\n";
        ComposeException e = failure(service.formatted("172.29.0.5") + network.formatted(pool));
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.detail())
                .startsWith(
                        "service \"web\": networks: front: ipv4_address 172.29.0.5 is not inside a subnet of network"
                                + " \"front\"");
        assertThat(failure(service.formatted("172.28.0.300") + network.formatted(pool))
                        .detail())
                .isEqualTo("service \"web\": networks: front: ipv4_address \"172.28.0.300\" is not an IPv4 address");
        assertThat(failure(service.formatted("example.com") + network.formatted(pool))
                        .detail())
                .isEqualTo("service \"web\": networks: front: ipv4_address \"example.com\" is not an IPv4 address");
        assertThat(failure(service.formatted("172.28.0.5") + network.formatted("        - subnet: 172.28.0.0/33\n"))
                        .detail())
                .startsWith("network \"front\": ipam: config: subnet \"172.28.0.0/33\" is not a network in CIDR");
        assertThat(failure(service.formatted("172.28.0.5")
                                + network.formatted(pool + "        - subnet: 172.28.5.0/24\n"))
                        .detail())
                .isEqualTo("network \"front\": ipam: config: subnet 172.28.5.0/24 overlaps 172.28.0.0/16 of the same"
                        + " network; give each pool its own range");
        assertThat(failure(service.formatted("172.28.0.5") + network.formatted(pool + "          gateway: 10.0.0.1\n"))
                        .detail())
                .isEqualTo("network \"front\": ipam: config: gateway 10.0.0.1 is not inside subnet 172.28.0.0/16");
        assertThat(failure(service.formatted("172.28.0.5") + network.formatted("        - ip_range: 172.28.0.0/24\n"))
                        .detail())
                .startsWith("network \"front\": ipam: config: each pool needs \"subnet\"");
        assertThat(failure(service.formatted("172.28.0.5")
                                + network.formatted(pool + "          aux_addresses: {host1: 172.28.1.5}\n"))
                        .detail())
                .contains("\"aux_addresses\" is not supported by this version of Berth");
        assertThat(failure("services:\n  web:\n    image: a\n    networks:\n      front:\n        priority: high\n"
                                + "networks:\n  front: {}\n")
                        .detail())
                .isEqualTo("service \"web\": networks: front: priority \"high\" is not a whole number; networks are"
                        + " joined highest first");
        assertThat(failure("services:\n  web:\n    image: a\nnetworks:\n  front:\n    enable_ipv4: false\n")
                        .detail())
                .contains("enable_ipv4 needs Docker API 1.47");
    }

    @Test
    void buildKeysTheClassicBuilderCannotApply() {
        StackFiles files = StackFiles.EMPTY;
        String build = "services:\n  web:\n    build:\n      context: .\n      %s\n";
        StackFiles dockerfile = new StackFiles(
                Map.of("stacks/web/Dockerfile", "FROM a".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ComposeException e = failure(build.formatted("ssh: [default]"), dockerfile);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail())
                .startsWith("service \"web\": build: \"ssh\" is not supported by this version of Berth;"
                        + " it builds with the engine's classic builder");
        assertThat(failure(build.formatted("tags: [\"postgres:16\"]"), dockerfile)
                        .detail())
                .contains("tags would retag images other stacks on the engine run");
        assertThat(failure(build.formatted("network: host"), dockerfile).detail())
                .isEqualTo("service \"web\": build: network: host gives the build's RUN steps the host's network; the"
                        + " environment's policy refuses it: allow it for the environment with --allow host-network");
        assertThat(failure(build.formatted("network: backend"), dockerfile).detail())
                .startsWith("service \"web\": build: network: \"backend\" is not a network a build can use here");
        assertThat(failure(build.formatted("shm_size: lots"), dockerfile).detail())
                .contains("shm_size");
        assertThat(failure(build.formatted("no_cache: sometimes"), dockerfile).detail())
                .contains("no_cache");
        assertThat(failure(build.formatted("extra_hosts: [nocolon]"), dockerfile)
                        .detail())
                .contains("\"nocolon\" is not host:address or host=address");
        assertThat(files.paths()).isEmpty();
    }
}
