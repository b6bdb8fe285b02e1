package dev.berth.watcher.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The watcher's pure helpers: which changed paths a stack uses, and how an oversized stack is told. */
class ChangeDetectorTest {
    @Test
    void aUsedPathCoversItselfAndWhatIsUnderItButNotItsNamesakes() {
        List<String> changed = List.of(
                "shared/common.env", "shared/common.env.bak", "assets/html/index.html", "assets/htmlx/a", "README.md");

        assertThat(ChangeDetector.covered(changed, Set.of("shared/common.env", "assets/html")))
                .containsExactly("shared/common.env", "assets/html/index.html");
        assertThat(ChangeDetector.covered(changed, Set.of())).isEmpty();
        assertThat(ChangeDetector.covered(changed, Set.of("")))
                .as("the repository root")
                .hasSize(5);
    }

    @Test
    void sizesReadAsPeopleWriteThem() {
        assertThat(ChangeDetector.size(57)).isEqualTo("57 B");
        assertThat(ChangeDetector.size(1536)).isEqualTo("1.5 KiB");
        assertThat(ChangeDetector.size(8L * 1024 * 1024)).isEqualTo("8.0 MiB");
    }

    @Test
    void anOversizedStackNamesItsThreeLargestFilesAndTheLimit() {
        Map<String, Long> sizes = Map.of(
                "stacks/web/a.bin", 4L * 1024 * 1024,
                "stacks/web/b.bin", 4L * 1024 * 1024,
                "shared/c.bin", 2L * 1024 * 1024,
                "stacks/web/compose.yaml", 100L);

        assertThat(ChangeDetector.tooLarge(sizes, 10L * 1024 * 1024 + 100))
                .isEqualTo("the files this stack uses hold 10.0 MiB, more than the 8.0 MiB a change can carry;"
                        + " the largest are stacks/web/a.bin (4.0 MiB), stacks/web/b.bin (4.0 MiB), shared/c.bin"
                        + " (2.0 MiB): keep large files out of the stack's directory and of the paths its compose"
                        + " file names (build them into an image, or keep them in a volume)");
    }
}
