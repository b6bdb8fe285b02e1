package dev.berth.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.BerthException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NotifierConfigTest {
    private static final URI SLACK = URI.create("https://hooks.slack.com/services/T0/B0/secrettoken");

    @Test
    void hasNamedDefaults() {
        NotifierConfig config = NotifierConfig.defaults();
        assertThat(config.channels()).isEmpty();
        assertThat(config.routes()).isEmpty();
        assertThat(config.webhooks()).isEmpty();
        assertThat(config.slackWebhooks()).isEmpty();
        assertThat(config.groupId()).isEqualTo("berth-notifier");
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.maxAttempts()).isEqualTo(NotifierConfig.DEFAULT_MAX_ATTEMPTS);
        assertThat(config.floodWindow()).isEqualTo(NotifierConfig.DEFAULT_FLOOD_WINDOW);
    }

    @Test
    void flagsBecomeChannelsWithACatchAllRoute() {
        NotifierConfig config = NotifierConfig.defaults()
                .withWebhooks(List.of(URI.create("http://127.0.0.1:9000/hook")))
                .withSlackWebhooks(List.of(SLACK, URI.create("https://chat.example.com/hooks/x")));
        assertThat(config.webhooks()).containsExactly(URI.create("http://127.0.0.1:9000/hook"));
        assertThat(config.slackWebhooks()).hasSize(2);
        assertThat(config.channels())
                .extracting(ChannelConfig::name)
                .containsExactly("webhook-1", "slack-1", "slack-2");
        RouteConfig slack = config.routes().stream()
                .filter(r -> r.name().equals(NotifierConfig.FLAG_SLACK_ROUTE))
                .findFirst()
                .orElseThrow();
        assertThat(slack.channels()).containsExactly("slack-1", "slack-2");
        assertThat(slack.matches("prod", EventKind.FAILED)).isTrue();
        assertThat(slack.matches("prod", EventKind.SERVICE)).isFalse();
        RouteConfig hooks = config.routes().stream()
                .filter(r -> r.name().equals(NotifierConfig.FLAG_WEBHOOK_ROUTE))
                .findFirst()
                .orElseThrow();
        assertThat(hooks.matches("dev", EventKind.SERVICE)).isTrue();
        assertThat(hooks.matches("dev", EventKind.CHANGED)).isFalse();
        // Replacing the flags keeps what came from files.
        NotifierConfig again = config.withChannelsAndRoutes(
                        append(config.channels(), new ChannelConfig("ops", ChannelType.TEAMS, SLACK)), config.routes())
                .withSlackWebhooks(List.of());
        assertThat(again.channels()).extracting(ChannelConfig::name).containsExactly("webhook-1", "ops");
        assertThat(again.routes()).extracting(RouteConfig::name).containsExactly(NotifierConfig.FLAG_WEBHOOK_ROUTE);
    }

    private static <T> List<T> append(List<T> list, T item) {
        var copy = new java.util.ArrayList<>(list);
        copy.add(item);
        return copy;
    }

    @Test
    void refusesOtherSchemesNamingTheOptionButNotThePath() {
        assertThatThrownBy(() -> NotifierConfig.defaults().withWebhooks(List.of(URI.create("ftp://example.com/x"))))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("--webhook")
                .hasMessageContaining("ftp://example.com/…");
        assertThatThrownBy(() -> NotifierConfig.defaults().withSlackWebhooks(List.of(URI.create("hooks.slack.com/x"))))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("--slack-webhook")
                .hasMessageContaining("hooks.slack.com/…");
    }

    @Test
    void refusesARouteNamingAnUnknownChannel() {
        ChannelConfig ops = new ChannelConfig("ops", ChannelType.SLACK, SLACK);
        RouteConfig route = RouteConfig.catchAll("everything", List.of("ops", "opps"));
        assertThatThrownBy(() -> NotifierConfig.defaults().withChannelsAndRoutes(List.of(ops), List.of(route)))
                .isInstanceOf(BerthException.class)
                .hasMessage("notifications.routes.everything.channels: unknown channel \"opps\"; defined channels:"
                        + " [ops]");
    }

    @Test
    void refusesATemplateThatDoesNotCompileNamingTheRoute() {
        assertThatThrownBy(() -> new RouteConfig(
                        "prod-failures",
                        Set.of("prod"),
                        Set.of(EventKind.FAILED),
                        Severity.INFO,
                        List.of("ops"),
                        "{{#changes}} {{.}}\n{{/change}}"))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("notifications.routes.prod-failures.template")
                .hasMessageContaining("does not compile");
    }

    @Test
    void refusesDuplicatesAndBadChannels() {
        ChannelConfig ops = new ChannelConfig("ops", ChannelType.SLACK, SLACK);
        assertThatThrownBy(() -> NotifierConfig.defaults().withChannelsAndRoutes(List.of(ops, ops), List.of()))
                .hasMessageContaining("\"ops\" is defined twice");
        assertThatThrownBy(() -> new ChannelConfig("ops", ChannelType.SLACK, SLACK, "0123456789abcdef0", Map.of()))
                .hasMessageContaining("notifications.channels.ops.signing_secret");
        assertThatThrownBy(() -> new ChannelConfig("hook", ChannelType.WEBHOOK, SLACK, "short", Map.of()))
                .hasMessageContaining("too short")
                .message()
                .doesNotContain("short\"");
        assertThatThrownBy(() ->
                        new ChannelConfig("hook", ChannelType.WEBHOOK, SLACK, null, Map.of("X-Berth-Signature", "x")))
                .hasMessageContaining("set by the notifier");
        assertThatThrownBy(() -> new ChannelConfig("bad name", ChannelType.WEBHOOK, SLACK))
                .hasMessageContaining("invalid channel name");
        assertThatThrownBy(() -> ChannelType.parse("notifications.channels.x.type", "telegram"))
                .hasMessageContaining("unknown channel type \"telegram\"")
                .hasMessageContaining("slack, teams, discord, mattermost, webhook");
        assertThat(EventKind.parse("events", "rolled_back")).isEqualTo(EventKind.ROLLED_BACK);
        assertThat(EventKind.parse("events", "Watcher-Error")).isEqualTo(EventKind.WATCHER_ERROR);
    }

    @Test
    void neverShowsSecretsInToString() {
        ChannelConfig hook = new ChannelConfig(
                "hook", ChannelType.WEBHOOK, SLACK, "canary-secret-0123456789", Map.of("Authorization", "Bearer tok"));
        assertThat(hook.toString())
                .doesNotContain("secrettoken")
                .doesNotContain("canary-secret")
                .doesNotContain("Bearer tok")
                .contains("hook", "webhook", "https://hooks.slack.com");
    }

    @Test
    void refusesNonsenseLimits() {
        assertThatThrownBy(() -> NotifierConfig.defaults().withMaxAttempts(0))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("max attempts")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> NotifierConfig.defaults().withRequestTimeout(Duration.ZERO))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("request timeout");
        assertThatThrownBy(() -> NotifierConfig.defaults().withGroupId(" "))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("group id");
        assertThatThrownBy(() -> NotifierConfig.defaults().withBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("max_backoff");
        assertThatThrownBy(() -> NotifierConfig.defaults().withCommitUrlTemplate("https://git.example.com/c/"))
                .hasMessageContaining("{sha}");
    }
}
