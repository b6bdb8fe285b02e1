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
}
