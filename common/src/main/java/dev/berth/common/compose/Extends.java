package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;
import static dev.berth.common.compose.Nodes.mapping;
import static dev.berth.common.compose.Nodes.scalar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Resolves {@code extends} as Compose does: the referenced service (in the same file, or in another
 * file of the repository, itself resolved first) is merged under the service's own keys. Mappings
 * merge key by key, {@code command}, {@code entrypoint} and other single values are replaced,
 * sequences are appended ({@code ports}, {@code expose}, {@code cap_add}, {@code secrets} and
 * {@code configs} without duplicates), {@code volumes} merge by container path, and
 * {@code depends_on}, {@code links} and {@code volumes_from} are never inherited. Values keep the
 * file they were written in, so their relative paths resolve against that file's directory. Used by
 * one parse.
 */
final class Extends {
    /** Keys whose list or mapping forms merge as mappings, key by key. */
    private static final Set<String> MAPPINGS = Set.of(
            "annotations", "environment", "labels", "extra_hosts", "sysctls", "storage_opt", "networks", "ulimits");

    /** Keys whose mappings merge recursively. */
    private static final Set<String> DEEP_MAPPINGS = Set.of("build", "deploy", "logging");

    /** Sequences appended without duplicates. */
    private static final Set<String> UNIQUE_SEQUENCES = Set.of(
            "cap_add",
            "cap_drop",
            "configs",
            "device_cgroup_rules",
            "expose",
            "external_links",
            "ports",
            "secrets",
            "security_opt");

    /** Sequences appended as they are. */
    private static final Set<String> SEQUENCES = Set.of("dns", "dns_search", "env_file", "tmpfs");

    /** Keys a service never inherits, so its dependencies stay visible where it is declared. */
    private static final Set<String> NOT_INHERITED = Set.of("depends_on", "links", "volumes_from", "extends");

    /**
     * Services in one {@code extends} chain: real stacks use two or three levels; each level is a
     * recursive call, so the limit keeps a generated chain of thousands from overflowing the stack.
     */
    static final int MAX_CHAIN = 32;

    private final StackContext context;

    Extends(StackContext context) {
        this.context = context;
    }

    /**
     * The service's keys with its {@code extends} chain merged in.
     *
     * @param services the services of the file that declares it, by name
     */
    Map<String, NodeTuple> resolve(String name, NodeTuple service, Map<String, NodeTuple> services) {
        return resolve(name, service, services, new ArrayList<>());
    }

    private Map<String, NodeTuple> resolve(
            String name, NodeTuple service, Map<String, NodeTuple> services, List<String> chain) {
        String where = "service \"" + name + "\"";
        Node node = service.getValueNode();
        if (node instanceof ScalarNode s && s.getValue().isEmpty()) {
            throw error(service.getKeyNode(), where + " is empty: give it at least an image");
        }
        Map<String, NodeTuple> keys = mapping(node, where);
        NodeTuple extendsTuple = keys.get("extends");
        if (extendsTuple == null) {
            return keys;
        }
        String what = where + ": extends";
        Node value = extendsTuple.getValueNode();
        Node serviceNode;
        @Nullable Node fileNode = null;
        if (value instanceof ScalarNode) {
            serviceNode = value;
        } else {
            Map<String, NodeTuple> options = mapping(value, what);
            for (Map.Entry<String, NodeTuple> option : options.entrySet()) {
                if (!option.getKey().equals("service") && !option.getKey().equals("file")) {
                    throw error(
                            option.getValue().getKeyNode(),
                            what + ": key \"" + option.getKey() + "\" is not known; use service and file");
                }
            }
            if (!options.containsKey("service")) {
                throw error(value, what + " needs \"service\": the name of the service to extend");
            }
            serviceNode = options.get("service").getValueNode();
            fileNode = options.containsKey("file") ? options.get("file").getValueNode() : null;
        }
        String baseName = scalar(serviceNode, what + ": service").strip();
        String file = Nodes.file(node);
        Map<String, NodeTuple> baseServices = services;
        if (fileNode != null) {
            String written = scalar(fileNode, what + ": file").strip();
            if (written.startsWith("/")) {
                throw error(
                        fileNode,
                        what + ": file \"" + written + "\" is an absolute path; name a file of the repository,"
                                + " relative to "
                                + (StackContext.directoryOf(file).isEmpty()
                                        ? "the repository root"
                                        : StackContext.directoryOf(file)));
            }
            String path = context.repoPath(fileNode, written, what + ": file");
            if (!path.equals(file)) {
                Optional<Node> document = context.document(path);
                if (document.isEmpty()) {
                    throw error(
                            fileNode,
                            what + ": file \"" + written + "\" (" + path + ") does not exist in the repository;"
                                    + " commit it or fix the path");
                }
                context.use(path);
                file = path;
                Map<String, NodeTuple> top = mapping(document.get(), path);
                NodeTuple servicesTuple = top.get("services");
                if (servicesTuple == null) {
                    throw error(document.get(), "no \"services\" key: " + where + " extends a service of this file");
                }
                baseServices = mapping(servicesTuple.getValueNode(), "services");
            }
        }
        NodeTuple base = baseServices.get(baseName);
        if (base == null) {
            throw error(
                    serviceNode,
                    what + ": service \"" + baseName + "\" is not declared in " + file
                            + Nodes.suggestion(baseName, baseServices.keySet())
                                    .map(n -> "; did you mean \"" + n + "\"?")
                                    .orElse(""));
        }
        String id = file + ":" + baseName;
        String self = Nodes.file(node) + ":" + name;
        if (chain.isEmpty()) {
            chain.add(self);
        }
        if (chain.contains(id)) {
            List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(id), chain.size()));
            cycle.add(id);
            throw error(
                    extendsTuple.getKeyNode(),
                    "extends forms a cycle: "
                            + String.join(
                                    " -> ",
                                    cycle.stream()
                                            .map(step -> step.startsWith(context.composeFile + ":")
                                                    ? step.substring(context.composeFile.length() + 1)
                                                    : step)
                                            .toList()));
        }
        if (chain.size() > MAX_CHAIN) {
            throw error(
                    extendsTuple.getKeyNode(),
                    "extends chains more than " + MAX_CHAIN + " services (from " + chain.get(0)
                            + "); no stack needs that many levels: extend a common base instead");
        }
        chain.add(id);
        Map<String, NodeTuple> inherited = resolve(baseName, base, baseServices, chain);
        chain.remove(chain.size() - 1);
        return merge(inherited, keys);
    }

    private static Map<String, NodeTuple> merge(Map<String, NodeTuple> base, Map<String, NodeTuple> own) {
        Map<String, NodeTuple> result = new LinkedHashMap<>(base);
        result.keySet().removeAll(NOT_INHERITED);
        for (Map.Entry<String, NodeTuple> entry : own.entrySet()) {
            String key = entry.getKey();
            if (key.equals("extends")) {
                continue;
            }
            NodeTuple inherited = result.get(key);
            NodeTuple mine = entry.getValue();
            result.put(
                    key,
                    inherited == null
                            ? mine
                            : new NodeTuple(
                                    mine.getKeyNode(), mergeValue(key, inherited.getValueNode(), mine.getValueNode())));
        }
        return result;
    }

    private static Node mergeValue(String key, Node base, Node own) {
        if (MAPPINGS.contains(key)) {
            Map<String, NodeTuple> b = asMapping(key, base);
            Map<String, NodeTuple> o = asMapping(key, own);
            if (b == null || o == null) {
                return own;
            }
            b.putAll(o);
            return mappingNode(b, own);
        }
        if (key.equals("healthcheck")) {
            if (!(base instanceof MappingNode) || !(own instanceof MappingNode)) {
                return own;
            }
            Map<String, NodeTuple> merged = new LinkedHashMap<>(mapping(base, "healthcheck"));
            merged.putAll(mapping(own, "healthcheck"));
            return mappingNode(merged, own);
        }
        if (DEEP_MAPPINGS.contains(key)) {
            return deepMerge(key, base, own);
        }
        if (UNIQUE_SEQUENCES.contains(key) || SEQUENCES.contains(key) || key.equals("volumes")) {
            List<Node> b = asSequence(base);
            List<Node> o = asSequence(own);
            if (b == null || o == null) {
                return own;
            }
            Map<String, Node> merged = new LinkedHashMap<>();
            List<Node> all = new ArrayList<>(b);
            all.addAll(o);
            int n = 0;
            for (Node item : all) {
                String identity = UNIQUE_SEQUENCES.contains(key)
                        ? identity(key, item)
                        : key.equals("volumes") ? volumeTarget(item) : "#" + n++;
                // A later item with the same identity replaces the earlier one in its place.
                merged.put(identity, item);
            }
            return new SequenceNode(
                    Tag.SEQ,
                    false,
                    new ArrayList<>(merged.values()),
                    FlowStyle.AUTO,
                    own.getStartMark(),
                    own.getEndMark());
        }
        return own;
    }

    private static Node deepMerge(String key, Node base, Node own) {
        Node b = key.equals("build") && base instanceof ScalarNode ? buildMapping(base) : base;
        Node o = key.equals("build") && own instanceof ScalarNode ? buildMapping(own) : own;
        if (!(b instanceof MappingNode) || !(o instanceof MappingNode)) {
            return own;
        }
        Map<String, NodeTuple> merged = new LinkedHashMap<>(mapping(b, key));
        for (Map.Entry<String, NodeTuple> entry : mapping(o, key).entrySet()) {
            NodeTuple inherited = merged.get(entry.getKey());
            if (inherited == null) {
                merged.put(entry.getKey(), entry.getValue());
                continue;
            }
            Node ib = inherited.getValueNode();
            Node io = entry.getValue().getValueNode();
            Node value;
            if (key.equals("build")
                    && (entry.getKey().equals("args") || entry.getKey().equals("labels"))) {
                Map<String, NodeTuple> mb = asMapping(entry.getKey(), ib);
                Map<String, NodeTuple> mo = asMapping(entry.getKey(), io);
                if (mb != null && mo != null) {
                    mb.putAll(mo);
                    value = mappingNode(mb, io);
                } else {
                    value = io;
                }
            } else if (ib instanceof MappingNode && io instanceof MappingNode) {
                value = deepMerge(key + "." + entry.getKey(), ib, io);
            } else {
                value = io;
            }
            merged.put(entry.getKey(), new NodeTuple(entry.getValue().getKeyNode(), value));
        }
        return mappingNode(merged, own);
    }

    private static Node buildMapping(Node context) {
        ScalarNode key = new ScalarNode(
                Tag.STR, true, "context", ScalarStyle.PLAIN, context.getStartMark(), context.getEndMark());
        return new MappingNode(
                Tag.MAP,
                false,
                List.of(new NodeTuple(key, context)),
                FlowStyle.AUTO,
                context.getStartMark(),
                context.getEndMark());
    }

    /**
     * A list-or-mapping value as a mapping: {@code KEY=value} items (or {@code host:address} for
     * {@code extra_hosts}, names for {@code networks}) become entries; a bare {@code KEY} of
     * {@code environment} stays without a value. Null when the node is neither.
     */
    private static @Nullable Map<String, NodeTuple> asMapping(String key, Node node) {
        if (node instanceof MappingNode) {
            return new LinkedHashMap<>(mapping(node, key));
        }
        if (!(node instanceof SequenceNode sequence)) {
            return null;
        }
        Map<String, NodeTuple> result = new LinkedHashMap<>();
        for (Node item : sequence.getValue()) {
            if (!(item instanceof ScalarNode scalarItem)) {
                return null;
            }
            String text = scalarItem.getValue();
            int sep = text.indexOf('=');
            if (key.equals("extra_hosts") && sep < 0) {
                sep = text.indexOf(':');
            }
            if (key.equals("networks")) {
                sep = -1;
            }
            String name = sep < 0 ? text : text.substring(0, sep);
            ScalarNode value;
            if (sep >= 0) {
                value = synthetic(Tag.STR, text.substring(sep + 1), item);
            } else if (key.equals("environment") || key.equals("args") || key.equals("networks")) {
                value = synthetic(Tag.NULL, "", item);
            } else {
                value = synthetic(Tag.STR, "", item);
            }
            result.put(name, new NodeTuple(synthetic(Tag.STR, name, item), value));
        }
        return result;
    }

    private static ScalarNode synthetic(Tag tag, String value, Node at) {
        return new ScalarNode(tag, true, value, ScalarStyle.PLAIN, at.getStartMark(), at.getEndMark());
    }

    private static @Nullable List<Node> asSequence(Node node) {
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        if (node instanceof ScalarNode) {
            return List.of(node);
        }
        return null;
    }

    private static MappingNode mappingNode(Map<String, NodeTuple> entries, Node at) {
        return new MappingNode(
                Tag.MAP, false, new ArrayList<>(entries.values()), FlowStyle.AUTO, at.getStartMark(), at.getEndMark());
    }

    /** What makes an item unique in a merged sequence: secrets and configs by target, others by value. */
    private static String identity(String key, Node item) {
        if ((key.equals("secrets") || key.equals("configs")) && item instanceof MappingNode) {
            Map<String, String> fields = new TreeMap<>();
            for (NodeTuple tuple : ((MappingNode) item).getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k && tuple.getValueNode() instanceof ScalarNode v) {
                    fields.put(k.getValue(), v.getValue());
                }
            }
            String target = fields.getOrDefault("target", fields.getOrDefault("source", ""));
            return FileMounts.target(key.equals("secrets"), target);
        }
        if ((key.equals("secrets") || key.equals("configs")) && item instanceof ScalarNode s) {
            return FileMounts.target(key.equals("secrets"), s.getValue());
        }
        return canonical(item);
    }

    private static String volumeTarget(Node item) {
        if (item instanceof ScalarNode s) {
            String[] parts = s.getValue().split(":");
            return parts.length == 1 ? parts[0] : parts[1];
        }
        if (item instanceof MappingNode m) {
            for (NodeTuple tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k
                        && k.getValue().equals("target")
                        && tuple.getValueNode() instanceof ScalarNode v) {
                    return v.getValue();
                }
            }
        }
        return canonical(item);
    }

    private static String canonical(Node node) {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        if (node instanceof SequenceNode seq) {
            List<String> items = new ArrayList<>();
            seq.getValue().forEach(item -> items.add(canonical(item)));
            return items.toString();
        }
        Map<String, String> entries = new TreeMap<>();
        for (NodeTuple tuple : ((MappingNode) node).getValue()) {
            entries.put(canonical(tuple.getKeyNode()), canonical(tuple.getValueNode()));
        }
        return entries.toString();
    }
}
