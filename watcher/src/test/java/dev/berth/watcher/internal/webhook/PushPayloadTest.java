package dev.berth.watcher.internal.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PushPayloadTest {
    @Test
    void githubAndGiteaPayloadsNameTheRepositoryAndRef() {
        PushPayload push = parse("""
                {"ref":"refs/heads/main","repository":{"clone_url":"https://github.com/acme/config.git",
                 "ssh_url":"git@github.com:acme/config.git","html_url":"https://github.com/acme/config"}}
                """);
        assertThat(push.branch()).contains("main");
        assertThat(push.isFor("https://github.com/acme/config.git")).isTrue();
        assertThat(push.isFor("git@github.com:acme/config.git")).isTrue();
        assertThat(push.isFor("ssh://git@github.com:22/acme/config")).isTrue();
        assertThat(push.isFor("https://token@github.com/Acme/Config/")).isTrue();
        assertThat(push.isFor("https://github.com/acme/other.git")).isFalse();
    }

    @Test
    void gitlabPayloadsNameTheProject() {
        PushPayload push = parse("""
                {"ref":"refs/heads/prod","project":{"git_http_url":"https://gitlab.example/ops/config.git",
                 "git_ssh_url":"git@gitlab.example:ops/config.git"}}
                """);
        assertThat(push.branch()).contains("prod");
        assertThat(push.isFor("git@gitlab.example:ops/config.git")).isTrue();
    }

    @Test
    void aTagIsNoBranchAndAPayloadWithoutRepositoryMatchesAnySource() {
        PushPayload push = parse("{\"ref\":\"refs/tags/v1\"}");
        assertThat(push.branch()).isEmpty();
        assertThat(push.isFor("/srv/config")).isTrue();
    }

    @Test
    void aBodyThatIsNoJsonObjectIsRefusedSayingWhy() {
        assertThatThrownBy(() -> PushPayload.parse("not json".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("body is not valid JSON (line 1");
        assertThatThrownBy(() -> PushPayload.parse("{\"ref\":".getBytes(StandardCharsets.UTF_8), null))
                .hasMessageStartingWith("body is not valid JSON");
        assertThatThrownBy(() -> PushPayload.parse("[1]".getBytes(StandardCharsets.UTF_8), null))
                .hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> PushPayload.parse(new byte[0], null)).hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> PushPayload.parse(
                        "other=1".getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded"))
                .hasMessage("form body without a payload field");
    }

    @Test
    void localPathsAndFileUrlsCompareEqual() {
        PushPayload push = parse("{\"repository\":{\"clone_url\":\"file:///srv/config\"}}");
        assertThat(push.isFor("/srv/config")).isTrue();
    }

    @Test
    void githubFormBodiesCarryThePayloadField() {
        String json = "{\"ref\":\"refs/heads/main\"}";
        byte[] body = ("payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        assertThat(PushPayload.parse(body, "application/x-www-form-urlencoded").branch())
                .contains("main");
    }

    private static PushPayload parse(String json) {
        return PushPayload.parse(json.getBytes(StandardCharsets.UTF_8), "application/json");
    }
}
