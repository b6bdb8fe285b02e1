package dev.berth.cli;

import dev.berth.common.compose.HostVariables;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where an environment file says a secret is, never the secret itself: {@code {secret: NAME}}, a
 * variable of the host ({@code --secrets-file}, then Berth's process environment, as stacks' host
 * variables), or {@code {file: /run/secrets/x}}, a file whose content (without its trailing line
 * break) is the value. No message ever shows a value.
 *
 * @param name the host variable's name, or null for a file
 * @param file the file, or null for a host variable
 * @param where the key that holds the reference, for messages
 */
record SecretRef(@Nullable String name, @Nullable Path file, EnvironmentFile.Where where) {
    SecretRef {
        if ((name == null) == (file == null)) {
            throw new IllegalArgumentException("a secret reference has either a name or a file");
        }
        Objects.requireNonNull(where, "where");
    }

    static SecretRef variable(String name, EnvironmentFile.Where where) {
        return new SecretRef(name, null, where);
    }

    static SecretRef file(Path file, EnvironmentFile.Where where) {
        return new SecretRef(null, file, where);
    }

    /**
     * The secret's value.
     *
     * @throws Berth.UsageException when the variable is not set or the file cannot be read, naming the
     *     key and where to put the secret
     */
    String resolve(HostVariables host) {
        if (name != null) {
            return host.get(name)
                    .orElseThrow(() -> new Berth.UsageException(where + ": secret " + name
                            + " is not set: put " + name + "=<value> in --secrets-file, or set it in Berth's"
                            + " environment"));
        }
        Path path = Objects.requireNonNull(file);
        try {
            String value = Files.readString(path);
            return value.endsWith("\r\n")
                    ? value.substring(0, value.length() - 2)
                    : value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
        } catch (NoSuchFileException e) {
            throw new Berth.UsageException(
                    where + ": secret file " + path + " does not exist: create it, or name another file");
        } catch (CharacterCodingException e) {
            throw new Berth.UsageException(where + ": secret file " + path + " is not UTF-8 text");
        } catch (IOException e) {
            throw new Berth.UsageException(where + ": secret file " + path + " cannot be read ("
                    + e.getClass().getSimpleName() + "): let the user running berth read it");
        }
    }

    @Override
    public String toString() {
        return name != null ? "{secret: " + name + "}" : "{file: " + file + "}";
    }
}
