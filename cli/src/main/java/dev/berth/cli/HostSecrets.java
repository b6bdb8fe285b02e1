package dev.berth.cli;

import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.HostVariables;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The variables the deployer's host provides to stacks, as Compose reads the shell: the process
 * environment, and a secrets file in {@code .env} format whose values win over it. No value is ever
 * printed, not even in an error about the file.
 */
final class HostSecrets {
    private HostSecrets() {}

    /**
     * Reads the host variables.
     *
     * @param secretsFile a {@code NAME=value} file, or null for the environment alone
     * @param environment the process environment
     * @throws Berth.UsageException when the file is missing, unreadable or not {@code NAME=value} lines
     */
    static HostVariables load(@Nullable Path secretsFile, Map<String, String> environment) {
        Map<String, String> values = new HashMap<>(environment);
        if (secretsFile != null) {
            values.putAll(read(secretsFile));
        }
        return new HostVariables(values);
    }

    private static Map<String, String> read(Path file) {
        String content;
        try {
            if (Files.isDirectory(file)) {
                throw new Berth.UsageException(
                        "secrets file " + file + " is a directory: give --secrets-file a file of NAME=value lines");
            }
            content = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Berth.UsageException(
                    "secrets file " + file + " does not exist: give --secrets-file a file of NAME=value lines");
        } catch (AccessDeniedException e) {
            throw new Berth.UsageException(
                    "secrets file " + file + " cannot be read: let the user running berth read it");
        } catch (CharacterCodingException e) {
            throw new Berth.UsageException("secrets file " + file + " is not valid UTF-8: save it as UTF-8");
        } catch (IOException e) {
            throw new Berth.UsageException("secrets file " + file + " cannot be read: " + e.getMessage());
        }
        try {
            return DotEnv.parse(file.toString(), content);
        } catch (ComposeException e) {
            // DotEnv quotes the line; a line of a secrets file may be a secret, so it is not shown.
            throw new Berth.UsageException("secrets file " + file + ", line " + e.line()
                    + ": not a variable (the line is not shown, it may hold a secret): write NAME=value,"
                    + " with a name of letters, digits and _");
        }
    }
}
