package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.flag;
import static dev.berth.common.compose.Nodes.keys;
import static dev.berth.common.compose.Nodes.matching;
import static dev.berth.common.compose.Nodes.scalar;
import static dev.berth.common.compose.Nodes.sequence;
import static dev.berth.common.compose.Nodes.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * A service's {@code volumes}: named and anonymous volumes, bind mounts of the repository's files
 * (relative to the compose file) or of host paths the policy allows, and tmpfs mounts. Used by one
 * parse.
 */
final class Mounts {
    static final List<String> DOCKER_SOCKETS = List.of("/var/run/docker.sock", "/run/docker.sock");
    /** The host kernel's own filesystems: {@code bind:/} does not cover them. */
    static final List<String> KERNEL_FILESYSTEMS = List.of("/proc", "/sys");

    private static final Pattern SELINUX = Pattern.compile("[zZ]");
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private final StackContext context;

    Mounts(StackContext context) {
        this.context = context;
    }

    /**
     * @param declared the top-level volumes, by key
     * @param used collects the named volumes the service uses
     */
    List<ServiceSpec.Mount> read(
            @Nullable NodeTuple tuple, String where, Map<String, ComposeStack.VolumeSpec> declared, Set<String> used) {
        List<ServiceSpec.Mount> result = new ArrayList<>();
        if (tuple == null) {
            return result;
        }
        String what = where + ": volumes";
        for (Node item : sequence(tuple.getValueNode(), what)) {
            ServiceSpec.Mount mount = item instanceof MappingNode ? longSyntax(item, where) : shortSyntax(item, where);
            if (mount.type() == ServiceSpec.Mount.Type.VOLUME && mount.source() != null) {
                if (!declared.containsKey(mount.source())) {
                    throw error(
                            item,
                            where + " uses volume \"" + mount.source() + "\", which is not declared under the"
                                    + " top-level volumes: add it there (volumes: {" + mount.source() + ": {}})"
                                    + ", or write ./" + mount.source() + " for a directory of the repository");
                }
                used.add(mount.source());
            }
            for (ServiceSpec.Mount other : result) {
                if (other.target().equals(mount.target())) {
                    throw error(item, what + ": two mounts at " + mount.target() + "; keep one");
                }
            }
            result.add(mount);
        }
        return result;
    }

    private ServiceSpec.Mount shortSyntax(Node item, String where) {
        String what = where + ": volume";
        String text = scalar(item, "an item of " + where + ": volumes");
        String[] parts = text.split(":", -1);
        if (parts.length == 1) {
            return new ServiceSpec.Mount(
                    ServiceSpec.Mount.Type.VOLUME, null, target(item, parts[0], what), false, false, null, null);
        }
        if (parts.length > 3 || parts[0].isEmpty()) {
            throw error(
                    item,
                    what + " \"" + text + "\" is not source:target[:ro|rw] (a volume name, ./path or /host/path,"
                            + " then the path in the container)");
        }
        String source = parts[0];
        String target = target(item, parts[1], what);
        boolean readOnly = false;
        boolean noCopy = false;
        String selinux = null;
        boolean bind = isPath(source);
        if (parts.length == 3) {
            for (String option : parts[2].split(",")) {
                switch (option) {
                    case "ro" -> readOnly = true;
                    case "rw" -> readOnly = false;
                    case "nocopy" -> {
                        if (bind) {
                            throw error(item, what + " \"" + text + "\": nocopy applies to volumes, not bind mounts");
                        }
                        noCopy = true;
                    }
                    case "z", "Z" -> {
                        if (!bind) {
                            throw error(
                                    item,
                                    what + " \"" + text + "\": SELinux relabelling (" + option + ") applies to bind"
                                            + " mounts (./path or /host/path), not volumes; remove it");
                        }
                        if (selinux != null && !selinux.equals(option)) {
                            throw error(
                                    item,
                                    what + " \"" + text + "\": z (shared) and Z (private) exclude each other; keep"
                                            + " one");
                        }
                        selinux = option;
                    }
                    default ->
                        throw error(
                                item,
                                what + " \"" + text + "\": \"" + option + "\" is not a mount option; use ro or rw"
                                        + (bind ? ", and z or Z to relabel for SELinux" : ""));
                }
            }
        }
        if (bind) {
            ServiceSpec.Mount mount = bind(item, source, target, readOnly, what);
            return selinux == null ? mount : mount.withSelinux(selinux);
        }
        return new ServiceSpec.Mount(
                ServiceSpec.Mount.Type.VOLUME, volumeName(item, source, what), target, readOnly, noCopy, null, null);
    }

    private ServiceSpec.Mount longSyntax(Node item, String where) {
        String what = where + ": volume";
        Map<String, NodeTuple> keys = keys(
                item,
                what,
                Set.of("type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"),
                Set.of("image"),
                "it mounts volumes, bind mounts and tmpfs");
        if (!keys.containsKey("type")) {
            throw error(item, what + " in long syntax needs \"type\": volume, bind or tmpfs");
        }
        if (!keys.containsKey("target")) {
            throw error(item, what + " in long syntax needs \"target\": the path in the container");
        }
        Node targetNode = keys.get("target").getValueNode();
        String target = target(targetNode, scalar(targetNode, what + ": target"), what);
        boolean readOnly = flag(keys.get("read_only"), what + ": read_only");
        String type = scalar(keys.get("type").getValueNode(), what + ": type");
        NodeTuple sourceTuple = keys.get("source");
        String source = text(sourceTuple, what + ": source");
        for (String option : List.of("bind", "volume", "tmpfs")) {
            if (keys.containsKey(option) && !option.equals(type)) {
                throw error(
                        keys.get(option).getKeyNode(),
                        what + ": \"" + option + "\" options do not apply to a mount of type " + type);
            }
        }
        switch (type) {
            case "bind" -> {
                if (source == null || source.isEmpty()) {
                    throw error(item, what + " of type bind needs \"source\": ./path in the repository or /host/path");
                }
                boolean create = true;
                String selinux = null;
                if (keys.containsKey("bind")) {
                    Map<String, NodeTuple> bind = keys(
                            keys.get("bind").getValueNode(),
                            what + ": bind",
                            Set.of("create_host_path", "selinux"),
                            Set.of("propagation"),
                            "it applies create_host_path and selinux");
                    if (bind.containsKey("create_host_path")) {
                        create = flag(bind.get("create_host_path"), what + ": bind.create_host_path");
                    }
                    selinux = matching(
                            bind.get("selinux"),
                            SELINUX,
                            what + ": bind.selinux",
                            "z (relabel for every container) or Z (for this container only)");
                }
                ServiceSpec.Mount mount = bind(sourceTuple.getValueNode(), source, target, readOnly, what);
                if (selinux != null) {
                    mount = mount.withSelinux(selinux);
                }
                if (!create
                        && !mount.hostPath()
                        && !context.files.isFile(mount.source())
                        && !context.files.isDirectory(mount.source())) {
                    throw error(
                            sourceTuple.getValueNode(),
                            what + " \"" + source + "\" (" + mount.source() + ") does not exist in the repository and"
                                    + " bind.create_host_path is false: commit it, or remove create_host_path: false to"
                                    + " have it made as a directory");
                }
                if (!create && mount.hostPath()) {
                    throw error(
                            keys.get("bind").getValueNode(),
                            what + ": bind.create_host_path: false is not supported by this version of Berth for host"
                                    + " paths; remove it (the directory is created when missing, as by default)");
                }
                return mount;
            }
            case "volume" -> {
                boolean noCopy = false;
                if (keys.containsKey("volume")) {
                    Map<String, NodeTuple> volume = keys(
                            keys.get("volume").getValueNode(),
                            what + ": volume",
                            Set.of("nocopy"),
                            Set.of("subpath"),
                            "it applies nocopy");
                    noCopy = flag(volume.get("nocopy"), what + ": volume.nocopy");
                }
                String name = source == null || source.isEmpty()
                        ? null
                        : volumeName(sourceTuple.getValueNode(), source, what);
                return new ServiceSpec.Mount(ServiceSpec.Mount.Type.VOLUME, name, target, readOnly, noCopy, null, null);
            }
            case "tmpfs" -> {
                if (source != null) {
                    throw error(sourceTuple.getKeyNode(), what + ": a tmpfs mount has no source; remove it");
                }
                Long size = null;
                Integer mode = null;
                if (keys.containsKey("tmpfs")) {
                    Map<String, NodeTuple> tmpfs = keys(
                            keys.get("tmpfs").getValueNode(), what + ": tmpfs", Set.of("size", "mode"), Set.of(), "");
                    if (tmpfs.containsKey("size")) {
                        size = Nodes.size(tmpfs.get("size").getValueNode(), what + ": tmpfs.size");
                    }
                    if (tmpfs.containsKey("mode")) {
                        Node modeNode = tmpfs.get("mode").getValueNode();
                        mode = FileMounts.mode(
                                modeNode, scalar(modeNode, what + ": tmpfs.mode"), what + ": tmpfs.mode");
                    }
                }
                return new ServiceSpec.Mount(ServiceSpec.Mount.Type.TMPFS, null, target, readOnly, false, size, mode);
            }
            default ->
                throw error(
                        keys.get("type").getValueNode(),
                        what + ": type \"" + type + "\" is not supported by this version of Berth; use volume, bind"
                                + " or tmpfs");
        }
    }

    private static boolean isPath(String source) {
        return source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
    }

    private static String target(Node at, String target, String what) {
        if (!target.startsWith("/")) {
            throw error(at, what + ": target \"" + target + "\" must be an absolute path in the container, like /data");
        }
        return target;
    }

    private static String volumeName(Node at, String name, String what) {
        if (!VOLUME_NAME.matcher(name).matches()) {
            throw error(
                    at,
                    what + ": \"" + name + "\" is not a volume name (letters, digits, '.', '_', '-'); write ./" + name
                            + " for a path of the repository");
        }
        return name;
    }

    /**
     * A bind mount: a repository path (made as a directory in the stack's directory when the repository
     * lacks it, as Docker makes a missing bind source), or a host path the policy allows; {@code ~/} is
     * the home directory of the process reading the file, as for Compose (on the deployer, the
     * deployer's).
     */
    private ServiceSpec.Mount bind(Node at, String source, String target, boolean readOnly, String what) {
        if (source.startsWith("~")) {
            source = home(at, source, what);
        }
        if (source.startsWith("/")) {
            String path = StackContext.normaliseAbsolute(source);
            checkHostPath(context.policy, at, what + " \"" + source + "\"", path);
            return new ServiceSpec.Mount(ServiceSpec.Mount.Type.BIND, path, target, readOnly, false, null, null);
        }
        String path = context.repoPath(at, source, what);
        context.use(path);
        return new ServiceSpec.Mount(ServiceSpec.Mount.Type.BIND, path, target, readOnly, false, null, null);
    }

    /** {@code ~} or {@code ~/path} under this process's home directory; {@code ~user/} is refused. */
    private static String home(Node at, String source, String what) {
        if (!source.equals("~") && !source.startsWith("~/")) {
            throw error(
                    at,
                    what + " \"" + source + "\": ~user/ names another user's home directory, which differs from host"
                            + " to host; write ~/ (the deployer's home), an absolute host path, or a path of the"
                            + " repository (./dir)");
        }
        String home = System.getProperty("user.home", "");
        if (!home.startsWith("/")) {
            throw error(
                    at,
                    what + " \"" + source + "\": this process has no home directory to expand ~ with;"
                            + " write an absolute host path");
        }
        return home + source.substring(1);
    }

    /**
     * Throws unless the policy allows a bind of the host path {@code path} (normalised): the Docker
     * socket and a directory holding it need {@code docker-socket}; {@code /proc}, {@code /sys} and
     * what lies below them need a {@code bind:} allowance there (a bind of {@code /} holds them both);
     * every other path a {@code bind:<dir>} allowance above it.
     *
     * @param what the key and the path as written, for messages: {@code service "web": volume "/srv"}
     */
    static void checkHostPath(ComposePolicy policy, Node at, String what, String path) {
        hostPathRefusal(policy, what, path).ifPresent(refusal -> {
            throw error(at, refusal);
        });
    }

    /** Why the policy refuses a bind of the host path {@code path} (normalised), or empty when it allows it. */
    static Optional<String> hostPathRefusal(ComposePolicy policy, String what, String path) {
        if (policy.unrestricted()) {
            return Optional.empty();
        }
        String refused = "; the environment's policy refuses it: allow it for the environment with --allow ";
        for (String socket : DOCKER_SOCKETS) {
            if (under(socket, path) && !policy.dockerSocket()) {
                return Optional.of(what + " gives the container the Docker socket, which controls the whole host"
                        + refused + ComposePolicy.DOCKER_SOCKET);
            }
            if (socket.equals(path)) {
                return Optional.empty();
            }
        }
        for (String kernel : KERNEL_FILESYSTEMS) {
            String needed = under(path, kernel) ? path : under(kernel, path) ? kernel : null;
            if (needed != null
                    && policy.bindPaths().stream().noneMatch(dir -> under(dir, kernel) && under(needed, dir))) {
                return Optional.of(what + " gives the container the host kernel's " + kernel
                        + ", which bind:/ does not cover" + refused + ComposePolicy.BIND_PREFIX + needed);
            }
        }
        if (policy.bindPaths().stream().noneMatch(dir -> under(path, dir))) {
            return Optional.of(what + " is a path of the deployer's host, outside the repository" + refused
                    + ComposePolicy.BIND_PREFIX + path + ", or commit the files and mount ./<dir>");
        }
        return Optional.empty();
    }

    /** Whether {@code path} is {@code dir} or lies below it. */
    static boolean under(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir.equals("/") ? "/" : dir + "/");
    }
}
