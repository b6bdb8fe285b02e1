package dev.berth.common.compose;

import static dev.berth.common.compose.ComposeFeaturesTest.FILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile or absurd YAML (deep nesting, alias bombs, several documents, a huge file) is refused as
 * a {@link ComposeException} at its file, line and column, never a {@link StackOverflowError} or an
 * exhausted heap.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class YamlLimitsTest {
    private static final int DEEP = 5_000;

    private static ComposeException failure(String yaml) {
        ComposeException e = catchThrowableOfType(ComposeException.class, () -> new ComposeParser().parse(FILE, yaml));
        assertThat(e)
                .as("a ComposeException for:\n%s", yaml.length() > 300 ? yaml.substring(0, 300) : yaml)
                .isNotNull();
        assertThat(e.file()).isEqualTo(FILE);
        return e;
    }

    private static String service(String extra) {
        return "services:\n  web:\n    image: busybox:1.35\n" + extra;
    }

    @Test
    void deepFlowSequence() {
        ComposeException e = failure(service("    x-deep: " + "[".repeat(DEEP) + "]".repeat(DEEP) + "\n"));
        assertThat(e.line()).isEqualTo(4);
        // services, web, and 62 brackets are 64 levels; the 63rd bracket is the 65th.
        assertThat(e.column()).isEqualTo(13 + 61);
        assertThat(e.detail()).startsWith("values are nested more than 64 levels deep here");
    }

    @Test
    void deepFlowMapping() {
        ComposeException e = failure("x-deep: " + "{a: ".repeat(DEEP) + "1" + "}".repeat(DEEP) + "\nservices: {}\n");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.column()).isEqualTo(9 + 4 * 63);
        assertThat(e.detail()).contains("more than 64 levels");
    }

    @Test
    void deepBlockMapping() {
        StringBuilder yaml = new StringBuilder("services:\n  web:\n    image: busybox:1.35\nx-deep:\n");
        for (int i = 1; i < 100; i++) {
            yaml.append(" ".repeat(i)).append("k:\n");
        }
        ComposeException e = failure(yaml.toString());
        // x-deep's value is the 2nd level; the mapping at indent i is level i + 1, so the 65th is i = 64.
        assertThat(e.line()).isEqualTo(4 + 64);
        assertThat(e.column()).isEqualTo(65);
        assertThat(e.detail()).contains("more than 64 levels");
    }

    @Test
    void deepBlockSequence() {
        StringBuilder yaml = new StringBuilder("services:\n  web:\n    image: busybox:1.35\nx-deep:\n");
        for (int i = 0; i < 100; i++) {
            yaml.append(" ".repeat(2 * i)).append("-\n");
        }
        ComposeException e = failure(yaml.toString());
        assertThat(e.line()).isEqualTo(4 + 64);
        assertThat(e.detail()).contains("more than 64 levels");
    }

    @Test
    void nestingThroughAliases() {
        String level = "[".repeat(40) + "]".repeat(40);
        ComposeException e =
                failure(service("x-a: &a " + level + "\nx-b: " + "[".repeat(30) + "*a" + "]".repeat(30) + "\n"));
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.detail()).contains("counting the lists and mappings its aliases bring in");
    }

    @Test
    void billionLaughsWithLists() {
        StringBuilder yaml = new StringBuilder(service("x-l0: &l0 \"lol lol lol lol lol lol lol lol\"\n"));
        for (int i = 1; i <= 9; i++) {
            String previous = "*l" + (i - 1);
            yaml.append("x-l")
                    .append(i)
                    .append(": &l")
                    .append(i)
                    .append(" [")
                    .append(String.join(", ", Collections.nCopies(10, previous)))
                    .append("]\n");
        }
        ComposeException e = failure(yaml.toString());
        assertThat(e.detail()).contains("with its aliases written out, is larger than");
        assertThat(e.line()).isBetween(6, 13);
    }

    /** snakeyaml-engine applies {@code <<} as it reads, so merged keys collapse: no bomb, read at once. */
    @Test
    void mergeKeysOfMergeKeysCollapse() {
        StringBuilder yaml = new StringBuilder(service("x-m0: &m0 {a: \"" + "x".repeat(1000) + "\"}\n"));
        for (int i = 1; i <= 9; i++) {
            String previous = "*m" + (i - 1);
            yaml.append("x-m")
                    .append(i)
                    .append(": &m")
                    .append(i)
                    .append(" {<<: [")
                    .append(String.join(", ", Collections.nCopies(10, previous)))
                    .append("]}\n");
        }
        assertThat(new ComposeParser().parse(FILE, yaml.toString()).services()).hasSize(1);
    }

    @Test
    void billionLaughsWithListsInMergeKeys() {
        StringBuilder yaml = new StringBuilder(service("x-l0: &l0 [\"" + "x".repeat(100) + "\"]\n"));
        for (int i = 1; i <= 7; i++) {
            String previous = "*l" + (i - 1);
            yaml.append("x-l")
                    .append(i)
                    .append(": &l")
                    .append(i)
                    .append(" [")
                    .append(String.join(", ", Collections.nCopies(10, previous)))
                    .append("]\n");
        }
        yaml.append("x-m: &m {bomb: *l7}\nx-n: {<<: *m}\n");
        ComposeException e = failure(yaml.toString());
        assertThat(e.detail()).contains("with its aliases written out, is larger than");
    }

    @Test
    void scalarAliasesOfALargeValue() {
        String big = "x".repeat(500_000);
        ComposeException e = failure(service("    command: [&big \"" + big + "\"" + ", *big".repeat(20) + "]\n"));
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.column()).isEqualTo(14);
        assertThat(e.detail()).contains("with its aliases written out, is larger than");
    }

    @Test
    void tooManyAliasesOfCollections() {
        ComposeException e = failure(service("x-a: &a [1]\nx-b: [" + "*a, ".repeat(150) + "]\n"));
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.column()).isEqualTo(7 + 4 * 100);
        assertThat(e.detail()).startsWith("more than 100 aliases of lists or mappings (this is *a)");
    }

    @Test
    void aliasOfItself() {
        ComposeException e = failure(service("x-loop: &loop\n  self: *loop\n"));
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.column()).isEqualTo(9);
        assertThat(e.detail())
                .isEqualTo("*loop is inside the value &loop it refers to; a value cannot contain (or"
                        + " merge with <<) itself: refer to another anchor");
    }

    @Test
    void mergeOfItself() {
        ComposeException e = failure("services:\n  web: &web\n    image: x\n    <<: *web\n");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.column()).isEqualTo(9);
        assertThat(e.detail()).startsWith("*web is inside the value &web it refers to");
    }

    @Test
    void severalDocuments() {
        ComposeException e = failure(service("---\nservices:\n  evil:\n    image: x\n"));
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.detail()).startsWith("a second YAML document starts here");
    }

    @Test
    void tooLarge() {
        String line = "# " + "x".repeat(1021) + "\n"; // 1 KiB a line
        ComposeException e = failure(service(line.repeat(1025)));
        // Three lines of service, then the 1,048,577th character.
        assertThat(e.line()).isEqualTo(4 + (1024 * 1024 - service("").length()) / 1024);
        assertThat(e.detail()).contains("more than the limit of 1048576");
    }

    @Test
    void deepInterpolation() {
        ComposeException e =
                failure(service("    command: \"" + "${A:-".repeat(DEEP) + "x" + "}".repeat(DEEP) + "\"\n"));
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.detail())
                .contains("nests ${...} within the default or replacement of another more than 16 levels");
    }

    @Test
    void longExtendsChain() {
        StringBuilder yaml = new StringBuilder("services:\n  s0:\n    image: x\n");
        for (int i = 1; i < DEEP; i++) {
            yaml.append("  s").append(i).append(": {extends: s").append(i - 1).append("}\n");
        }
        ComposeException e = failure(yaml.toString());
        assertThat(e.detail()).contains("extends");
    }

    @Test
    void longDependsOnChain() {
        StringBuilder yaml = new StringBuilder("services:\n");
        for (int i = 0; i < 20_000; i++) {
            yaml.append("  s")
                    .append(i)
                    .append(": {image: x, depends_on: [s")
                    .append(i + 1)
                    .append("]}\n");
        }
        yaml.append("  s20000: {image: x}\n");
        assertThat(new ComposeParser().parse(FILE, yaml.toString()).services()).hasSize(20_001);
    }

    @Test
    void aFileJustUnderTheLimitsIsRead() {
        String level = "[".repeat(62) + "]".repeat(62);
        assertThat(new ComposeParser()
                        .parse(FILE, service("x-deep: " + level + "\n"))
                        .services())
                .hasSize(1);
    }
}
