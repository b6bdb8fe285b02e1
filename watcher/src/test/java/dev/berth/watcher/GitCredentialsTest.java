package dev.berth.watcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GitCredentialsTest {
    private static final String CANARY = "canary-s3cr3t-7f2a";

    @Test
    void toStringNeverShowsASecret() {
        assertThat(GitCredentials.token(CANARY).toString())
                .doesNotContain(CANARY)
                .contains("x-access-token");
        assertThat(GitCredentials.token("oauth2", CANARY).toString()).doesNotContain(CANARY);
        assertThat(GitCredentials.userPassword("alice", CANARY).toString())
                .doesNotContain(CANARY)
                .contains("alice");
        assertThat(GitCredentials.sshKey(Path.of("/k/id_ed25519"), CANARY, Path.of("/k/known_hosts"))
                        .toString())
                .doesNotContain(CANARY)
                .contains("id_ed25519");
        WatcherConfig config = WatcherConfig.of("https://git.example/r.git", "prod", Path.of("/data"))
                .withCredentials(GitCredentials.userPassword("alice", CANARY));
        assertThat(config.toString()).doesNotContain(CANARY);
    }

    @Test
    void defaultsAndKinds() {
        WatcherConfig config = WatcherConfig.of("/repo", "prod", Path.of("/data"));
        assertThat(config.credentials()).isEqualTo(GitCredentials.none());
        assertThat(config.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(GitCredentials.token("t").isHttp()).isTrue();
        assertThat(GitCredentials.none().isHttp()).isFalse();
    }

    @Test
    void emptySecretsAreRefused() {
        assertThatThrownBy(() -> GitCredentials.token(" ")).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> GitCredentials.userPassword("", "p")).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> GitCredentials.userPassword("u", "")).isInstanceOf(BerthException.class);
    }
}
