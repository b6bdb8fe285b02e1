package dev.berth.testkit;

import dev.berth.common.Commit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.jspecify.annotations.Nullable;

/**
 * A real git repository with a work tree in a temporary directory, on branch {@code main}, for tests
 * that need a config repository: write and delete files, commit them as a given author, move the
 * branch as a force-push would. Its {@link #path()} (or {@link #fileUrl()}) is what a watcher is
 * given. Not thread-safe; {@link #close()} deletes the directory.
 */
public final class GitRepos implements AutoCloseable {
    public static final String BRANCH = "main";

    private final Path dir;
    private final Git git;

    private GitRepos(Path dir, Git git) {
        this.dir = dir;
        this.git = git;
    }

    /** A new, empty repository (no commit yet) in a fresh temporary directory. */
    public static GitRepos create() {
        try {
            return create(Files.createTempDirectory("berth-git-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty repository in {@code dir}, which must be empty or missing. */
    public static GitRepos create(Path dir) {
        try {
            Files.createDirectories(dir);
            Git git = Git.init()
                    .setDirectory(dir.toFile())
                    .setInitialBranch(BRANCH)
                    .call();
            return new GitRepos(dir.toAbsolutePath(), git);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GitAPIException e) {
            throw new IllegalStateException("could not create a git repository in " + dir, e);
        }
    }

    /** The work tree's directory: a local path a watcher accepts. */
    public Path path() {
        return dir;
    }

    /** The repository as a {@code file://} URL. */
    public String fileUrl() {
        return dir.toUri().toString();
    }

    /** Writes a file of the work tree (creating its directories); commit it with {@link #commit}. */
    public GitRepos write(String path, String content) {
        try {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a file of the work tree with exactly these bytes (creating its directories). */
    public GitRepos writeBytes(String path, byte[] content) {
        try {
            Path file = dir.resolve(path);
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates a symbolic link in the work tree (creating its directories), committed as a link (mode
     * 120000), as git does on Unix.
     *
     * @param target what the link points to, such as {@code ../../outside} or {@code /etc}
     */
    public GitRepos symlink(String path, String target) {
        try {
            Path link = dir.resolve(path);
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a file or a whole directory of the work tree. */
    public GitRepos delete(String path) {
        deleteTree(dir.resolve(path).normalize());
        return this;
    }

    private static void deleteTree(Path target) {
        try (Stream<Path> walk = Files.walk(target)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stages every change of the work tree (new, modified and deleted files) and commits it; returns the sha. */
    public String commit(String author, String message) {
        return commit(author, message, null);
    }

    /**
     * Like {@link #commit(String, String)}, with a given author and commit time (whole seconds, UTC;
     * null for now).
     * The author's email is made from the name: {@code Alice Smith <alice.smith@example.com>}.
     */
    public String commit(String author, String message, @Nullable Instant when) {
        try {
            git.add().addFilepattern(".").call();
            git.add().setUpdate(true).addFilepattern(".").call();
            String email = author.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", ".") + "@example.com";
            PersonIdent person = when == null
                    ? new PersonIdent(author, email)
                    : new PersonIdent(author, email, when, ZoneOffset.UTC);
            RevCommit commit = git.commit()
                    .setMessage(message)
                    .setAuthor(person)
                    .setCommitter(person)
                    .setAllowEmpty(true)
                    .setSign(false)
                    .call();
            return commit.name();
        } catch (GitAPIException e) {
            throw new IllegalStateException("could not commit in " + dir, e);
        }
    }

    /** The sha {@code main} points to. */
    public String head() {
        try {
            ObjectId id = git.getRepository().resolve(Constants.R_HEADS + BRANCH);
            if (id == null) {
                throw new IllegalStateException("branch " + BRANCH + " has no commit yet in " + dir);
            }
            return id.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The metadata of a commit as Berth reports it: author name, full message, commit time. */
    public Commit commitOf(String sha) {
        try (RevWalk walk = new RevWalk(git.getRepository())) {
            RevCommit commit = walk.parseCommit(ObjectId.fromString(sha));
            return new Commit(
                    commit.name(),
                    commit.getAuthorIdent().getName(),
                    commit.getFullMessage(),
                    Instant.ofEpochSecond(commit.getCommitTime()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Moves {@code main} (and the work tree) to an earlier commit, as a force-push does on a server. */
    public void resetHard(String sha) {
        try {
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef(sha).call();
        } catch (GitAPIException e) {
            throw new IllegalStateException("could not reset " + dir + " to " + sha, e);
        }
    }

    /** Creates a branch at the current head, or moves it there. */
    public void branch(String name) {
        try {
            git.branchCreate().setName(name).setForce(true).call();
        } catch (GitAPIException e) {
            throw new IllegalStateException("could not create branch " + name + " in " + dir, e);
        }
    }

    /** Deletes a branch other than {@code main}. */
    public void deleteBranch(String name) {
        try {
            git.branchDelete().setBranchNames(name).setForce(true).call();
        } catch (GitAPIException e) {
            throw new IllegalStateException("could not delete branch " + name + " in " + dir, e);
        }
    }

    /** Closes the repository and deletes its directory. */
    @Override
    public void close() {
        git.close();
        if (Files.exists(dir)) {
            deleteTree(dir);
        }
    }
}
