package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.scalar;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/** A service's {@code pull_policy} and {@code platform}: which image the deployer fetches, and when. Stateless. */
final class ImageReader {
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9_]+(/[a-z0-9_]+(/[a-z0-9_.]+)?)?");
    private static final Pattern EVERY_PART = Pattern.compile("(\\d+)([wdhms])");
    private static final String ALLOWED =
            "always, never, missing, if_not_present, build, daily, weekly or every_<duration> (like every_12h)";

    private ImageReader() {}

    static @Nullable String platform(@Nullable NodeTuple tuple, String where) {
        if (tuple == null) {
            return null;
        }
        Node node = tuple.getValueNode();
        String platform = scalar(node, where + ": platform").strip();
        if (!PLATFORM.matcher(platform).matches()) {
            throw error(
                    node,
                    where + ": platform \"" + platform + "\" is not os[/arch[/variant]], like linux/amd64 or"
                            + " linux/arm64/v8");
        }
        return platform;
    }

    /**
     * {@code pull_policy}, with Compose's values; {@code build} needs a {@code build} section. A service
     * that builds is built from the repository whatever its policy, as {@code build} says.
     */
    static PullPolicy pull(StackContext context, Map<String, NodeTuple> keys, String where) {
        NodeTuple tuple = keys.get("pull_policy");
        if (tuple == null) {
            return keys.containsKey("build") ? new PullPolicy(PullPolicy.Mode.BUILD, null) : PullPolicy.MISSING;
        }
        Node node = tuple.getValueNode();
        String value = scalar(node, where + ": pull_policy").strip();
        PullPolicy policy = switch (value) {
            case "always" -> new PullPolicy(PullPolicy.Mode.ALWAYS, null);
            case "never" -> new PullPolicy(PullPolicy.Mode.NEVER, null);
            case "missing", "if_not_present" -> PullPolicy.MISSING;
            case "build" -> new PullPolicy(PullPolicy.Mode.BUILD, null);
            case "daily" -> new PullPolicy(PullPolicy.Mode.REFRESH, Duration.ofDays(1));
            case "weekly" -> new PullPolicy(PullPolicy.Mode.REFRESH, Duration.ofDays(7));
            default -> {
                if (value.startsWith("every_")) {
                    yield new PullPolicy(PullPolicy.Mode.REFRESH, every(node, value, where));
                }
                throw error(node, where + ": pull_policy \"" + value + "\" is not valid: use " + ALLOWED);
            }
        };
        if (policy.mode() == PullPolicy.Mode.BUILD && !keys.containsKey("build")) {
            throw error(node, where + ": pull_policy build needs a build section to build the image from");
        }
        if (keys.containsKey("build") && policy.mode() != PullPolicy.Mode.BUILD) {
            context.warn(
                    node,
                    where + ": pull_policy " + value + " is ignored: a service with a build section is built from"
                            + " the repository at each change, as pull_policy build does");
            return new PullPolicy(PullPolicy.Mode.BUILD, null);
        }
        return policy;
    }

    /** {@code every_<duration>}: weeks, days, hours, minutes and seconds, like {@code every_1w2d} or {@code every_12h}. */
    private static Duration every(Node node, String value, String where) {
        String text = value.substring("every_".length());
        Matcher m = EVERY_PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long amount = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "w" -> Duration.ofDays(7 * amount);
                        case "d" -> Duration.ofDays(amount);
                        case "h" -> Duration.ofHours(amount);
                        case "m" -> Duration.ofMinutes(amount);
                        default -> Duration.ofSeconds(amount);
                    });
            end = m.end();
        }
        if (text.isEmpty() || end != text.length() || total.isZero()) {
            throw error(
                    node,
                    where + ": pull_policy \"" + value + "\" is not valid: every_ takes a duration in w, d, h, m and s,"
                            + " like every_12h or every_1w2d; the policies are " + ALLOWED);
        }
        return total;
    }
}
