package dev.berth.common.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DotEnvTest {
    @Test
    void readsTheFormsComposeReads() {
        assertThat(DotEnv.parse(".env", """
                # comment

                PLAIN=value
                export EXPORTED=yes
                SPACED = around  # a comment
                SINGLE='kept $literal # too'
                DOUBLE="line\\nnext \\"quoted\\""
                EMPTY=
                """))
                .containsEntry("PLAIN", "value")
                .containsEntry("EXPORTED", "yes")
                .containsEntry("SPACED", "around")
                .containsEntry("SINGLE", "kept $literal # too")
                .containsEntry("DOUBLE", "line\nnext \"quoted\"")
                .containsEntry("EMPTY", "")
                .hasSize(6);
    }

    @Test
    void badLinesNameTheirLine() {
        assertThatThrownBy(() -> DotEnv.parse("stacks/a/.env", "A=1\nnot a variable\n"))
                .isInstanceOf(ComposeException.class)
                .hasMessageStartingWith("stacks/a/.env:2:1: \"not a variable\" is not a variable");
        assertThatThrownBy(() -> DotEnv.parse(".env", "A='open\n")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> DotEnv.parse(".env", "1A=x\n")).hasMessageContaining("is not a variable");
    }

    @Test
    void envFileEntriesKeepBareNamesAndQuoting() {
        assertThat(DotEnv.entries("web.env", "A=1\nBARE\nC='lit $X'\nD=\"$Y\"\n", true))
                .containsExactly(
                        new DotEnv.Entry("A", "1", false, 1),
                        new DotEnv.Entry("BARE", null, false, 2),
                        new DotEnv.Entry("C", "lit $X", true, 3),
                        new DotEnv.Entry("D", "$Y", false, 4));
        assertThatThrownBy(() -> DotEnv.parse(".env", "BARE\n")).hasMessageContaining("is not a variable");
        assertThat(DotEnv.rawEntries("raw.env", "# c\nA=\"as is\" # kept\n"))
                .containsExactly(new DotEnv.Entry("A", "\"as is\" # kept", true, 2));
    }

    @Test
    void stackFilesRefuseTextOverOneMebibyte() {
        StackFiles files = new StackFiles(java.util.Map.of("big.env", new byte[StackFiles.MAX_TEXT_BYTES + 1]));
        assertThatThrownBy(() -> files.text("big.env"))
                .isInstanceOf(ComposeException.class)
                .hasMessage("big.env: file is larger than 1 MiB; Berth reads text files up to 1 MiB");
    }
}
