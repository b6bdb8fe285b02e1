package dev.berth.watcher.internal.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import dev.berth.common.RetriableBerthException;
import dev.berth.testkit.GitRepos;
import dev.berth.watcher.GitCredentials;
import dev.berth.watcher.fixtures.GitHttpServer;
import dev.berth.watcher.fixtures.GitSshServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ls-remote and fetch with credentials over real HTTP (basic auth) and SSH (key auth) servers on 127.0.0.1. */
class GitTransportIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String PASSWORD = "canary-pw-3b1f9e";

    @TempDir
    Path dir;

    private GitRepos repo;

    @BeforeEach
    void createRepository() {
        repo = GitRepos.create();
        repo.write("stacks/web/compose.yaml", "services: {}\n");
        repo.commit("Alice", "one");
    }

    @AfterEach
    void deleteRepository() {
        repo.close();
    }

    private GitMirror mirror(String url, GitCredentials credentials) {
        GitSource source = GitSource.parse(url);
        return GitMirror.open(
                source, "main", dir.resolve("mirrors"), GitTransport.of(source, credentials, dir.resolve("ssh")));
    }

    @Test
    void httpWithBasicAuth() throws Exception {
        try (GitHttpServer server = new GitHttpServer(repo.path(), "alice", PASSWORD)) {
            server.start();
            try (GitMirror mirror = mirror(server.url(), GitCredentials.userPassword("alice", PASSWORD))) {
                assertThat(mirror.remoteHead("main", TIMEOUT)).contains(repo.head());
                mirror.fetch(TIMEOUT);
                assertThat(mirror.head("main")).contains(repo.head());
            }
            try (GitMirror mirror = mirror(server.url(), GitCredentials.token("alice", PASSWORD))) {
                assertThat(mirror.remoteHead("main", TIMEOUT)).contains(repo.head());
            }
        }
    }

    @Test
    void httpWrongPasswordIsAClearErrorWithoutTheSecret() throws Exception {
        try (GitHttpServer server = new GitHttpServer(repo.path(), "alice", "right-one")) {
            server.start();
            try (GitMirror mirror = mirror(server.url(), GitCredentials.userPassword("alice", PASSWORD))) {
                assertThatThrownBy(() -> mirror.remoteHead("main", TIMEOUT))
                        .isInstanceOf(RetriableBerthException.class)
                        .hasMessageContaining("check the credentials")
                        .satisfies(e -> assertThat(fullText(e)).doesNotContain(PASSWORD));
                assertThatThrownBy(() -> mirror.fetch(TIMEOUT))
                        .isInstanceOf(RetriableBerthException.class)
                        .satisfies(e -> assertThat(fullText(e)).doesNotContain(PASSWORD));
            }
            assertThat(server.refusedLogins()).isPositive();
            try (GitMirror mirror = mirror(server.url(), GitCredentials.none())) {
                assertThatThrownBy(() -> mirror.remoteHead("main", TIMEOUT)).hasMessageContaining("needs credentials");
            }
        }
    }

    @Test
    void passwordInTheUrlIsNeverShown() throws Exception {
        try (GitHttpServer server = new GitHttpServer(repo.path(), "alice", "right-one")) {
            server.start();
            String url = server.url().replace("http://", "http://alice:" + PASSWORD + "@");
            GitSource source = GitSource.parse(url);
            assertThat(source.display()).doesNotContain(PASSWORD);
            assertThat(source.safeUrl()).doesNotContain(PASSWORD).contains("alice:***@");
            try (GitMirror mirror = mirror(url, GitCredentials.none())) {
                assertThatThrownBy(() -> mirror.fetch(TIMEOUT))
                        .satisfies(e -> assertThat(fullText(e)).doesNotContain(PASSWORD));
            }
        }
    }

    @Test
    void httpServerDownThenUp() throws Exception {
        try (GitHttpServer server = new GitHttpServer(repo.path(), "alice", PASSWORD)) {
            server.start();
            try (GitMirror mirror = mirror(server.url(), GitCredentials.userPassword("alice", PASSWORD))) {
                mirror.fetch(TIMEOUT);
                server.stop();
                assertThatThrownBy(() -> mirror.remoteHead("main", TIMEOUT))
                        .isInstanceOf(RetriableBerthException.class);
                repo.write("stacks/web/compose.yaml", "services: {web: {image: busybox:1.35}}\n");
                String second = repo.commit("Bob", "two");
                server.start();
                assertThat(mirror.remoteHead("main", TIMEOUT)).contains(second);
                mirror.fetch(TIMEOUT);
                assertThat(mirror.head("main")).contains(second);
            }
        }
    }

    @Test
    void sshWithKeyAndStrictKnownHosts() throws Exception {
        try (GitSshServer server = new GitSshServer(repo.path())) {
            server.start();
            Path key = server.writeUserKey(dir.resolve("id_rsa"), null);
            Path knownHosts = server.writeKnownHosts(dir.resolve("known_hosts"), true);
            try (GitMirror mirror = mirror(server.url(), GitCredentials.sshKey(key, null, knownHosts))) {
                assertThat(mirror.remoteHead("main", TIMEOUT)).contains(repo.head());
                mirror.fetch(TIMEOUT);
                assertThat(mirror.head("main")).contains(repo.head());
            }

            Path encrypted = server.writeUserKey(dir.resolve("id_rsa_enc"), PASSWORD);
            try (GitMirror mirror = mirror(server.url(), GitCredentials.sshKey(encrypted, PASSWORD, knownHosts))) {
                assertThat(mirror.remoteHead("main", TIMEOUT)).contains(repo.head());
            }

            Path otherHost = server.writeKnownHosts(dir.resolve("known_hosts_other"), false);
            try (GitMirror mirror = mirror(server.url(), GitCredentials.sshKey(key, null, otherHost))) {
                assertThatThrownBy(() -> mirror.remoteHead("main", TIMEOUT))
                        .as("a host key not in known_hosts is refused")
                        .isInstanceOf(RetriableBerthException.class);
            }
            try (GitMirror mirror =
                    mirror(server.url(), GitCredentials.sshKey(encrypted, "wrong-" + PASSWORD, knownHosts))) {
                assertThatThrownBy(() -> mirror.remoteHead("main", TIMEOUT))
                        .isInstanceOf(RetriableBerthException.class)
                        .satisfies(e -> assertThat(fullText(e)).doesNotContain(PASSWORD));
            }
        }
    }

    @Test
    void credentialsThatDoNotSuitTheUrlAreRefusedAtOnce() {
        assertThatThrownBy(() ->
                        GitTransport.of(GitSource.parse("ssh://git@127.0.0.1/r.git"), GitCredentials.token("t"), dir))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("not an http(s):// URL");
        assertThatThrownBy(() -> GitTransport.of(
                        GitSource.parse("https://127.0.0.1/r.git"),
                        GitCredentials.sshKey(dir.resolve("k"), null, dir.resolve("kh")),
                        dir))
                .hasMessageContaining("not an SSH URL");
        assertThatThrownBy(() -> GitTransport.of(
                        GitSource.parse("git@127.0.0.1:r.git"),
                        GitCredentials.sshKey(dir.resolve("missing"), null, dir.resolve("kh")),
                        dir))
                .hasMessageContaining("SSH private key");
    }

    private static String fullText(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }
}
