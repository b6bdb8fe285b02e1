package dev.berth.common;

import java.time.Instant;
import java.util.Objects;

/** The config-repo commit a change comes from. */
public record Commit(String sha, String author, String message, Instant time) {
    public Commit {
        Objects.requireNonNull(sha, "sha");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(time, "time");
    }

    /** The first seven characters of the sha, as git shows it. */
    public String shortSha() {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }

    /** The first line of the message. */
    public String subjectLine() {
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
