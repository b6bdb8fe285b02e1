package dev.berth.deployer.corpus;

import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import java.util.Locale;
import java.util.Optional;

/** Parses corpus stacks as the deployer does, and tells a feature Berth refuses as not landed from a bug. */
final class Parsing {
    private Parsing() {}

    /** The stack parsed as the deployer parses it: deployer mode, with the host's variables. */
    static ComposeStack parse(CorpusStack stack, ComposePolicy policy, String composeFile) {
        return new ComposeParser(policy)
                .parse(
                        stack.repoPath(composeFile),
                        stack.text(composeFile),
                        stack.variables(),
                        stack.files(),
                        stack.hostVariables());
    }

    /** Why the parser refuses the stack because Berth does not support something yet, if that is why. */
    static Optional<String> notLanded(ComposeException e) {
        String message = e.getMessage().toLowerCase(Locale.ROOT);
        return message.contains("not supported by this version of berth") || message.contains("not supported yet")
                ? Optional.of("the parser does not support it yet: " + e.getMessage())
                : Optional.empty();
    }
}
