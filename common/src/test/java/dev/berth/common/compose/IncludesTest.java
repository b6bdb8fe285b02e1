package dev.berth.common.compose;

import static dev.berth.common.compose.ComposeFeaturesTest.FILE;
import static dev.berth.common.compose.ComposeFeaturesTest.files;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compose's top-level include: other files' services and resources join the stack's, each with its own directory. */
class IncludesTest {
    private static ComposeStack parse(String yaml, StackFiles files) {
        return new ComposeParser(ComposePolicy.DEFAULT).parse(FILE, yaml, Map.of(), files, null);
    }

    private static ComposeException failure(String yaml, StackFiles files) {
        try {
            parse(yaml, files);
        } catch (ComposeException e) {
            return e;
        }
        throw new AssertionError("expected a ComposeException for:\n" + yaml);
    }

    @Test
    void includedServicesAndResourcesJoinWithTheirOwnDirectory() {
        StackFiles files = files(
                "stacks/db/compose.yaml",
                """
                include: [../cache/compose.yaml]
                services:
                  db:
                    image: postgres
                    volumes: [./data:/var/lib/postgresql/data, dbdata:/backup]
                    networks: [back]
                networks:
                  back: {}
                volumes:
                  dbdata: {}
                """,
                "stacks/cache/compose.yaml",
                "services:\n  cache:\n    image: redis\n    volumes: [./conf:/conf]\n",
                "stacks/cache/conf/redis.conf",
                "x");
        ComposeStack stack = parse("""
                include:
                  - ../db/compose.yaml
                services:
                  web:
                    image: nginx
                    depends_on: [db, cache]
                    networks: [back, default]
                """, files);
        assertThat(stack.services()).extracting(ServiceSpec::name).containsExactlyInAnyOrder("web", "db", "cache");
        assertThat(stack.service("db").orElseThrow().volumes())
                .extracting(ServiceSpec.Mount::source)
                .contains("stacks/db/data", "dbdata");
        assertThat(stack.service("cache").orElseThrow().volumes())
                .extracting(ServiceSpec.Mount::source)
                .containsExactly("stacks/cache/conf");
        assertThat(stack.networks()).containsKey("back");
        assertThat(stack.volumes()).containsKey("dbdata");
        assertThat(stack.usedPaths()).contains("stacks/db/compose.yaml", "stacks/cache/compose.yaml");
    }

    @Test
    void theLongFormTakesOneOrManyPaths() {
        StackFiles files = files(
                "stacks/web/a.yaml", "services:\n  a:\n    image: x\n",
                "stacks/web/b.yaml", "services:\n  b:\n    image: x\n");
        ComposeStack stack = parse("include:\n  - path: [a.yaml, b.yaml]\nservices:\n  web:\n    image: x\n", files);
        assertThat(stack.services()).extracting(ServiceSpec::name).containsExactlyInAnyOrder("web", "a", "b");
    }

    @Test
    void aCycleIsRefusedNamingItsFiles() {
        StackFiles files = files(
                "stacks/web/a.yaml", "include: [b.yaml]\nservices:\n  a:\n    image: x\n",
                "stacks/web/b.yaml", "include: [a.yaml]\nservices:\n  b:\n    image: x\n");
        ComposeException e = failure("include: [a.yaml]\nservices:\n  web:\n    image: x\n", files);
        assertThat(e.detail())
                .isEqualTo("include forms a cycle: stacks/web/a.yaml -> stacks/web/b.yaml -> stacks/web/a.yaml");
        assertThat(e.file()).isEqualTo("stacks/web/b.yaml");
        assertThat(e.line()).isEqualTo(1);
    }

    @Test
    void includingItselfIsACycle() {
        ComposeException e = failure("include: [compose.yaml]\nservices:\n  web:\n    image: x\n", StackFiles.EMPTY);
        assertThat(e.detail()).startsWith("include forms a cycle: stacks/web/compose.yaml -> stacks/web/compose.yaml");
    }

    @Test
    void aNameTwoFilesDeclareIsRefused() {
        StackFiles files = files("stacks/web/other.yaml", "services:\n  web:\n    image: y\n");
        ComposeException e = failure("include: [other.yaml]\nservices:\n  web:\n    image: x\n", files);
        assertThat(e.file()).isEqualTo("stacks/web/other.yaml");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.detail())
                .isEqualTo("services.web of stacks/web/other.yaml is also declared in stacks/web/compose.yaml;"
                        + " Compose refuses a name two included files declare: rename one");
    }

    @Test
    void otherBadIncludes() {
        assertThat(failure("include: [../../../etc/x.yaml]\nservices:\n  web:\n    image: x\n", StackFiles.EMPTY)
                        .detail())
                .contains("leaves the repository");
        assertThat(failure("include:\n  - env_file: x.env\nservices:\n  web:\n    image: x\n", StackFiles.EMPTY)
                        .detail())
                .contains("include: env_file is not supported by this version of Berth");
        assertThat(failure("include:\n  - file: x.yaml\nservices:\n  web:\n    image: x\n", StackFiles.EMPTY)
                        .detail())
                .contains("include: key \"file\" is not known; use path");
        assertThat(failure("include: x.yaml\nservices:\n  web:\n    image: x\n", StackFiles.EMPTY)
                        .detail())
                .contains("include");
        StackFiles bad = files("stacks/web/x.yaml", "secretz: {}\nservices:\n  a:\n    image: x\n");
        assertThat(failure("include: [x.yaml]\nservices:\n  web:\n    image: x\n", bad)
                        .detail())
                .contains("top-level key \"secretz\" of included file stacks/web/x.yaml");
    }

    @Test
    void includesNestAtMostSixteenDeep() {
        String[] files = new String[2 * 20];
        for (int i = 0; i < 20; i++) {
            files[2 * i] = "stacks/web/f" + i + ".yaml";
            files[2 * i + 1] = "include: [f" + (i + 1) + ".yaml]\nservices:\n  s" + i + ":\n    image: x\n";
        }
        ComposeException e = failure("include: [f0.yaml]\nservices:\n  web:\n    image: x\n", files(files));
        assertThat(e.detail()).startsWith("includes nest more than 16 files deep here");
    }
}
