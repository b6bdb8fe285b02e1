package dev.berth.watcher.internal.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.watcher.internal.webhook.SignatureVerifier.Outcome;
import dev.berth.watcher.internal.webhook.SignatureVerifier.Provider;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class SignatureVerifierTest {
    private static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    /** GitHub's documented example: this secret and body give this signature. */
    private static final String GITHUB_EXAMPLE =
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T12:00:00Z"));
    private final SignatureVerifier verifier = new SignatureVerifier(SECRET, clock);

    @Test
    void githubSignatureMatchesTheDocumentedExample() {
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE, "X-GitHub-Delivery", "d1"), null))
                .isEqualTo(Outcome.VALID);
        assertThat(verifier.sign(BODY)).isEqualTo(GITHUB_EXAMPLE.substring(7));
    }

    @Test
    void githubWrongMissingMalformedAndReplayed() {
        String wrong = "sha256=" + "0".repeat(64);
        assertThat(verify(Map.of("X-Hub-Signature-256", wrong, "X-GitHub-Delivery", "d1"), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(verify(Map.of("X-Hub-Signature-256", "sha256=zz", "X-GitHub-Delivery", "d1"), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(verify(Map.of("X-GitHub-Delivery", "d1"), null)).isEqualTo(Outcome.UNSIGNED);
        // A wrong signature did not use up the delivery id.
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE, "X-GitHub-Delivery", "d1"), null))
                .isEqualTo(Outcome.VALID);
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE, "X-GitHub-Delivery", "d1"), null))
                .isEqualTo(Outcome.REPLAYED);
    }

    @Test
    void aReplayIsRecognisedByItsSignedPayloadWhateverItsUnsignedHeadersSay() {
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE, "X-GitHub-Delivery", "d1"), null))
                .isEqualTo(Outcome.VALID);
        // An attacker can change or drop the unsigned delivery id without breaking the signature.
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE, "X-GitHub-Delivery", "d2"), null))
                .isEqualTo(Outcome.REPLAYED);
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE), null)).isEqualTo(Outcome.REPLAYED);
        // The same body signed in Gitea's format is the same payload.
        assertThat(verify(Map.of("X-Gitea-Signature", verifier.sign(BODY), "X-Gitea-Delivery", "g9"), null))
                .isEqualTo(Outcome.REPLAYED);
        byte[] next = "Hello, World! (second push)".getBytes(StandardCharsets.UTF_8);
        Map<String, String> signedNext = Map.of("X-Hub-Signature-256", "sha256=" + verifier.sign(next));
        assertThat(verifier.verify(lookup(signedNext), next, null).outcome()).isEqualTo(Outcome.VALID);
        assertThat(verifier.verify(lookup(signedNext), next, null).outcome()).isEqualTo(Outcome.REPLAYED);
    }

    @Test
    void aSignatureOverAnotherBodyIsWrong() {
        String other = "sha256=" + verifier.sign("Hello, World?".getBytes(StandardCharsets.UTF_8));
        assertThat(verify(Map.of("X-Hub-Signature-256", other), null)).isEqualTo(Outcome.BAD_SIGNATURE);
    }

    @Test
    void gitlabTokenCorrectWrongMissingAndReplayed() {
        String token = new String(SECRET, StandardCharsets.UTF_8);
        assertThat(verify(Map.of("X-Gitlab-Token", token, "X-Gitlab-Event-UUID", "u1"), null))
                .isEqualTo(Outcome.VALID);
        assertThat(verify(Map.of("X-Gitlab-Token", token, "X-Gitlab-Event-UUID", "u1"), null))
                .isEqualTo(Outcome.REPLAYED);
        assertThat(verify(Map.of("X-Gitlab-Token", token + "x", "X-Gitlab-Event-UUID", "u2"), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(verify(Map.of("X-Gitlab-Token", "", "X-Gitlab-Event-UUID", "u2"), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(verify(Map.of("X-Gitlab-Event-UUID", "u2"), Provider.GITLAB)).isEqualTo(Outcome.UNSIGNED);
    }

    @Test
    void giteaAndForgejoSignaturesCorrectWrongMissingAndReplayed() {
        String hex = verifier.sign(BODY);
        assertThat(verify(Map.of("X-Gitea-Signature", hex, "X-Gitea-Delivery", "g1"), null))
                .isEqualTo(Outcome.VALID);
        assertThat(verify(Map.of("X-Gitea-Signature", hex, "X-Gitea-Delivery", "g1"), null))
                .isEqualTo(Outcome.REPLAYED);
        byte[] other = "another push".getBytes(StandardCharsets.UTF_8);
        assertThat(verifier.verify(
                                lookup(Map.of("X-Forgejo-Signature", verifier.sign(other), "X-Forgejo-Delivery", "f1")),
                                other,
                                Provider.GITEA)
                        .outcome())
                .isEqualTo(Outcome.VALID);
        assertThat(verify(Map.of("X-Forgejo-Signature", hex.replace('a', 'b'), "X-Forgejo-Delivery", "f2"), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(verify(Map.of("X-Gitea-Delivery", "g2"), Provider.GITEA)).isEqualTo(Outcome.UNSIGNED);
    }

    @Test
    void aProviderPathRequiresThatProvidersHeader() {
        String token = new String(SECRET, StandardCharsets.UTF_8);
        assertThat(verify(Map.of("X-Gitlab-Token", token), Provider.GITHUB)).isEqualTo(Outcome.UNSIGNED);
        assertThat(verify(Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE), Provider.GITLAB))
                .isEqualTo(Outcome.UNSIGNED);
    }

    @Test
    void genericSignatureCoversTimestampAndBody() {
        String ts = Long.toString(clock.instant().getEpochSecond());
        String sig = "sha256=" + verifier.sign((ts + ".").getBytes(StandardCharsets.UTF_8), BODY);
        assertThat(verify(Map.of("X-Berth-Signature", sig, "X-Berth-Timestamp", ts), null))
                .isEqualTo(Outcome.VALID);
        assertThat(verify(Map.of("X-Berth-Signature", sig, "X-Berth-Timestamp", ts), null))
                .isEqualTo(Outcome.REPLAYED);
        String later = Long.toString(clock.instant().getEpochSecond() + 1);
        assertThat(verify(Map.of("X-Berth-Signature", sig, "X-Berth-Timestamp", later), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(verify(Map.of("X-Berth-Signature", sig), null)).isEqualTo(Outcome.UNSIGNED);
        String bodyOnly = "sha256=" + verifier.sign(BODY);
        assertThat(verify(Map.of("X-Berth-Signature", bodyOnly, "X-Berth-Timestamp", later), null))
                .isEqualTo(Outcome.BAD_SIGNATURE);
    }

    @Test
    void genericSignatureOlderThanFiveMinutesIsStale() {
        long sent = clock.instant().getEpochSecond();
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        String ts = Long.toString(sent);
        String sig = "sha256=" + verifier.sign((ts + ".").getBytes(StandardCharsets.UTF_8), BODY);
        assertThat(verify(Map.of("X-Berth-Signature", sig, "X-Berth-Timestamp", ts), null))
                .isEqualTo(Outcome.STALE);
        String future = Long.toString(clock.instant().getEpochSecond() + 600);
        String futureSig = "sha256=" + verifier.sign((future + ".").getBytes(StandardCharsets.UTF_8), BODY);
        assertThat(verify(Map.of("X-Berth-Signature", futureSig, "X-Berth-Timestamp", future), null))
                .isEqualTo(Outcome.STALE);
        String fresh = Long.toString(clock.instant().getEpochSecond() - 290);
        String freshSig = "sha256=" + verifier.sign((fresh + ".").getBytes(StandardCharsets.UTF_8), BODY);
        assertThat(verify(Map.of("X-Berth-Signature", freshSig, "X-Berth-Timestamp", fresh), null))
                .isEqualTo(Outcome.VALID);
    }

    @Test
    void rememberedDeliveriesExpireAndAreBounded() {
        Map<String, String> headers = Map.of("X-Hub-Signature-256", GITHUB_EXAMPLE, "X-GitHub-Delivery", "d1");
        assertThat(verify(headers, null)).isEqualTo(Outcome.VALID);
        clock.advance(SignatureVerifier.REPLAY_WINDOW.plusSeconds(1));
        assertThat(verify(headers, null)).isEqualTo(Outcome.VALID);
        clock.advance(SignatureVerifier.REPLAY_WINDOW.minusSeconds(1));
        assertThat(verify(headers, null)).isEqualTo(Outcome.REPLAYED);
        for (int i = 0; i < SignatureVerifier.MAX_REMEMBERED + 50; i++) {
            byte[] body = ("push " + i).getBytes(StandardCharsets.UTF_8);
            assertThat(verifier.verify(
                                    lookup(Map.of("X-Hub-Signature-256", "sha256=" + verifier.sign(body))), body, null)
                            .outcome())
                    .isEqualTo(Outcome.VALID);
        }
        assertThat(verifier.remembered()).isEqualTo(SignatureVerifier.MAX_REMEMBERED);
        // The oldest were forgotten first: the first of the loop is new again, the last is not.
        byte[] first = "push 0".getBytes(StandardCharsets.UTF_8);
        byte[] last = ("push " + (SignatureVerifier.MAX_REMEMBERED + 49)).getBytes(StandardCharsets.UTF_8);
        assertThat(verifier.verify(lookup(Map.of("X-Hub-Signature-256", "sha256=" + verifier.sign(first))), first, null)
                        .outcome())
                .isEqualTo(Outcome.VALID);
        assertThat(verifier.verify(lookup(Map.of("X-Hub-Signature-256", "sha256=" + verifier.sign(last))), last, null)
                        .outcome())
                .isEqualTo(Outcome.REPLAYED);
    }

    private Outcome verify(Map<String, String> headers, @Nullable Provider required) {
        return verifier.verify(lookup(headers), BODY, required).outcome();
    }

    private static Function<String, @Nullable String> lookup(Map<String, String> headers) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        return byName::get;
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
