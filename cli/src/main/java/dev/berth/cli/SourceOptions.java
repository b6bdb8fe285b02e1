package dev.berth.cli;

import dev.berth.watcher.WatcherConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** What a watcher follows besides its repository: {@code --branch} and {@code --poll-interval}. */
final class SourceOptions {
    @Option(
            names = "--branch",
            defaultValue = WatcherConfig.DEFAULT_BRANCH,
            paramLabel = "<branch>",
            description = "Branch to follow (default: ${DEFAULT-VALUE}).")
    String branch = WatcherConfig.DEFAULT_BRANCH;

    @Option(
            names = "--poll-interval",
            defaultValue = "10s",
            paramLabel = "<duration>",
            converter = DurationConverter.class,
            description = "How often to look for new commits, like 10s or 1m (default: ${DEFAULT-VALUE}).")
    Duration pollInterval = WatcherConfig.DEFAULT_POLL_INTERVAL;
}
