package dev.berth.deployer.internal;

import dev.berth.common.BerthException;
import dev.berth.common.RetriableBerthException;
import dev.berth.common.StackRef;
import dev.berth.common.compose.ServiceSpec;
import dev.berth.deployer.internal.docker.DockerEngine;
import dev.berth.deployer.internal.docker.DockerIgnore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Builds the images of services with {@code build}, from a revision's files on the host, and tags
 * each by the content it was built from:
 * {@code <repository of image, or berth/<project>-<service>>:berth-<12 hex>}, the hex being the start of
 * a SHA-256 over the context's files that its {@code .dockerignore} keeps (path and content, sorted), the
 * Dockerfile, the build args, the target and the labels. A tag the engine already has is not built again, so re-applying an unchanged
 * stack never rebuilds. Thread-safe.
 */
final class ImageBuilder {
    static final String TAG_PREFIX = "berth-";
    private static final int HASH_CHARS = 12;

    private final DockerEngine engine;
    private final Duration timeout;

    ImageBuilder(DockerEngine engine, Duration timeout) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The service running its built image: built now unless the engine has the tag already.
     *
     * @throws BerthException when the build fails, with the build's last lines
     */
    ServiceSpec build(StackRef stack, ServiceSpec service, StackWorkspace.Revision revision)
            throws InterruptedException {
        ServiceSpec.BuildSpec build = service.build();
        if (build == null) {
            return service;
        }
        Path context = revision.hostPath(build.context());
        Path dockerfile = dockerfile(revision, build);
        String tag = tag(stack, service, contentHash(context, dockerfile, build));
        if (engine.imageId(tag).isPresent()) {
            return service.withImage(tag);
        }
        if (!Files.isDirectory(context, LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException("service \"" + service.name() + "\": build context \"" + build.context()
                    + "\" has no files at this commit; commit the directory or fix build.context");
        }
        if (!Files.isRegularFile(dockerfile, LinkOption.NOFOLLOW_LINKS)) {
            throw new BerthException("service \"" + service.name() + "\": Dockerfile \"" + build.dockerfile()
                    + "\" is not in build context \"" + build.context() + "\"; commit it or fix build.dockerfile");
        }
        try {
            engine.build(new DockerEngine.BuildRequest(context, dockerfile, build, tag), timeout);
        } catch (RetriableBerthException e) {
            throw e;
        } catch (BerthException e) {
            throw new BerthException(
                    "service \"" + service.name() + "\": building " + build.context() + " failed: " + e.getMessage(),
                    e);
        }
        return service.withImage(tag);
    }

    /** The Dockerfile's host path: relative to the context, or an absolute host path as it is. */
    private static Path dockerfile(StackWorkspace.Revision revision, ServiceSpec.BuildSpec build) {
        if (build.dockerfile().startsWith("/")) {
            return Path.of(build.dockerfile());
        }
        Path path =
                revision.hostPath(build.context()).resolve(build.dockerfile()).normalize();
        if (!path.startsWith(revision.dir())) {
            throw new BerthException("Dockerfile \"" + build.dockerfile() + "\" of build context \"" + build.context()
                    + "\" leaves the repository");
        }
        return path;
    }

    /** The tag a service's build gets for a content hash. */
    static String tag(StackRef stack, ServiceSpec service, String contentHash) {
        String repository = service.image() == null
                ? "berth/" + stack.project() + "-" + service.name()
                : repository(service.image());
        return repository + ":" + TAG_PREFIX + contentHash.substring(0, HASH_CHARS);
    }

    /** {@code registry:5000/team/app} of {@code registry:5000/team/app:1.2@sha256:...}. */
    static String repository(String image) {
        String name = image;
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            name = name.substring(0, colon);
        }
        return name;
    }

    /** SHA-256 (hex) over the context's regular files, the Dockerfile, the args, the target and the labels. */
    static String contentHash(Path context, Path dockerfile, ServiceSpec.BuildSpec build) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            TreeMap<String, Path> files = new TreeMap<>();
            if (Files.isDirectory(context, LinkOption.NOFOLLOW_LINKS)) {
                DockerIgnore ignore = DockerIgnore.of(context);
                String dockerfileName = dockerfile.startsWith(context) ? relative(context, dockerfile) : "";
                try (Stream<Path> walk = Files.walk(context)) {
                    for (Path p : walk.toList()) {
                        String name = relative(context, p);
                        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                                && !ignore.excludes(name, dockerfileName)) {
                            files.put(name, p);
                        }
                    }
                }
            }
            for (Map.Entry<String, Path> file : files.entrySet()) {
                field(digest, "file", file.getKey());
                field(digest, "content", Files.readAllBytes(file.getValue()));
            }
            field(digest, "dockerfile", build.dockerfile());
            if (Files.isRegularFile(dockerfile, LinkOption.NOFOLLOW_LINKS)) {
                field(digest, "dockerfile-content", Files.readAllBytes(dockerfile));
            }
            build.args().forEach((k, v) -> field(digest, "arg", k + "=" + v));
            field(digest, "target", nullToEmpty(build.target()));
            build.labels().forEach((k, v) -> field(digest, "label", k + "=" + v));
            // Options added later count only when set, so an image built before they existed keeps its tag.
            build.cacheFrom().forEach(image -> field(digest, "cache-from", image));
            if (build.network() != null) {
                field(digest, "network", build.network());
            }
            if (build.shmSize() != null) {
                field(digest, "shm-size", build.shmSize().toString());
            }
            build.extraHosts().forEach(host -> field(digest, "extra-host", host));
            if (build.pull()) {
                field(digest, "pull", "true");
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        } catch (IOException e) {
            throw new BerthException("could not read the build context " + context + ": " + e.getMessage(), e);
        }
    }

    private static String nullToEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }

    private static void field(MessageDigest digest, String name, String value) {
        field(digest, name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Length-prefixed, so no two different inputs digest the same bytes. */
    private static void field(MessageDigest digest, String name, byte[] value) {
        digest.update(name.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Long.toString(value.length).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(value);
    }

    private static String relative(Path dir, Path p) {
        List<String> parts = new ArrayList<>();
        dir.relativize(p).forEach(part -> parts.add(part.toString()));
        return String.join("/", parts);
    }
}
