package dev.berth.cli;

import dev.berth.common.BerthException;
import dev.berth.common.event.EventCodec;
import dev.berth.notifier.Notifier;
import dev.berth.notifier.NotifierConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code berth notifier}: the notifier alone, reporting deployment outcomes from an external Kafka to
 * the webhooks of its flags and to the channels and routes of the environment files.
 */
@Command(
        name = "notifier",
        mixinStandardHelpOptions = true,
        description = {
            "Run the notifier alone: post every deployment event to webhooks and outcomes to Slack.",
            "Webhooks also come from $BERTH_WEBHOOKS and $BERTH_SLACK_WEBHOOKS (comma-separated URLs).",
            "With --environments or --environment-file it also delivers each environment's events to that"
                    + " file's notification channels and routes (of the environments --environment selects, else"
                    + " of all), as `berth run` does; the webhooks above are added for every environment (see"
                    + " docs/environments.md)."
        })
final class NotifierCommand implements Callable<Integer> {
    @Option(
            names = "--webhook",
            paramLabel = "<url>",
            description = "Post every deployment event as CloudEvents JSON to this URL (repeatable).")
    List<URI> webhooks = new ArrayList<>();

    @Option(
            names = "--slack-webhook",
            paramLabel = "<url>",
            description = "Post outcomes to this Slack-compatible incoming webhook (repeatable).")
    List<URI> slackWebhooks = new ArrayList<>();

    @Option(
            names = "--slack-webhook-file",
            paramLabel = "<file>",
            description = "A file with Slack-compatible webhook URLs, one a line (they hold a secret: prefer this"
                    + " to --slack-webhook, which shows in the process list). Never logged.")
    @Nullable
    Path slackWebhookFile;

    @Option(
            names = "--secrets-file",
            paramLabel = "<file>",
            description = "A file of NAME=value lines holding the secrets environment files name with {secret: NAME}"
                    + " (channel URLs, signing secrets, headers), else taken from Berth's environment. Values are"
                    + " never logged.")
    @Nullable
    Path secretsFile;

    @Option(
            names = "--environment",
            paramLabel = "<name>",
            description = "With environment files: deliver only this environment's routes of the files (repeatable;"
                    + " default: every environment they declare).")
    List<String> environments = new ArrayList<>();

    @Mixin
    ServiceOptions service = new ServiceOptions();

    @Mixin
    EnvironmentFileOptions environmentFiles = new EnvironmentFileOptions();

    @Override
    public Integer call() throws Exception {
        NotifierConfig config;
        try {
            Map<String, String> env = System.getenv();
            List<URI> hooks = new ArrayList<>(webhooks);
            hooks.addAll(urls("$BERTH_WEBHOOKS", env.getOrDefault("BERTH_WEBHOOKS", ""), ","));
            List<URI> slack = new ArrayList<>(slackWebhooks);
            slack.addAll(urls("$BERTH_SLACK_WEBHOOKS", env.getOrDefault("BERTH_SLACK_WEBHOOKS", ""), ","));
            if (slackWebhookFile != null) {
                slack.addAll(urls("--slack-webhook-file " + slackWebhookFile, read(slackWebhookFile), "\n"));
            }
            config = config(hooks, slack);
            service.opsAddress();
        } catch (BerthException e) {
            throw e instanceof Berth.UsageException ? e : new Berth.UsageException(e.getMessage());
        }
        return ServiceProcess.run("notifier", service, (kafka, registry, clock, process) -> {
            Notifier notifier = new Notifier(config, kafka, new EventCodec(), clock, registry);
            return new ServiceProcess.Component(notifier, notifier::isReady, notifier::isHealthy);
        });
    }

    /**
     * The notifier's channels and routes: the webhooks alone, or with those of the selected environments'
     * files, named {@code <environment>.<name>} as {@code berth run} names them.
     */
    NotifierConfig config(List<URI> hooks, List<URI> slack) {
        environmentFiles.requireFor(
                "--secrets-file",
                secretsFile != null,
                "holds the secrets environment files name (channel URLs, signing secrets, headers)");
        environmentFiles.requireFor(
                "--environment",
                !environments.isEmpty(),
                "selects environments of environment files (without files the notifier reports every"
                        + " environment's events to its webhooks)");
        if (!environmentFiles.given()) {
            return NotifierConfig.defaults().withWebhooks(hooks).withSlackWebhooks(slack);
        }
        List<EnvironmentFile> files = Environments.select(environmentFiles.read(), environments, "--environment");
        return Environments.notifier(files, HostSecrets.load(secretsFile, System.getenv()), hooks, slack);
    }

    /** The URLs of a separated list; blanks are skipped, a bad entry is named by position only. */
    static List<URI> urls(String source, String text, String separator) {
        List<URI> urls = new ArrayList<>();
        int position = 0;
        for (String part : text.split(separator, -1)) {
            position++;
            String url = part.strip();
            if (url.isEmpty() || url.startsWith("#")) {
                continue;
            }
            try {
                URI uri = new URI(url);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                    throw new URISyntaxException(url, "not http or https");
                }
                urls.add(uri);
            } catch (URISyntaxException e) {
                // A webhook URL may hold a token: the message names the entry, not its value.
                throw new Berth.UsageException(source + ": entry " + position
                        + " is not an http(s) URL: give URLs like https://hooks.example.com/berth");
            }
        }
        return urls;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new Berth.UsageException(
                    "cannot read " + file + " (" + e.getClass().getSimpleName() + "): give a readable file");
        }
    }
}
