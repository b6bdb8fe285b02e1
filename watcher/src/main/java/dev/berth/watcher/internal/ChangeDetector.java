package dev.berth.watcher.internal;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ComposeException;
import dev.berth.common.compose.ComposeFiles;
import dev.berth.common.compose.ComposeParser;
import dev.berth.common.compose.ComposePolicy;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.DotEnv;
import dev.berth.common.compose.StackFiles;
import dev.berth.common.event.BerthEvent;
import dev.berth.common.event.StackChanged;
import dev.berth.common.event.StackInvalid;
import dev.berth.common.event.StackRemoved;
import dev.berth.watcher.internal.git.CommitFiles;
import dev.berth.watcher.internal.git.GitMirror;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works out the events one commit calls for: compares the branch's tree with the tree of the commit
 * published last and returns, for each stack with a changed path, in name order, {@link StackChanged}
 * with the validated compose document, its {@code .env} variables and the files it uses, {@link
 * StackRemoved} when the stack's compose file is gone, or {@link StackInvalid} when it does not parse.
 * Trees are diffed, history is never walked, so a force-push is just another tree.
 *
 * <p>A stack has a changed path when one is in its directory or is (or lies under) a path its compose
 * file uses outside it, such as a shared {@code env_file} or an {@code extends} base: to know those,
 * it remembers, per stack, the paths outside its directory that its last parse used, for as long as
 * the directory's tree is unchanged, so a commit parses only the stacks it touches (the first commit
 * after a start, or after an unexpected base, parses every stack once). With no base (the first poll
 * of a source, or a cursor commit no longer in the mirror), every stack at the head is changed.
 *
 * <p>Stacks are parsed in watcher mode: a variable neither the environment nor the stack's {@code
 * .env} sets is left to the deployer's host (logged by name, once per stack). Not thread-safe: the
 * watcher's poll thread uses it.
 */
public final class ChangeDetector {
    private static final Logger log = LoggerFactory.getLogger(ChangeDetector.class);

    private final String environment;
    private final StackPaths stackPaths;
    private final ComposeParser parser;
    private final Map<String, String> variables;
    /** The host variables last logged per stack. */
    private final Map<StackRef, Set<String>> hostVariablesLogged = new HashMap<>();
    /**
     * Per stack, the paths outside its directory it used when last parsed, valid at commit {@link
     * #usesAt} for as long as its directory's tree id is unchanged.
     */
    private final Map<String, Uses> uses = new HashMap<>();

    private @Nullable String usesAt;

    public ChangeDetector(String environment, String stacksPath, ComposePolicy policy) {
        this(environment, stacksPath, policy, Map.of());
    }

    /**
     * @param variables the environment's own variables: they win over a stack's {@code .env}, as the
     *     shell does in Compose, and are published with each change
     */
    public ChangeDetector(String environment, String stacksPath, ComposePolicy policy, Map<String, String> variables) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.stackPaths = new StackPaths(stacksPath);
        this.parser = new ComposeParser(policy);
        this.variables = Map.copyOf(variables);
    }

    /**
     * The events that moving from {@code base} to {@code sha} calls for, in publishing order. Call
     * {@link #published(String)} once they are published, so the next commit may reuse what this one
     * learnt.
     *
     * @param base the commit published last, when the mirror holds it; null to treat every stack as
     *     changed
     * @param lastPublished the cursor, even when the mirror no longer holds it (for the log); null when none
     */
    public List<BerthEvent> changes(
            GitMirror mirror, @Nullable String base, @Nullable String lastPublished, String sha, Commit commit) {
        CommitFiles files = mirror.filesAt(sha);
        CommitFiles baseFiles = base == null ? null : mirror.filesAt(base);
        // The paths each stack uses are known for the commit published last; any other base starts over.
        if (base == null || !base.equals(usesAt)) {
            uses.clear();
        }
        usesAt = null;
        String stacksPath = stackPaths.stacksPath();
        Map<String, String> directoryIds = files.subdirectoryIds(stacksPath);
        uses.keySet().retainAll(directoryIds.keySet());
        SortedMap<String, List<String>> changed;
        List<String> changedPaths;
        if (baseFiles == null) {
            if (lastPublished != null) {
                log.info(
                        "commit {} published last is no longer in the mirror: treating every stack at @{} as changed",
                        shortSha(lastPublished),
                        commit.shortSha());
            }
            changed = stackPaths.byStack(mirror.files(sha, stacksPath));
            changedPaths = List.of();
        } else {
            changedPaths = mirror.changedPaths(baseFiles.sha(), sha, "");
            changed = new TreeMap<>(stackPaths.byStack(changedPaths));
            for (String name : stacksUsing(changedPaths, files, baseFiles, directoryIds, changed.keySet())) {
                changed.put(name, List.of());
            }
        }
        log.debug(
                "@{}: {} stack(s) with changes since {}",
                commit.shortSha(),
                changed.size(),
                base == null ? "the beginning" : shortSha(base));
        if (changed.isEmpty()) {
            log.info(
                    "commit @{} \"{}\" by {} changes no stack under {} and no file a stack uses",
                    commit.shortSha(),
                    commit.subjectLine(),
                    commit.author(),
                    stacksPath.isEmpty() ? "the repository root" : stacksPath + "/");
        }
        List<BerthEvent> events = new ArrayList<>();
        for (Map.Entry<String, List<String>> entry : changed.entrySet()) {
            scan(events, files, baseFiles, entry.getKey(), entry.getValue(), changedPaths, commit, directoryIds);
        }
        return events;
    }

    /** The events of {@code sha} were published: what was learnt about used paths holds at that commit. */
    public void published(String sha) {
        usesAt = sha;
    }

    /**
     * The stacks, besides {@code changedStacks}, that use a changed path outside their own directory (a
     * shared {@code env_file}, an {@code extends} base, a bind-mounted directory). What a stack uses is
     * remembered from its last parse while its directory is unchanged (none of those paths changed
     * either, or it would have been parsed again), so a commit parses only the stacks it changes; a
     * stack not known yet is parsed at the new commit, and one that no longer parses there is judged
     * by what it used at the base commit and by the file its error names, so it is reported invalid.
     * An optional {@code env_file} that is missing counts as used, so a commit that adds it reaches
     * its users without parsing every stack again.
     */
    private List<String> stacksUsing(
            List<String> changedPaths,
            CommitFiles files,
            CommitFiles baseFiles,
            Map<String, String> directoryIds,
            Set<String> changedStacks) {
        if (changedPaths.isEmpty()) {
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (Map.Entry<String, String> directory : directoryIds.entrySet()) {
            String name = directory.getKey();
            if (changedStacks.contains(name) || !isStackName(name)) {
                continue;
            }
            Uses known = uses.get(name);
            Set<String> used;
            if (known != null && known.directoryId().equals(directory.getValue())) {
                used = known.paths();
            } else {
                Set<String> found = new TreeSet<>();
                boolean parsed = pathsUsed(files, name, found);
                if (!parsed) {
                    pathsUsed(baseFiles, name, found);
                }
                used = outside(name, found);
                uses.put(name, new Uses(directory.getValue(), used));
            }
            List<String> hits = covered(changedPaths, used);
            if (!hits.isEmpty()) {
                log.debug("{} uses {}, changed", stackPaths.directory(name), String.join(", ", hits));
                result.add(name);
                // Parsed again by scan, which records what it uses now.
                uses.remove(name);
            }
        }
        return result;
    }

    /** The paths a stack uses at one version of its directory, outside that directory. */
    private record Uses(String directoryId, Set<String> paths) {}

    /** The used paths outside the stack's own directory (changes inside it change its tree id). */
    private Set<String> outside(String name, Set<String> used) {
        String directory = stackPaths.directory(name);
        return used.stream()
                .filter(p -> !p.equals(directory) && !p.startsWith(directory + "/"))
                .collect(Collectors.toUnmodifiableSet());
    }

    private static boolean isStackName(String name) {
        try {
            StackRef.requireName("stack", name);
            return true;
        } catch (BerthException e) {
            return false;
        }
    }

    /**
     * Adds the paths a stack uses at a commit to {@code used}: its {@code usedPaths} when it parses,
     * else the file its error names.
     *
     * @return false when the stack has a compose file that does not parse
     */
    private boolean pathsUsed(CommitFiles files, String name, Set<String> used) {
        Optional<String> composeFile = composeFile(files, name);
        if (composeFile.isEmpty()) {
            return true;
        }
        try {
            used.addAll(parse(files, name, composeFile.get()).stack().usedPaths());
            return true;
        } catch (ComposeException e) {
            used.add(e.file());
            return false;
        } catch (BerthException e) {
            log.debug("could not read {} at {}: {}", composeFile.get(), shortSha(files.sha()), e.getMessage());
            return false;
        } catch (RuntimeException | StackOverflowError e) {
            log.debug("could not read {} at {}: {}", composeFile.get(), shortSha(files.sha()), e.toString());
            used.add(composeFile.get());
            return false;
        }
    }

    /** The changed paths that are one of {@code used} or lie under one of them. */
    public static List<String> covered(Collection<String> changedPaths, Collection<String> used) {
        return changedPaths.stream()
                .filter(path -> used.stream().anyMatch(u -> u.isEmpty() || path.equals(u) || path.startsWith(u + "/")))
                .toList();
    }

    /** Adds the one event a changed stack directory calls for, if any. */
    private void scan(
            List<BerthEvent> events,
            CommitFiles files,
            @Nullable CommitFiles baseFiles,
            String name,
            List<String> ownChangedPaths,
            List<String> changedPaths,
            Commit commit,
            Map<String, String> directoryIds) {
        uses.remove(name);
        String directory = stackPaths.directory(name);
        StackRef stack;
        try {
            stack = new StackRef(environment, name);
        } catch (BerthException e) {
            log.warn("skipped {} @{}: {}; rename the directory", directory, commit.shortSha(), e.getMessage());
            return;
        }
        try {
            ComposeFiles.requireNoSymlink(files, directory);
        } catch (ComposeException e) {
            StackInvalid invalid = new StackInvalid(stack, commit, e.file(), e.line(), e.column(), e.detail());
            events.add(invalid);
            log.info("invalid {} @{}: {}: {}", stack, commit.shortSha(), invalid.location(), invalid.error());
            return;
        }
        Optional<String> composeFile = composeFile(files, name);
        if (composeFile.isEmpty()) {
            boolean hadCompose =
                    baseFiles != null && composeFile(baseFiles, name).isPresent();
            if (hadCompose) {
                events.add(new StackRemoved(stack, commit));
                hostVariablesLogged.remove(stack);
                log.info(
                        "removed {} @{} \"{}\" by {}", stack, commit.shortSha(), commit.subjectLine(), commit.author());
            } else if (files.isDirectory(directory)) {
                log.warn(
                        "skipped {} @{}: {} has no compose file (one of {})",
                        stack,
                        commit.shortSha(),
                        directory,
                        String.join(", ", ComposeFiles.NAMES));
            }
            return;
        }
        String file = composeFile.get();
        BerthEvent event;
        Set<String> hostVariables = Set.of();
        try {
            Parsed parsed = parse(files, name, file);
            StackFiles stackFiles =
                    collect(files, file, directory, parsed.stack().usedPaths());
            TreeSet<String> paths = new TreeSet<>(ownChangedPaths);
            paths.addAll(covered(changedPaths, parsed.stack().usedPaths()));
            event = new StackChanged(
                    stack, commit, file, parsed.text(), List.copyOf(paths), parsed.variables(), stackFiles);
            hostVariables = parsed.stack().hostVariables();
            String directoryId = directoryIds.get(name);
            if (directoryId != null) {
                uses.put(
                        name, new Uses(directoryId, outside(name, parsed.stack().usedPaths())));
            }
        } catch (ComposeException e) {
            event = new StackInvalid(stack, commit, e.file(), e.line(), e.column(), e.detail());
        } catch (BerthException e) {
            // Reading the commit failed (retriable): the whole poll is tried again.
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // A fault of Berth's own on this stack's files: reported for this stack, the others go on.
            log.error("reading {} @{} failed unexpectedly", file, commit.shortSha(), e);
            event = new StackInvalid(
                    stack,
                    commit,
                    file,
                    0,
                    0,
                    "Berth could not read this stack (" + e
                            + "); the watcher's log has the details: simplify the file, and report it as a bug");
        }
        events.add(event);
        if (event instanceof StackInvalid invalid) {
            log.info("invalid {} @{}: {}: {}", stack, commit.shortSha(), invalid.location(), invalid.error());
        } else {
            log.info("detected {} @{} \"{}\" by {}", stack, commit.shortSha(), commit.subjectLine(), commit.author());
            logHostVariables(stack, hostVariables);
        }
    }

    /** A stack's compose document and {@code .env} at a commit, parsed as the deployer will. */
    private record Parsed(String text, Map<String, String> variables, ComposeStack stack) {}

    /**
     * Reads and parses a stack at a commit in watcher mode: a variable neither the environment nor
     * the stack's {@code .env} sets is left to the deployer's host.
     *
     * @throws ComposeException when a file is unreadable, too large, not UTF-8 or not valid
     */
    private Parsed parse(CommitFiles files, String name, String composeFile) {
        String text = files.text(composeFile)
                .orElseThrow(() -> new ComposeException(composeFile, 0, 0, "not a regular file"));
        String envFile = stackPaths.file(name, DotEnv.FILE_NAME);
        Optional<String> env = files.text(envFile);
        Map<String, String> all = new TreeMap<>(env.isPresent() ? DotEnv.parse(envFile, env.get()) : Map.of());
        // The environment's own variables win over the stack's .env, as the shell does in Compose.
        all.putAll(variables);
        return new Parsed(text, all, parser.parse(composeFile, text, all, files, null));
    }

    /**
     * The stack's files: every regular file of its directory and of the paths its compose file uses
     * (directories whole); symbolic links are left out, the parser has refused any the stack needs.
     *
     * @throws ComposeException naming the largest files when they hold more than
     *     {@link StackFiles#MAX_TOTAL_BYTES} together
     */
    private static StackFiles collect(CommitFiles files, String composeFile, String directory, Set<String> usedPaths) {
        Map<String, Long> sizes = new TreeMap<>();
        List<String> roots = new ArrayList<>();
        roots.add(directory);
        roots.addAll(usedPaths);
        for (String root : roots) {
            if (root.startsWith("/")) {
                continue;
            }
            for (CommitFiles.FileEntry entry : files.regularFiles(root)) {
                sizes.put(entry.path(), entry.size());
            }
        }
        long total = sizes.values().stream().mapToLong(Long::longValue).sum();
        if (total > StackFiles.MAX_TOTAL_BYTES) {
            throw new ComposeException(composeFile, 0, 0, tooLarge(sizes, total));
        }
        Map<String, byte[]> contents = new TreeMap<>();
        for (String path : sizes.keySet()) {
            contents.put(path, files.bytes(path));
        }
        return new StackFiles(contents);
    }

    public static String tooLarge(Map<String, Long> sizes, long total) {
        String largest = sizes.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(3)
                .map(e -> e.getKey() + " (" + size(e.getValue()) + ")")
                .collect(Collectors.joining(", "));
        return "the files this stack uses hold " + size(total) + ", more than the " + size(StackFiles.MAX_TOTAL_BYTES)
                + " a change can carry; the largest are " + largest
                + ": keep large files out of the stack's directory and of the paths its compose file names"
                + " (build them into an image, or keep them in a volume)";
    }

    /** A size as people read it: 57 B, 12.0 KiB, 8.0 MiB. */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    /** Says once per stack, by name only, which variables the deployer's host must provide. */
    private void logHostVariables(StackRef stack, Set<String> names) {
        Set<String> before = hostVariablesLogged.put(stack, names);
        if (!names.isEmpty() && !names.equals(before)) {
            log.info(
                    "{}: {} {} set neither in the environment nor in .env; the deployer's host provides {}",
                    stack,
                    names.size() == 1 ? "variable" : "variables",
                    String.join(", ", names),
                    names.size() == 1 ? "it" : "them");
        }
    }

    private Optional<String> composeFile(CommitFiles files, String stack) {
        return ComposeFiles.NAMES.stream()
                .map(n -> stackPaths.file(stack, n))
                .filter(files::isFile)
                .findFirst();
    }

    private static String shortSha(String sha) {
        return sha.length() > 7 ? sha.substring(0, 7) : sha;
    }
}
