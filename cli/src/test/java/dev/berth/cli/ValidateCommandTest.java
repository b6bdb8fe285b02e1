package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {
    @TempDir
    Path repo;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int validate(String... args) {
        var cli = Berth.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "validate";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli.execute(all);
    }

    private void write(String path, String content) throws IOException {
        Path file = repo.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    @Test
    void validStacksExitZero() throws IOException {
        write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox:${TAG}\n");
        write("stacks/web/.env", "TAG=1.35\n");
        write("stacks/notes/README.md", "no compose file here: not a stack\n");
        assertThat(validate(repo.toString())).isZero();
        assertThat(out.toString())
                .contains("ok stacks/web/compose.yaml (1 service)")
                .contains("1 valid, 0 invalid");
    }

    @Test
    void whatComposeIgnoresOnOneEngineIsAWarningLineNotAnError() throws IOException {
        write(
                "stacks/web/compose.yaml",
                "version: \"3.8\"\nservices:\n  web:\n    image: busybox\n    deploy:\n"
                        + "      placement: {constraints: [node.role == manager]}\n");
        write("stacks/api/compose.yaml", "services:\n  api:\n    image: busybox\n");
        assertThat(validate(repo.toString())).isZero();
        assertThat(out.toString())
                .contains("ok stacks/web/compose.yaml (1 service)\n"
                        + "   warning: stacks/web/compose.yaml:1:1: version is obsolete and ignored: Compose reads every"
                        + " file by the Compose Specification; remove it\n"
                        + "   warning: stacks/web/compose.yaml:6:7: service \"web\": deploy.placement is ignored: only"
                        + " Swarm applies it (Compose ignores it on one engine)\n")
                .contains("ok stacks/api/compose.yaml (1 service)\nok stacks/web")
                .endsWith("engine)\n2 valid, 0 invalid stacks\n");
    }

    @Test
    void eachInvalidStackIsOneFileLineError() throws IOException {
        write("stacks/a/compose.yaml", "services:\n  a:\n    image: busybox\n");
        write("stacks/b/compose.yml", "services:\n  b:\n    image: [oops\n");
        write("stacks/c/docker-compose.yaml", "services:\n  c:\n    imgae: busybox\n");
        write("stacks/Bad Name/compose.yaml", "services:\n  d:\n    image: busybox\n");
        Files.write(repo.resolve("stacks/a/.env"), new byte[] {'A', '=', (byte) 0xff, '\n'});
        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("stacks/a/.env: not valid UTF-8")
                .contains("stacks/b/compose.yml:")
                .contains(
                        "stacks/c/docker-compose.yaml:3:5: service \"c\": unknown key \"imgae\": did you mean \"image\"?")
                .contains("stacks/Bad Name: stack name \"Bad Name\" is not valid")
                .contains("0 valid, 4 invalid stacks");
    }

    @Test
    void aHostPortPublishedByTwoStacksIsAnErrorNamingBoth() throws IOException {
        write("stacks/blog/compose.yaml", "services:\n  web:\n    image: busybox\n    ports:\n      - \"8080:80\"\n");
        write(
                "stacks/shop/compose.yaml",
                "services:\n  front:\n    image: busybox\n    ports:\n      - \"127.0.0.1:8080:8080\"\n");
        write(
                "stacks/wiki/compose.yaml",
                "services:\n  web:\n    image: busybox\n    ports:\n      - \"127.0.0.1:8081:80\"\n"
                        + "      - \"8080:80/udp\"\n");

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("stacks/shop/compose.yaml: stack shop: service \"front\" publishes host port"
                        + " 127.0.0.1:8080/tcp, already published by stack blog (service \"web\" in"
                        + " stacks/blog/compose.yaml); give one of them another host port")
                .doesNotContain("stack wiki: service")
                .contains("3 valid, 0 invalid stacks, 1 host port published twice");
    }

    @Test
    void allowLetsAStackAskWhatThePolicyRefusesByDefault() throws IOException {
        write("stacks/tools/compose.yaml", "services:\n  tool:\n    image: busybox\n    privileged: true\n");

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("stacks/tools/compose.yaml:4:").contains("privileged");

        out.getBuffer().setLength(0);
        assertThat(validate(repo.toString(), "--allow", "privileged")).isZero();
        assertThat(out.toString()).contains("ok stacks/tools/compose.yaml (1 service)");
    }

    @Test
    void aNamedVolumeBoundToTheHostAndACapabilityAreRefusedUntilAllowed() throws IOException {
        write("stacks/tools/compose.yaml", """
                services:
                  tool:
                    image: busybox
                    cap_add: [SYS_ADMIN]
                    volumes: [host:/host]
                volumes:
                  host:
                    driver_opts: {type: none, o: bind, device: /srv/data}
                """);

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("stacks/tools/compose.yaml:8:").contains("--allow bind:/srv/data");
        out.getBuffer().setLength(0);
        assertThat(validate(repo.toString(), "--allow", "bind:/srv/data")).isEqualTo(1);
        assertThat(out.toString()).contains("stacks/tools/compose.yaml:4:").contains("--allow cap:SYS_ADMIN");

        out.getBuffer().setLength(0);
        assertThat(validate(repo.toString(), "--allow", "bind:/srv/data", "--allow", "cap:SYS_ADMIN"))
                .isZero();
        assertThat(out.toString()).contains("ok stacks/tools/compose.yaml (1 service)");
    }

    @Test
    void aSymbolicLinkAsABindSourceIsAnError() throws IOException {
        write("shared/data/file.txt", "data\n");
        write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox\n    volumes:\n      - ./data:/data\n");
        Files.createSymbolicLink(repo.resolve("stacks/web/data"), Path.of("../../shared/data"));

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("stacks/web/compose.yaml:5:").contains("symbolic link");
    }

    @Test
    void filesOutsideTheStackAreReadAndUnsetVariablesAreLeftToTheHost() throws IOException {
        write("shared/common.env", "GREETING=hello\n");
        write(
                "stacks/web/compose.yaml",
                "services:\n  web:\n    image: busybox\n    env_file: ../../shared/common.env\n"
                        + "    environment:\n      PASSWORD: ${DB_PASSWORD:?set on the host}\n");
        write(
                "stacks/api/compose.yaml",
                "services:\n  api:\n    image: busybox\n    env_file: ../../shared/missing.env\n");

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("ok stacks/web/compose.yaml (1 service)")
                .contains("left to the deployer's host: DB_PASSWORD")
                .contains("stacks/api/compose.yaml:4:")
                .contains("1 valid, 1 invalid stack");
    }

    @Test
    void aContainerNameAskedForByTwoStacksIsAnErrorNamingBoth() throws IOException {
        write("stacks/blog/compose.yaml", "services:\n  web:\n    image: busybox\n    container_name: www\n");
        write("stacks/shop/compose.yaml", "services:\n  front:\n    image: busybox\n    container_name: www\n");
        write("stacks/wiki/compose.yaml", "services:\n  web:\n    image: busybox\n    container_name: wiki\n");
        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("3 valid, 0 invalid stacks")
                .contains("stacks/shop/compose.yaml: stack shop: service \"front\" has container_name \"www\","
                        + " already the container_name of stack blog (service \"web\" in stacks/blog/compose.yaml);"
                        + " both deploy to the local engine, where two stacks cannot share a container name: give one"
                        + " of them another container_name")
                .contains("1 container name asked for by two stacks")
                .doesNotContain("container_name \"wiki\"");
    }

    @Test
    void aContainerNameIsCheckedAcrossTheEnvironmentsOfOneEngine() throws IOException {
        environments();
        write("envs/dev/stacks/shop/compose.yaml", "services:\n  web:\n    image: busybox\n    container_name: shop\n");
        write(
                "envs/prod/stacks/shop/compose.yaml",
                "services:\n  web:\n    image: busybox\n    container_name: shop\n");
        assertThat(validate(
                        repo.toString(),
                        "--environments",
                        repo.resolve("environments").toString()))
                .isEqualTo(1);
        assertThat(out.toString())
                .contains("envs/prod/stacks/shop/compose.yaml: stack prod/shop: service \"web\" has container_name"
                        + " \"shop\", already the container_name of stack dev/shop (service \"web\" in"
                        + " envs/dev/stacks/shop/compose.yaml); both deploy to the local engine");

        // Environments on different engines may use the same name.
        out.getBuffer().setLength(0);
        write("environments/prod.yml", """
                name: prod
                source: {repository: https://git.example.com/config.git, stacks_path: envs/prod/stacks}
                variables: {DOMAIN: example.com}
                docker: {host: "tcp://prod.example.com:2376"}
                deploy: {allow: [privileged]}
                """);
        assertThat(validate(
                        repo.toString(),
                        "--environments",
                        repo.resolve("environments").toString()))
                .as(out.toString())
                .isZero();
    }

    @Test
    void aBadAllowanceIsAUsageError() throws IOException {
        write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox\n");
        assertThat(validate(repo.toString(), "--allow", "everything")).isEqualTo(2);
        assertThat(err.toString()).contains("--allow: \"everything\" is not an allowance");
    }

    @Test
    void aLinkedComposeFileIsAnErrorAsInTheWatcherAndALinkedDirectoryIsNoStack() throws IOException {
        write("elsewhere/compose.yaml", "services:\n  web:\n    image: busybox\n");
        Files.createDirectories(repo.resolve("stacks/web"));
        Files.createSymbolicLink(repo.resolve("stacks/web/compose.yaml"), Path.of("../../elsewhere/compose.yaml"));
        write("stacks/api/compose.yaml", "services:\n  api:\n    image: busybox\n");
        Files.createSymbolicLink(repo.resolve("stacks/api/.env"), Path.of("../../elsewhere/compose.yaml"));
        write("stacks/ok/compose.yaml", "services:\n  ok:\n    image: busybox\n");
        Files.createSymbolicLink(repo.resolve("stacks/linked"), Path.of("../elsewhere"));

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("stacks/web/compose.yaml: is a symbolic link, which Berth never follows: commit the"
                        + " compose file itself in its place")
                .contains("stacks/api/.env: is a symbolic link, which Berth never follows: commit the .env file"
                        + " itself in its place")
                .contains("ok stacks/ok/compose.yaml (1 service)")
                .contains("1 valid, 2 invalid stacks");
    }

    @Test
    void hostileYamlIsRefusedAtItsLineAndTheOtherStacksAreChecked() throws IOException {
        write("stacks/a/compose.yaml", "services:\n  a:\n    image: busybox\n");
        write(
                "stacks/b/compose.yaml",
                "services:\n  b:\n    image: busybox\n    x-deep: " + "[".repeat(3000) + "]".repeat(3000) + "\n");
        StringBuilder bomb = new StringBuilder("services:\n  c:\n    image: busybox\nx-0: &l0 [\"lol\"]\n");
        for (int i = 1; i <= 12; i++) {
            bomb.append("x-")
                    .append(i)
                    .append(": &l")
                    .append(i)
                    .append(" [")
                    .append(String.join(", ", Collections.nCopies(8, "*l" + (i - 1))))
                    .append("]\n");
        }
        write("stacks/c/compose.yaml", bomb.toString());
        write("stacks/d/compose.yaml", "services:\n  d:\n    image: busybox\n---\nservices: {}\n");
        write("stacks/e/compose.yaml", "services:\n  e:\n    image: busybox\n");

        assertThat(validate(repo.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("ok stacks/a/compose.yaml (1 service)")
                .contains("stacks/b/compose.yaml:4:74: values are nested more than 64 levels deep here")
                .containsPattern("stacks/c/compose.yaml:\\d+:\\d+: this value, with its aliases written out, is larger")
                .contains("stacks/d/compose.yaml:4:1: a second YAML document starts here")
                .contains("ok stacks/e/compose.yaml (1 service)")
                .contains("2 valid, 3 invalid stacks");
    }

    @Test
    void aMissingDirectoryIsAUsageError() {
        assertThat(validate(repo.resolve("nowhere").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("is not a directory");
    }

    private static final String PRIVILEGED = "services:\n  agent:\n    image: busybox\n    privileged: true\n";

    /** A config repository with a directory per environment and its environment files. */
    private void environments() throws IOException {
        write("environments/dev.yaml", """
                name: dev
                source: {repository: https://git.example.com/config.git, stacks_path: envs/dev/stacks}
                variables: {DOMAIN: dev.example.com}
                """);
        write("environments/prod.yml", """
                name: prod
                source: {repository: https://git.example.com/config.git, stacks_path: envs/prod/stacks}
                variables: {DOMAIN: example.com}
                deploy: {allow: [privileged]}
                """);
        write("envs/dev/stacks/web/compose.yaml", "services:\n  web:\n    image: busybox\n    hostname: ${DOMAIN:?}\n");
        write(
                "envs/prod/stacks/web/compose.yaml",
                "services:\n  web:\n    image: busybox\n    hostname: ${DOMAIN:?}\n");
        write("envs/prod/stacks/agent/compose.yaml", PRIVILEGED);
    }

    @Test
    void checksEachEnvironmentFileThenItsStacksWithItsOwnPolicy() throws IOException {
        environments();
        assertThat(validate(
                        repo.toString(),
                        "--environments",
                        repo.resolve("environments").toString()))
                .isZero();
        assertThat(out.toString())
                .contains("ok " + repo.resolve("environments/dev.yaml") + " (environment dev:"
                        + " https://git.example.com/config.git, branch main, stacks in envs/dev/stacks/)")
                .contains("environment prod: stacks in envs/prod/stacks/")
                .contains("ok envs/prod/stacks/agent/compose.yaml (1 service)")
                .contains("2 environment files, 0 invalid; stacks of 2 environments checked")
                .doesNotContain("left to the deployer's host");
    }

    @Test
    void aStackBreakingItsEnvironmentsPolicyFailsThere() throws IOException {
        environments();
        write("envs/dev/stacks/agent/compose.yaml", PRIVILEGED);
        assertThat(validate(
                        repo.toString(),
                        "--environments",
                        repo.resolve("environments").toString()))
                .isEqualTo(1);
        assertThat(out.toString())
                .contains("envs/dev/stacks/agent/compose.yaml:4:")
                .contains("--allow privileged")
                .contains("ok envs/prod/stacks/agent/compose.yaml");
    }

    @Test
    void aBadEnvironmentFileIsOneFileLineErrorAndTheOthersAreStillChecked() throws IOException {
        environments();
        write("environments/staging.yaml", """
                name: staging
                source:
                  repository: https://git.example.com/config.git
                  poll_interval: often
                """);
        assertThat(validate(
                        repo.toString(),
                        "--environments",
                        repo.resolve("environments").toString()))
                .isEqualTo(1);
        assertThat(out.toString())
                .contains(repo.resolve("environments/staging.yaml") + ":4:18: source: poll_interval \"often\" is not"
                        + " a duration")
                .contains("3 environment files, 1 invalid; stacks of 2 environments checked");
    }

    @Test
    void anEnvironmentOnAnotherBranchIsNotCheckedHereAndSaysSo() throws IOException {
        write("stacks/web/compose.yaml", "services:\n  web:\n    image: busybox\n");
        write("prod.yaml", "name: prod\nsource: {repository: r, branch: prod, stacks_path: prod-only}\n");
        assertThat(validate(
                        repo.toString(),
                        "--environment-file",
                        repo.resolve("prod.yaml").toString()))
                .isZero();
        assertThat(out.toString()).contains("environment prod: prod-only/ is not in " + repo);
    }

    @Test
    void theSameEnvironmentTwiceFails() throws IOException {
        environments();
        write("other/dev.yaml", "name: dev\nsource: {repository: r, stacks_path: envs/dev/stacks}\n");
        assertThat(validate(
                        repo.toString(),
                        "--environments",
                        repo.resolve("environments").toString(),
                        "--environment-file",
                        repo.resolve("other/dev.yaml").toString()))
                .isEqualTo(1);
        assertThat(out.toString()).contains("environment dev is declared twice");
    }

    @Test
    void stacksPathWithEnvironmentFilesIsAUsageError() throws IOException {
        environments();
        assertThat(validate(
                        repo.toString(),
                        "--stacks-path",
                        "stacks",
                        "--environments",
                        repo.resolve("environments").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--stacks-path is for a repository without environment files");
    }

    @Test
    void theRepositorysOwnEnvironmentFilesValidate() {
        assertThat(validate(
                        Path.of("..").toString(),
                        "--environments",
                        Path.of("..", "environments").toString()))
                .as(out.toString())
                .isZero();
        assertThat(out.toString()).contains("3 environment files, 0 invalid");
    }
}
