package dev.berth.deployer.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.compose.ComposeStack;
import dev.berth.common.compose.ServiceSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A service spec as the config hash sees it, and the differences between two such specs, field by
 * field: what {@code berth diff} shows as the reason a container would be recreated. Pure.
 */
public final class SpecFields {
    /** Longer values are cut, so a line stays readable. */
    private static final int MAX_VALUE = 60;

    private static final List<String> LATER_OPTIONS = List.of(
            "ipc", "uts", "usernsMode", "cgroup", "securityOpt", "sysctls", "devices", "deviceCgroupRules", "runtime");

    /** Service fields added with the keys of Compose v2: each counts only when set. */
    private static final List<String> PRUNED_FIELDS =
            List.of("platform", "annotations", "links", "volumesFrom", "postStart", "preStop");

    /** Options added later still, some of them flags or groups: each counts only for what it sets. */
    private static final List<String> PRUNED_OPTIONS =
            List.of("stdinOpen", "tty", "groupAdd", "dnsSearch", "dnsOpt", "domainname", "macAddress", "limits");

    private static final List<String> LATER_BUILD_FIELDS =
            List.of("cacheFrom", "network", "shmSize", "extraHosts", "noCache", "pull");
    private static final List<String> LATER_NETWORK_FIELDS = List.of(
            "ipv4Address",
            "ipv6Address",
            "priority",
            "macAddress",
            "linkLocalIps",
            "driverOpts",
            "gwPriority",
            "interfaceName");

    private SpecFields() {}

    /**
     * The spec without what says how containers are replaced rather than what they run: the replica
     * count, the update policy, Berth's gate and the pull policy (the image id it resolves to counts).
     */
    public static ObjectNode of(ObjectMapper json, ServiceSpec service) {
        ObjectNode spec = json.valueToTree(service);
        spec.remove("replicas");
        spec.remove("update");
        spec.remove("gate");
        // container_name came later too: a service without it keeps the hash it had before.
        if (isAbsent(spec.path("containerName"))) {
            spec.remove("containerName");
        }
        // Options added after containers were first labelled count only when set, so a container
        // deployed before they existed keeps its hash.
        // Keys of Compose v2 added to the spec later still: each counts only when set.
        for (String field : PRUNED_FIELDS) {
            if (isUnset(spec.path(field))) {
                spec.remove(field);
            }
        }
        spec.remove("pull");
        if (spec.get("healthcheck") instanceof ObjectNode healthcheck
                && healthcheck.path("startInterval").isNull()) {
            healthcheck.remove("startInterval");
        }
        if (spec.get("options") instanceof ObjectNode options) {
            if (options.get("resources") instanceof ObjectNode resources
                    && isAbsent(resources.path("deviceRequests"))) {
                resources.remove("deviceRequests");
            }
            for (String field : LATER_OPTIONS) {
                if (isAbsent(options.path(field))) {
                    options.remove(field);
                }
            }
            for (String field : PRUNED_OPTIONS) {
                if (isUnset(options.path(field))) {
                    options.remove(field);
                }
            }
        }
        if (spec.get("build") instanceof ObjectNode build) {
            LATER_BUILD_FIELDS.forEach(field -> {
                JsonNode value = build.path(field);
                if (isAbsent(value) || (value.isBoolean() && !value.asBoolean())) {
                    build.remove(field);
                }
            });
        }
        // A mount's SELinux relabelling came later: a mount without it keeps the hash it had.
        spec.path("volumes").forEach(mount -> {
            if (mount instanceof ObjectNode m && m.path("selinux").isNull()) {
                m.remove("selinux");
            }
        });
        if (spec.get("networks") instanceof ObjectNode networks) {
            networks.elements().forEachRemaining(network -> {
                if (network instanceof ObjectNode attachment) {
                    LATER_NETWORK_FIELDS.forEach(field -> {
                        if (isAbsent(attachment.path(field))
                                || attachment.path(field).asText().equals("0")) {
                            attachment.remove(field);
                        }
                    });
                }
            });
        }
        return spec;
    }

    /**
     * True for a value that sets nothing: null, false, empty, or an object whose members all set
     * nothing (which are removed from it).
     */
    private static boolean isUnset(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> unset = new ArrayList<>();
            object.fields().forEachRemaining(e -> {
                if (isUnset(e.getValue())) {
                    unset.add(e.getKey());
                }
            });
            object.remove(unset);
        }
        return isAbsent(node) || (node.isBoolean() && !node.booleanValue());
    }

    /** One line per changed field: {@code image: "nginx:1.25" → "nginx:1.27"}, {@code environment.LOG: added "x"}. */
    public static List<String> differences(ObjectMapper json, ServiceSpec before, ServiceSpec after) {
        List<String> lines = new ArrayList<>();
        diff("", of(json, before), of(json, after), lines);
        return lines;
    }

    private static void diff(String path, JsonNode before, JsonNode after, List<String> lines) {
        if (before.equals(after)) {
            return;
        }
        if (before.isObject() && after.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            before.fieldNames().forEachRemaining(names::add);
            after.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String child = path.isEmpty() ? name : path + "." + name;
                JsonNode b = before.path(name);
                JsonNode a = after.path(name);
                if (isAbsent(b) && !isAbsent(a)) {
                    lines.add(child + ": added " + show(a));
                } else if (!isAbsent(b) && isAbsent(a)) {
                    lines.add(child + ": removed (was " + show(b) + ")");
                } else {
                    diff(child, b, a, lines);
                }
            }
            return;
        }
        lines.add(path + ": " + show(before) + " → " + show(after));
    }

    private static boolean isAbsent(JsonNode node) {
        return node.isMissingNode() || node.isNull() || (node.isContainerNode() && node.isEmpty());
    }

    private static String show(JsonNode node) {
        String text = node.toString();
        return text.length() > MAX_VALUE ? text.substring(0, MAX_VALUE - 1) + "…" : text;
    }

    /** Whether {@code path} is {@code root} or lies under it. */
    static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root.endsWith("/") ? root : root + "/");
    }

    /** The repository paths a service's containers read: bind sources, secret and config files, its build context. */
    public static List<String> readPaths(ComposeStack stack, ServiceSpec service) {
        List<String> paths = new ArrayList<>();
        for (ServiceSpec.Mount m : service.volumes()) {
            if (m.type() == ServiceSpec.Mount.Type.BIND && m.source() != null && !m.hostPath()) {
                paths.add(m.source());
            }
        }
        addFiles(service.secrets(), stack.secrets(), paths);
        addFiles(service.configs(), stack.configs(), paths);
        if (service.build() != null) {
            paths.add(service.build().context());
        }
        return paths;
    }

    private static void addFiles(
            List<ServiceSpec.FileMount> mounts, Map<String, ComposeStack.FileSource> sources, List<String> paths) {
        for (ServiceSpec.FileMount mount : mounts) {
            ComposeStack.FileSource source = sources.get(mount.source());
            if (source != null && source.file() != null) {
                paths.add(source.file());
            }
        }
    }

    /** The changed paths that lie under one of {@code roots}. */
    public static List<String> touched(List<String> roots, Collection<String> changed) {
        return changed.stream()
                .filter(p -> roots.stream().anyMatch(r -> under(p, r)))
                .sorted()
                .toList();
    }
}
