package dev.berth.common.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComposeParserTest {
    private static final String FILE = "stacks/web/compose.yaml";
    private final ComposeParser parser = new ComposeParser();

    private ComposeStack parse(String yaml) {
        return parser.parse(FILE, yaml);
    }

    private ComposeException failure(String yaml) {
        try {
            parse(yaml);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    @Test
    void readsEveryKeyOfTheSkeleton() {
        ComposeStack stack = parse("""
                name: shop
                x-common: &common
                  labels:
                    team: web
                services:
                  web:
                    <<: *common
                    image: busybox:1.35
                    command: httpd -f -p "8080"
                    environment:
                      GREETING: hello
                      ENABLED: yes
                    ports:
                      - "127.0.0.1:18080:8080"
                      - 9090
                      - target: 53
                        published: 5353
                        protocol: udp
                    healthcheck:
                      test: wget -q -O- http://127.0.0.1:8080/
                      interval: 1m30s
                      timeout: 500ms
                      start_period: 2s
                      retries: 3
                  worker:
                    image: busybox:1.35
                    command: ["sh", "-c", "sleep 1000"]
                    environment:
                      - MODE=batch
                    labels: ["tier=back"]
                    healthcheck:
                      disable: true
                """);
        assertThat(stack.services()).extracting(ServiceSpec::name).containsExactly("web", "worker");
        ServiceSpec web = stack.service("web").orElseThrow();
        assertThat(web.command()).containsExactly("httpd", "-f", "-p", "8080");
        // YAML 1.2: "yes" is a string, as Compose reads it.
        assertThat(web.environment()).containsEntry("ENABLED", "yes").containsEntry("GREETING", "hello");
        assertThat(web.labels()).containsEntry("team", "web");
        assertThat(web.ports())
                .containsExactly(
                        new PortMapping("127.0.0.1", 18080, null, 8080, "tcp"),
                        new PortMapping("", null, null, 9090, "tcp"),
                        new PortMapping("", 5353, null, 53, "udp"));
        assertThat(web.healthcheck()).isNotNull();
        assertThat(web.healthcheck().test()).containsExactly("CMD-SHELL", "wget -q -O- http://127.0.0.1:8080/");
        assertThat(web.healthcheck().interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(web.healthcheck().timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(web.healthcheck().retries()).isEqualTo(3);
        ServiceSpec worker = stack.service("worker").orElseThrow();
        assertThat(worker.command()).containsExactly("sh", "-c", "sleep 1000");
        assertThat(worker.environment()).containsEntry("MODE", "batch");
        assertThat(worker.labels()).containsEntry("tier", "back");
        assertThat(worker.healthcheck().disabled()).isTrue();
    }

    @Test
    void equalSpecsAreEqualWhateverTheirSyntax() {
        ComposeStack a = parse("services:\n  s:\n    image: x\n    environment: {B: '2', A: '1'}\n");
        ComposeStack b = parse("services:\n  s:\n    image: x\n    environment: [A=1, B=2]\n");
        assertThat(a).isEqualTo(b);
    }

    @Test
    void malformedYamlNamesLineAndColumn() {
        ComposeException e = failure("services:\n  web:\n    image: [unclosed\n");
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).isGreaterThanOrEqualTo(3);
        assertThat(e.getMessage()).startsWith(FILE + ":").contains("not valid YAML");
    }

    @Test
    void documentThatIsNotAMapping() {
        ComposeException e = failure("- just\n- a list\n");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.detail()).contains("must be a mapping").contains("a list");
    }

    @Test
    void serviceWithoutImageNamesTheService() {
        ComposeException e = failure("services:\n  web:\n    image: busybox\n  api:\n    command: run\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).contains("service \"api\" has no image");
    }

    @Test
    void unsupportedKeyIsAnErrorNotIgnored() {
        ComposeException e = failure("services:\n  web:\n    image: busybox\n    use_api_socket: true\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail()).contains("\"use_api_socket\" is not supported");
    }

    @Test
    void otherBadInputs() {
        assertThat(failure("").detail()).contains("empty");
        assertThat(failure("name: x\n").detail()).contains("no \"services\"");
        assertThat(failure("services:\n  web:\n    image: a\n  web:\n    image: b\n")
                        .detail())
                .contains("duplicate key \"web\"");
        assertThat(failure("services:\n  web:\n    image: a\n    ports: ['99999:80']\n")
                        .detail())
                .contains("not a port number");
        assertThat(failure("services:\n  web:\n    image: a\n    healthcheck:\n      test: x\n      interval: soon\n")
                        .detail())
                .contains("not a duration");
        assertThat(failure("services:\n  web:\n    image: a\n    command: 'echo \"unclosed'\n")
                        .detail())
                .contains("unclosed");
        assertThat(failure("include: [other.yaml]\nservices:\n  web:\n    image: a\n")
                        .detail())
                .contains("include \"other.yaml\" (stacks/web/other.yaml) does not exist in the repository");
    }

    @Test
    void shellWordsSplitLikeAShell() {
        assertThat(ShellWords.split("sh -c 'echo \"a b\"' c\\ d \"e\\\"f\""))
                .isEqualTo(List.of("sh", "-c", "echo \"a b\"", "c d", "e\"f"));
    }

    @Test
    void readsContainerOptions() {
        ServiceSpec s = parse("""
                services:
                  box:
                    image: busybox:1.35
                    entrypoint: sh -c
                    command: ["sleep 600"]
                    expose: [9000, "53/udp"]
                    restart: unless-stopped
                    user: "1000:1000"
                    working_dir: /srv
                    hostname: box
                    cap_add: [NET_RAW]
                    cap_drop: [CAP_MKNOD]
                    read_only: true
                    init: true
                    extra_hosts: ["db.internal:10.0.0.5", "cache=10.0.0.6"]
                    dns: 127.0.0.53
                    stop_signal: SIGINT
                    stop_grace_period: 3s
                    tmpfs: ["/run", "/cache:size=1m"]
                """).service("box").orElseThrow();
        assertThat(s.entrypoint()).containsExactly("sh", "-c");
        assertThat(s.expose()).containsExactly("9000/tcp", "53/udp");
        ContainerOptions o = s.options();
        assertThat(o.restart()).isEqualTo("unless-stopped");
        assertThat(o.user()).isEqualTo("1000:1000");
        assertThat(o.workingDir()).isEqualTo("/srv");
        assertThat(o.hostname()).isEqualTo("box");
        assertThat(o.capAdd()).containsExactly("NET_RAW");
        assertThat(o.capDrop()).containsExactly("MKNOD");
        assertThat(o.readOnly()).isTrue();
        assertThat(o.init()).isTrue();
        assertThat(o.extraHosts()).containsExactly("db.internal:10.0.0.5", "cache:10.0.0.6");
        assertThat(o.dns()).containsExactly("127.0.0.53");
        assertThat(o.stopSignal()).isEqualTo("SIGINT");
        assertThat(o.stopGracePeriod()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.tmpfs()).containsEntry("/run", "").containsEntry("/cache", "size=1m");
    }

    @Test
    void misspelledKeysGetASuggestionAndBadOptionsAClearMessage() {
        String head = "services:\n  web:\n    image: a\n";
        assertThat(failure(head + "    enviroment: {A: b}\n").detail())
                .contains("unknown key \"enviroment\": did you mean \"environment\"?");
        assertThat(failure(head + "    restrat: always\n").detail()).contains("did you mean \"restart\"?");
        assertThat(failure(head + "    frobnicate: 1\n").detail()).contains("not a Compose service key");
        assertThat(failure(head + "    volumes: [a:/b]\n").detail()).contains("volume \"a\", which is not declared");
        assertThat(failure(head + "    restart: sometimes\n").detail()).contains("restart \"sometimes\" is not valid");
        assertThat(failure(head + "    read_only: yes\n").detail()).contains("must be true or false");
        assertThat(failure(head + "    stop_signal: TERM\n").detail()).contains("stop_signal \"TERM\" is not valid");
        assertThat(failure(head + "    stop_grace_period: long\n").detail()).contains("not a duration");
        assertThat(failure(head + "    extra_hosts: [nohost]\n").detail()).contains("is not host:address");
        assertThat(failure(head + "    tmpfs: run\n").detail()).contains("must be an absolute path");
        assertThat(failure(head + "    expose: [\"2000-1000\"]\n").detail()).contains("ends before it starts");
        assertThat(failure(head + "    cap_add: [\"net admin\"]\n").detail()).contains("not a capability name");
        assertThat(failure(head + "    labels: {a: [1]}\n").detail()).contains("must be a single value");
    }

    @Test
    void interpolatesValuesAsComposeDoes() {
        Map<String, String> vars = Map.of("TAG", "1.35", "PORT", "18080", "EMPTY", "", "NAME", "shop");
        ServiceSpec web = parser.parse(FILE, """
                x-env: &env
                  FROM_ANCHOR: ${NAME}
                services:
                  web:
                    image: busybox:${TAG}
                    ports: ["127.0.0.1:${PORT}:8080"]
                    environment:
                      <<: *env
                      PLAIN: $NAME-$$HOME
                      DEFAULTED: ${MISSING:-fallback}
                      DASH_KEEPS_EMPTY: ${EMPTY-fallback}
                      COLON_REPLACES_EMPTY: ${EMPTY:-fallback}
                      NESTED: ${MISSING:-${NAME}-x}
                      PLUS: ${NAME:+set}
                      UNSET: ${MISSING}
                      $NOT_A_KEY_VARIABLE: kept
                """, vars).service("web").orElseThrow();
        assertThat(web.image()).isEqualTo("busybox:1.35");
        assertThat(web.ports().get(0).hostPort()).isEqualTo(18080);
        assertThat(web.environment())
                .containsEntry("FROM_ANCHOR", "shop")
                .containsEntry("PLAIN", "shop-$HOME")
                .containsEntry("DEFAULTED", "fallback")
                .containsEntry("DASH_KEEPS_EMPTY", "")
                .containsEntry("COLON_REPLACES_EMPTY", "fallback")
                .containsEntry("NESTED", "shop-x")
                .containsEntry("PLUS", "set")
                .containsEntry("UNSET", "")
                .containsEntry("$NOT_A_KEY_VARIABLE", "kept");
    }

    @Test
    void requiredVariablesAndBadSyntaxAreErrorsAtTheirLine() {
        ComposeException required = failure("services:\n  web:\n    image: ${IMAGE:?set IMAGE in .env}\n");
        assertThat(required.line()).isEqualTo(3);
        assertThat(required.detail()).isEqualTo("variable IMAGE is required: set IMAGE in .env");
        assertThat(failure("services:\n  web:\n    image: a\n    command: echo ${UNCLOSED\n")
                        .detail())
                .contains("without its closing }");
        assertThat(failure("services:\n  web:\n    image: a\n    command: echo ${A*b}\n")
                        .detail())
                .contains("after the name write");
    }

    @Test
    void aDollarThatStartsNoVariableIsItselfAsInComposeV2() {
        ServiceSpec web = parse("services:\n  web:\n    image: a\n    command: sh -c \"echo $(date) costs 5$\"\n"
                        + "    environment: {X: a $ b}\n")
                .service("web")
                .orElseThrow();
        assertThat(web.command()).containsExactly("sh", "-c", "echo $(date) costs 5$");
        assertThat(web.environment()).containsEntry("X", "a $ b");
    }

    @Test
    void servicesComeAfterWhatTheyDependOn() {
        ComposeStack stack = parse("""
                services:
                  web:
                    image: a
                    depends_on:
                      api: {condition: service_healthy, required: true}
                  api:
                    image: a
                    depends_on: [db]
                  db:
                    image: a
                  worker:
                    image: a
                """);
        assertThat(stack.services()).extracting(ServiceSpec::name).containsExactly("db", "api", "web", "worker");
        assertThat(stack.service("web").orElseThrow().dependsOn())
                .containsEntry("api", new ServiceSpec.Dependency("service_healthy", true, false));
        assertThat(stack.service("api").orElseThrow().dependsOn())
                .containsEntry("db", ServiceSpec.Dependency.started());
    }

    @Test
    void badDependenciesAreErrorsAtTheirDependsOn() {
        ComposeException unknown = failure("services:\n  web:\n    image: a\n    depends_on: [dbb]\n");
        assertThat(unknown.line()).isEqualTo(4);
        assertThat(unknown.detail()).isEqualTo("service \"web\" depends on \"dbb\", which this stack does not declare");
        ComposeException cycle = failure(
                "services:\n  a:\n    image: x\n    depends_on: [b]\n" + "  b:\n    image: x\n    depends_on: [a]\n");
        assertThat(cycle.detail()).isEqualTo("depends_on forms a cycle: a -> b -> a");
        assertThat(failure("services:\n  a:\n    image: x\n    depends_on: [a]\n")
                        .detail())
                .isEqualTo("depends_on forms a cycle: a -> a");
        assertThat(failure("services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: done}\n"
                                + "  b:\n    image: x\n")
                        .detail())
                .contains("condition \"done\" is not valid");
    }

    @Test
    void readsResourcesLoggingAndUlimits() {
        ContainerOptions o = parse("""
                services:
                  web:
                    image: a
                    deploy:
                      resources:
                        limits: {memory: 64m, cpus: "0.5", pids: 100}
                        reservations: {memory: 1.5k}
                    logging:
                      driver: json-file
                      options: {max-size: 1m, max-file: "3"}
                    ulimits:
                      nproc: 512
                      nofile: {soft: 1024, hard: 2048}
                """).service("web").orElseThrow().options();
        assertThat(o.resources()).isEqualTo(new ContainerOptions.Resources(64L << 20, 500_000_000L, 100L, 1536L));
        assertThat(o.logging().driver()).isEqualTo("json-file");
        assertThat(o.logging().options()).containsEntry("max-size", "1m").containsEntry("max-file", "3");
        assertThat(o.ulimits())
                .containsEntry("nproc", List.of(512L, 512L))
                .containsEntry("nofile", List.of(1024L, 2048L));
    }

    @Test
    void badResourcesAreNamed() {
        String head = "services:\n  web:\n    image: a\n";
        assertThat(failure(head + "    deploy: {resources: {limits: {memory: lots}}}\n")
                        .detail())
                .contains("deploy.resources.limits.memory \"lots\" is not a size");
        assertThat(failure(head + "    deploy: {resources: {limits: {cpus: \"-1\"}}}\n")
                        .detail())
                .contains("is not a number of CPUs");
        assertThat(failure(head + "    deploy: {endpoint: vip}\n").detail())
                .contains("\"endpoint\" is not supported by this version of Berth");
        assertThat(failure(head + "    ulimits: {nofile: {soft: 10, hard: 5}}\n")
                        .detail())
                .contains("soft 10 is above hard 5");
        assertThat(failure(head + "    logging: {drvier: x}\n").detail()).contains("\"drvier\" is not known");
    }

    @Test
    void anEmojiAcrossTheReadersBufferBoundaryIsRead() {
        // snakeyaml-engine reads 1,024 characters at a time; a surrogate pair split by that read broke it.
        for (int pad = 1000; pad < 1030; pad++) {
            String yaml = "# " + "x".repeat(pad) + "\n# \uD83D\uDE80 rocket\nservices:\n  web:\n    image: a\n";
            assertThat(parse(yaml).services()).hasSize(1);
        }
    }
}
