package dev.berth.watcher.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which stacks a set of repository paths touches. A stack is a directory directly under the stacks
 * path; files directly in the stacks path belong to no stack. Pure and thread-safe.
 */
public final class StackPaths {
    private final String stacksPath;
    private final String prefix;

    /** @param stacksPath normalised: no leading or trailing '/', {@code ""} for the repository root */
    public StackPaths(String stacksPath) {
        this.stacksPath = stacksPath;
        this.prefix = stacksPath.isEmpty() ? "" : stacksPath + "/";
    }

    /**
     * Groups paths by the stack directory they are in.
     *
     * @return stack directory name to its paths (sorted, without duplicates), in name order
     */
    public SortedMap<String, List<String>> byStack(Collection<String> paths) {
        SortedMap<String, List<String>> result = new TreeMap<>();
        for (String path : paths) {
            if (!path.startsWith(prefix)) {
                continue;
            }
            String rest = path.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1) {
                continue;
            }
            result.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>())
                    .add(path);
        }
        for (Map.Entry<String, List<String>> entry : result.entrySet()) {
            entry.setValue(entry.getValue().stream().distinct().sorted().toList());
        }
        return result;
    }

    /** The repository path of a stack's directory, such as {@code stacks/web}. */
    public String directory(String stack) {
        return prefix + stack;
    }

    /** The repository path of a file in a stack's directory. */
    public String file(String stack, String name) {
        return directory(stack) + "/" + name;
    }

    public String stacksPath() {
        return stacksPath;
    }
}
