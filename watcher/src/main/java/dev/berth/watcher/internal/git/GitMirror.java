package dev.berth.watcher.internal.git;

import dev.berth.common.BerthException;
import dev.berth.common.Commit;
import dev.berth.common.RetriableBerthException;
import dev.berth.watcher.GitCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.InvalidRemoteException;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.FileUtils;

/**
 * A persistent bare mirror of one source's branches, fetched with force so that a force-push simply
 * moves the branch. Reads commits and trees by sha. Translates JGit's exceptions: a fetch that cannot
 * reach the source throws {@link RetriableBerthException}, anything else {@link BerthException}.
 * Not thread-safe: one poll thread uses it; the owner closes it.
 */
public final class GitMirror implements AutoCloseable {
    private static final RefSpec ALL_BRANCHES = new RefSpec("+refs/heads/*:refs/heads/*");

    static {
        // The first time JGit checks a file's snapshot on a file store it has not met (a fresh
        // container's data directory), it measures that store's timestamp resolution and racy
        // interval, writing a probe file for 3 s, and by default every snapshot check waits for it:
        // the first poll took 3 s longer. In the background, JGit treats files as its conservative
        // fallback (2 s resolution) says until the measurement is done: a file changed within that
        // window is read again rather than trusted, so nothing is missed, only re-read.
        FS.FileStoreAttributes.setBackground(true);
    }

    private final GitSource source;
    private final Path directory;
    private final Repository repository;
    private final GitTransport transport;

    private GitMirror(GitSource source, Path directory, Repository repository, GitTransport transport) {
        this.source = source;
        this.directory = directory;
        this.repository = repository;
        this.transport = transport;
    }

    /**
     * Opens the mirror of {@code source} under {@code mirrorsDir}, creating it when missing and
     * recreating it when it is damaged (it holds nothing that a fetch cannot bring back).
     */
    public static GitMirror open(GitSource source, String branch, Path mirrorsDir) {
        return open(source, branch, mirrorsDir, GitTransport.of(source, GitCredentials.none(), mirrorsDir));
    }

    /**
     * Opens the mirror as {@link #open(GitSource, String, Path)} does, fetching with {@code transport}
     * (its credentials), which the mirror then owns and closes.
     */
    public static GitMirror open(GitSource source, String branch, Path mirrorsDir, GitTransport transport) {
        Objects.requireNonNull(source, "source");
        Path directory = mirrorsDir.resolve(source.mirrorName(branch));
        try {
            Files.createDirectories(mirrorsDir);
            if (Files.isDirectory(directory)) {
                try {
                    Repository existing = new FileRepositoryBuilder()
                            .setGitDir(directory.toFile())
                            .setMustExist(true)
                            .build();
                    if (existing.getObjectDatabase().exists()) {
                        return new GitMirror(source, directory, existing, transport);
                    }
                    existing.close();
                } catch (RepositoryNotFoundException e) {
                    // Not a repository (a crash during its creation): start over below.
                }
                FileUtils.delete(directory.toFile(), FileUtils.RECURSIVE);
            }
            Repository created = Git.init()
                    .setBare(true)
                    .setGitDir(directory.toFile())
                    .setInitialBranch(branch)
                    .call()
                    .getRepository();
            return new GitMirror(source, directory, created, transport);
        } catch (IOException | GitAPIException e) {
            transport.close();
            throw new BerthException(
                    "could not create the mirror of " + source.display() + " in " + directory + ": " + describe(e)
                            + "; check that --data-dir is writable",
                    e);
        }
    }

    public Path directory() {
        return directory;
    }

    /**
     * Fetches every branch of the source, forced, pruning deleted ones.
     *
     * @throws RetriableBerthException when the source cannot be reached or read
     */
    public void fetch(Duration timeout) {
        try (Git git = Git.wrap(repository)) {
            transport
                    .configure(git.fetch())
                    .setRemote(source.url())
                    .setRefSpecs(ALL_BRANCHES)
                    .setRemoveDeletedRefs(true)
                    .setTagOpt(TagOpt.NO_TAGS)
                    .setTimeout((int) Math.max(1, timeout.toSeconds()))
                    .call();
        } catch (TransportException | InvalidRemoteException e) {
            throw new RetriableBerthException(
                    "could not fetch " + source.display() + ": " + withoutUrl(describe(e)), e);
        } catch (GitAPIException | org.eclipse.jgit.api.errors.JGitInternalException e) {
            // JGit reports some transport failures as JGitInternalException, which is unchecked.
            throw new RetriableBerthException(
                    "could not fetch " + source.display() + ": " + withoutUrl(describe(e)), e);
        }
    }

    /**
     * The source's head of {@code branch} right now, asked without fetching (an {@code ls-remote});
     * empty when the source has no such branch. A local repository's ref is read directly.
     *
     * @throws RetriableBerthException when the source cannot be reached or read
     */
    public Optional<String> remoteHead(String branch, Duration timeout) {
        Path local = source.localPath();
        if (local != null) {
            return localHead(local, branch);
        }
        try {
            Map<String, Ref> refs = transport
                    .configure(Git.lsRemoteRepository())
                    .setRemote(source.url())
                    .setHeads(true)
                    .setTimeout((int) Math.max(1, timeout.toSeconds()))
                    .callAsMap();
            Ref ref = refs.get(Constants.R_HEADS + branch);
            return ref == null || ref.getObjectId() == null
                    ? Optional.empty()
                    : Optional.of(ref.getObjectId().name());
        } catch (GitAPIException | org.eclipse.jgit.api.errors.JGitInternalException e) {
            throw new RetriableBerthException(
                    "could not ask " + source.display() + " for branch " + branch + ": " + withoutUrl(describe(e)), e);
        }
    }

    private Optional<String> localHead(Path local, String branch) {
        java.io.File gitDir = RepositoryCache.FileKey.resolve(local.toFile(), FS.DETECTED);
        if (gitDir == null) {
            throw new RetriableBerthException("could not read branch " + branch + " of " + source.display()
                    + ": it is no longer a git repository; restore it or give --repo another repository");
        }
        try (Repository remote =
                new FileRepositoryBuilder().setGitDir(gitDir).setMustExist(true).build()) {
            Ref ref = remote.exactRef(Constants.R_HEADS + branch);
            return ref == null || ref.getObjectId() == null
                    ? Optional.empty()
                    : Optional.of(ref.getObjectId().name());
        } catch (IOException | IllegalArgumentException e) {
            throw new RetriableBerthException(
                    "could not read branch " + branch + " of " + source.display() + ": " + describe(e), e);
        }
    }

    /**
     * JGit starts transport messages with the URL, which our message already names; a URL left
     * inside loses its password. A refusal of the credentials says what to check.
     */
    private String withoutUrl(String message) {
        String m = message;
        for (String prefix : new String[] {source.url() + ": ", source.display() + ": "}) {
            if (m.startsWith(prefix)) {
                m = m.substring(prefix.length());
                break;
            }
        }
        m = m.replace(source.url(), source.safeUrl());
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("not authorized")
                || lower.contains("authentication")
                || lower.contains("auth fail")
                || lower.contains("no more authentication methods")
                || lower.contains("denied")) {
            m = m
                    + (transport.hasCredentials()
                            ? "; check the credentials of this source (the token, password or SSH key and its known_hosts"
                                    + " entry)"
                            : "; this source needs credentials: give the environment a token, user and password, or SSH key");
        } else if (lower.contains("server key") || lower.contains("host key")) {
            m = m + "; add the server's host key to the known_hosts file of this source (ssh-keyscan prints it)";
        }
        return m;
    }

    /** The sha the branch points to in the mirror, or empty when the source has no such branch. */
    public Optional<String> head(String branch) {
        try {
            Ref ref = repository.exactRef(Constants.R_HEADS + branch);
            return ref == null || ref.getObjectId() == null
                    ? Optional.empty()
                    : Optional.of(ref.getObjectId().name());
        } catch (IOException e) {
            throw failure("read branch " + branch, e);
        }
    }

    /** True when the mirror holds this commit (a sha from an earlier poll may be gone after a force-push). */
    public boolean hasCommit(String sha) {
        if (!ObjectId.isId(sha)) {
            return false;
        }
        try (RevWalk walk = new RevWalk(repository)) {
            walk.parseCommit(ObjectId.fromString(sha));
            return true;
        } catch (MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            return false;
        } catch (IOException e) {
            throw failure("read commit " + sha, e);
        }
    }

    /** The commit's metadata: author name, full message, commit time. */
    public Commit commit(String sha) {
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit commit = walk.parseCommit(ObjectId.fromString(sha));
            return new Commit(
                    commit.name(),
                    commit.getAuthorIdent().getName(),
                    commit.getFullMessage(),
                    Instant.ofEpochSecond(commit.getCommitTime()));
        } catch (IOException e) {
            throw failure("read commit " + sha, e);
        }
    }

    /**
     * The file paths under {@code under} that differ between two commits' trees (added, deleted or
     * modified), in tree order. History between them plays no part.
     *
     * @param under a directory path, or {@code ""} for the whole tree
     */
    public List<String> changedPaths(String fromSha, String toSha, String under) {
        try (RevWalk walk = new RevWalk(repository);
                TreeWalk tree = new TreeWalk(repository)) {
            tree.addTree(walk.parseCommit(ObjectId.fromString(fromSha)).getTree());
            tree.addTree(walk.parseCommit(ObjectId.fromString(toSha)).getTree());
            tree.setRecursive(true);
            tree.setFilter(
                    under.isEmpty()
                            ? TreeFilter.ANY_DIFF
                            : AndTreeFilter.create(PathFilter.create(under), TreeFilter.ANY_DIFF));
            List<String> paths = new ArrayList<>();
            while (tree.next()) {
                paths.add(tree.getPathString());
            }
            return paths;
        } catch (IOException e) {
            throw failure("compare " + fromSha + " with " + toSha, e);
        }
    }

    /** Every file path under {@code under} at a commit, in tree order. */
    public List<String> files(String sha, String under) {
        try (RevWalk walk = new RevWalk(repository);
                TreeWalk tree = new TreeWalk(repository)) {
            tree.addTree(walk.parseCommit(ObjectId.fromString(sha)).getTree());
            tree.setRecursive(true);
            if (!under.isEmpty()) {
                tree.setFilter(PathFilter.create(under));
            }
            List<String> paths = new ArrayList<>();
            while (tree.next()) {
                paths.add(tree.getPathString());
            }
            return paths;
        } catch (IOException e) {
            throw failure("list " + (under.isEmpty() ? "the files" : under) + " at " + sha, e);
        }
    }

    /**
     * The files of a commit, read from the mirror.
     *
     * @throws BerthException when the mirror does not hold the commit
     */
    public CommitFiles filesAt(String sha) {
        try (RevWalk walk = new RevWalk(repository)) {
            return new CommitFiles(
                    this,
                    repository,
                    sha,
                    walk.parseCommit(ObjectId.fromString(sha)).getTree());
        } catch (IOException e) {
            throw failure("read commit " + sha, e);
        }
    }

    BerthException failure(String what, IOException e) {
        return new BerthException(
                "could not " + what + " in the mirror " + directory + ": " + describe(e)
                        + "; if this persists, stop Berth and delete that directory",
                e);
    }

    /** An exception's message followed by its root cause's, without a stack trace. */
    static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            String rootMessage = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            if (!message.contains(rootMessage)) {
                message = message + ": " + rootMessage;
            }
        }
        return message;
    }

    @Override
    public void close() {
        repository.close();
        transport.close();
    }
}
