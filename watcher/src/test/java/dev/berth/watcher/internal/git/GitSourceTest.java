package dev.berth.watcher.internal.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitSourceTest {
    @Test
    void localPathsAreMadeAbsolute() {
        GitSource source = GitSource.parse("config");

        assertThat(source.isLocal()).isTrue();
        assertThat(Path.of(source.url())).isAbsolute().endsWithRaw(Path.of("config"));
        assertThat(source.display()).isEqualTo("config");
    }

    @Test
    void aPasswordInTheUrlIsNeverShown() {
        GitSource source = GitSource.parse("https://alice:s3cret@git.example/config.git");

        assertThat(source.url()).contains("s3cret");
        assertThat(source.display()).isEqualTo("https://alice:***@git.example/config.git");
        assertThat(source.safeUrl()).isEqualTo("https://alice:***@git.example/config.git");
        assertThat(GitSource.parse("https://token@git.example/c.git").safeUrl())
                .isEqualTo("https://token@git.example/c.git");
    }

    @Test
    void schemes() {
        assertThat(GitSource.parse("https://git.example/c.git").scheme()).isEqualTo("https");
        assertThat(GitSource.parse("HTTP://git.example/c.git").scheme()).isEqualTo("http");
        assertThat(GitSource.parse("ssh://git@git.example:2222/c.git").scheme()).isEqualTo("ssh");
        assertThat(GitSource.parse("git@git.example:team/c.git").scheme()).isEqualTo("ssh");
        assertThat(GitSource.parse("file:///srv/config").scheme()).isEqualTo("file");
        assertThat(GitSource.parse("config").scheme()).isEqualTo("file");
    }

    @Test
    void fileUrlsAreLocal() {
        GitSource source = GitSource.parse("file:///srv/config");

        assertThat(source.localPath()).isEqualTo(Path.of("/srv/config"));
    }

    @Test
    void remoteUrls() {
        assertThat(GitSource.parse("https://git.example.com/acme/config.git").isLocal())
                .isFalse();
        assertThat(GitSource.parse("ssh://git@git.example.com/acme/config.git").isLocal())
                .isFalse();
        assertThat(GitSource.parse("git@git.example.com:acme/config.git").isLocal())
                .isFalse();
    }

    @Test
    void mirrorNamesAreReadableAndDifferPerUrlAndBranch() {
        GitSource source = GitSource.parse("https://git.example.com/acme/Config.git");

        assertThat(source.mirrorName("main")).matches("config-[0-9a-f]{12}\\.git");
        assertThat(source.mirrorName("main")).isNotEqualTo(source.mirrorName("prod"));
        assertThat(GitSource.parse("https://other.example.com/acme/Config.git").mirrorName("main"))
                .isNotEqualTo(source.mirrorName("main"));
        assertThat(GitSource.parse("git@host:acme/my repo.git").mirrorName("main"))
                .startsWith("my-repo-");
    }

    @Test
    void aMissingLocalRepositoryIsReported(@TempDir Path dir) {
        Path missing = dir.resolve("nope");

        assertThatThrownBy(() -> GitSource.parse(missing.toString()).requireLocalRepository())
                .isInstanceOf(BerthException.class)
                .hasMessage(
                        "repository " + missing + " does not exist: give --repo a path to a git repository or its URL");
    }

    @Test
    void aDirectoryThatIsNotARepositoryIsReported(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("README"), "hi");

        assertThatThrownBy(() -> GitSource.parse(dir.toString()).requireLocalRepository())
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("is not a git repository");
    }
}
