package dev.berth.common.compose;

import static dev.berth.common.compose.Nodes.error;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a whole compose document: top-level keys, services with {@code extends} and profiles
 * applied, and the checks that span services (dependencies, published ports, what is declared and
 * used). Used by one parse.
 */
final class StackReader {
    /** The variable that enables profiles, comma separated, as in Compose. */
    static final String PROFILES_VARIABLE = "COMPOSE_PROFILES";

    private static final Set<String> TOP_LEVEL_KEYS =
            Set.of("services", "name", "version", "networks", "volumes", "configs", "secrets");
    private static final Pattern PROJECT_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private final StackContext context;

    StackReader(StackContext context) {
        this.context = context;
    }

    ComposeStack read(String content) {
        Node root = context.mainDocument(content);
        Map<String, NodeTuple> top = new Includes(context).resolve(root);
        for (Map.Entry<String, NodeTuple> entry : top.entrySet()) {
            String key = entry.getKey();
            if (TOP_LEVEL_KEYS.contains(key) || key.startsWith("x-")) {
                continue;
            }
            if (key.equals("models")) {
                throw error(
                        entry.getValue().getKeyNode(),
                        "top-level key \"models\" is not supported by this version of Berth: it needs Docker Model"
                                + " Runner; remove it and run the model as a service");
            }
            throw error(
                    entry.getValue().getKeyNode(),
                    "top-level key \"" + key + "\" is not a Compose key"
                            + Nodes.suggestion(key, TOP_LEVEL_KEYS)
                                    .map(n -> ": did you mean \"" + n + "\"?")
                                    .orElse(
                                            "; use services, name, include, networks, volumes, configs, secrets or x-*"));
        }
        if (top.containsKey("version")) {
            context.warn(
                    top.get("version").getKeyNode(),
                    "version is obsolete and ignored: Compose reads every file by the Compose Specification; remove"
                            + " it");
        }
        String name = null;
        if (top.containsKey("name")) {
            Node nameNode = top.get("name").getValueNode();
            name = Nodes.scalar(nameNode, "name");
            if (!PROJECT_NAME.matcher(name).matches()) {
                throw error(
                        nameNode,
                        "name \"" + name + "\" is not a valid project name: use lower-case letters, digits, '-' and"
                                + " '_', starting with a letter or digit");
            }
        }
        NodeTuple services = top.get("services");
        if (services == null) {
            throw error(root, "no \"services\" key: a compose file must declare at least one service");
        }
        Map<String, NodeTuple> serviceNodes = new LinkedHashMap<>();
        Nodes.mapping(services.getValueNode(), "services").forEach((key, tuple) -> {
            if (!key.startsWith("x-")) {
                serviceNodes.put(key, tuple);
            }
        });
        if (serviceNodes.isEmpty()) {
            throw error(services.getValueNode(), "\"services\" is empty: declare at least one service");
        }

        TopLevel topLevel = new TopLevel(context);
        Map<String, NodeTuple> secrets = TopLevel.fileSources(top.get("secrets"), "secrets");
        Map<String, NodeTuple> configs = TopLevel.fileSources(top.get("configs"), "configs");
        secrets.forEach((key, tuple) -> topLevel.fileSource(key, tuple, true, false));
        configs.forEach((key, tuple) -> topLevel.fileSource(key, tuple, false, false));
        ServiceReader.Declarations declarations = new ServiceReader.Declarations(
                topLevel.networks(top.get("networks")), topLevel.volumes(top.get("volumes")), secrets, configs);

        // extends and profiles first: which services are active decides what else is read.
        Extends extendsResolver = new Extends(context);
        Set<String> enabled = enabledProfiles();
        Map<String, Map<String, NodeTuple>> keysByService = new LinkedHashMap<>();
        Map<String, List<String>> profiles = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> entry : serviceNodes.entrySet()) {
            Map<String, NodeTuple> keys = extendsResolver.resolve(entry.getKey(), entry.getValue(), serviceNodes);
            ServiceReader.checkKeys(entry.getKey(), entry.getValue(), keys);
            keysByService.put(entry.getKey(), keys);
            profiles.put(entry.getKey(), ServiceReader.profiles(entry.getKey(), keys));
        }
        Set<String> active = new LinkedHashSet<>();
        profiles.forEach((service, in) -> {
            if (in.isEmpty() || enabled.contains("*") || in.stream().anyMatch(enabled::contains)) {
                active.add(service);
            }
        });
        if (active.isEmpty()) {
            throw error(
                    services.getKeyNode(),
                    "no service is active: each is in a profile that " + PROFILES_VARIABLE + " ("
                            + String.join(",", enabled) + ") does not enable; set " + PROFILES_VARIABLE
                            + " in the environment or the stack's .env");
        }

        ServiceReader reader = new ServiceReader(context, declarations);
        Map<String, ServiceReader.Read> reads = new LinkedHashMap<>();
        for (String service : active) {
            reads.put(service, reader.read(service, serviceNodes.get(service), keysByService.get(service)));
        }
        Map<String, ServiceSpec> specs = new LinkedHashMap<>();
        for (ServiceReader.Read read : reads.values()) {
            specs.put(read.spec().name(), checkDependencies(read, serviceNodes.keySet(), active, profiles));
        }
        List<ServiceSpec> ordered = DependencyOrder.order(specs, serviceNodes);
        PortConflicts.check(reads.values());
        ContainerNames.checkDistinct(reads.values());

        Map<String, ComposeStack.NetworkSpec> networks = new LinkedHashMap<>();
        Set<String> usedNetworks = new LinkedHashSet<>();
        Set<String> usedVolumes = new LinkedHashSet<>();
        Set<String> usedSecrets = new LinkedHashSet<>();
        Set<String> usedConfigs = new LinkedHashSet<>();
        for (ServiceReader.Read read : reads.values()) {
            usedNetworks.addAll(read.spec().networks().keySet());
            usedVolumes.addAll(read.volumes());
            usedSecrets.addAll(read.secrets());
            usedConfigs.addAll(read.configs());
        }
        if (usedNetworks.contains("default") && !declarations.networks().containsKey("default")) {
            networks.put("default", ComposeStack.NetworkSpec.byDefault());
        }
        declarations.networks().forEach((key, spec) -> {
            if (usedNetworks.contains(key)) {
                networks.put(key, spec);
            }
        });
        Map<String, ComposeStack.VolumeSpec> volumes = new LinkedHashMap<>();
        declarations.volumes().forEach((key, spec) -> {
            if (usedVolumes.contains(key)) {
                volumes.put(key, spec);
            }
        });
        Map<String, ComposeStack.FileSource> usedSecretSources = new LinkedHashMap<>();
        secrets.forEach((key, tuple) -> {
            if (usedSecrets.contains(key)) {
                usedSecretSources.put(key, topLevel.fileSource(key, tuple, true, true));
            }
        });
        Map<String, ComposeStack.FileSource> usedConfigSources = new LinkedHashMap<>();
        configs.forEach((key, tuple) -> {
            if (usedConfigs.contains(key)) {
                usedConfigSources.put(key, topLevel.fileSource(key, tuple, false, true));
            }
        });
        return new ComposeStack(
                name,
                ordered,
                networks,
                volumes,
                usedSecretSources,
                usedConfigSources,
                context.hostVariables,
                context.usedPaths);
    }

    private Set<String> enabledProfiles() {
        Set<String> enabled = new LinkedHashSet<>();
        String value = context.variables.get(PROFILES_VARIABLE);
        if (value != null) {
            for (String profile : value.split(",")) {
                if (!profile.isBlank()) {
                    enabled.add(profile.strip());
                }
            }
        }
        return enabled;
    }

    /**
     * The service's spec once its dependencies are checked: each names a service of the stack, and one
     * that is active unless the dependency is not required (then it is dropped, as Compose only warns).
     */
    private static ServiceSpec checkDependencies(
            ServiceReader.Read read, Set<String> declared, Set<String> active, Map<String, List<String>> profiles) {
        ServiceSpec spec = read.spec();
        Map<String, ServiceSpec.Dependency> kept = new LinkedHashMap<>();
        String networkService = spec.options().networkMode() != null
                        && spec.options().networkMode().startsWith("service:")
                ? spec.options().networkMode().substring("service:".length())
                : null;
        for (Map.Entry<String, ServiceSpec.Dependency> entry : spec.dependsOn().entrySet()) {
            String dependency = entry.getKey();
            boolean explicit = dependsOnNames(read).contains(dependency);
            boolean throughNetwork = dependency.equals(networkService) && !explicit;
            String implicitKey = explicit ? "depends_on" : implicitDependency(spec, dependency);
            Node at = throughNetwork
                    ? read.keys().get("network_mode").getValueNode()
                    : read.keys().get(implicitKey).getKeyNode();
            String how = throughNetwork
                    ? "uses the network of"
                    : switch (implicitKey) {
                        case "links" -> "links to";
                        case "volumes_from" -> "takes the volumes of";
                        default -> "depends on";
                    };
            if (!declared.contains(dependency)) {
                throw error(
                        at,
                        "service \"" + spec.name() + "\" " + how + " \"" + dependency
                                + "\", which this stack does not declare"
                                + Nodes.suggestion(
                                                dependency,
                                                declared.stream()
                                                        .filter(n -> !n.equals(spec.name()))
                                                        .toList())
                                        .map(n -> "; did you mean \"" + n + "\"?")
                                        .orElse(""));
            }
            if (!active.contains(dependency)) {
                if (!entry.getValue().required() && !throughNetwork) {
                    continue;
                }
                throw error(
                        at,
                        "service \"" + spec.name() + "\" " + how + " \"" + dependency + "\", which is not active: it"
                                + " is only in profile(s) " + String.join(", ", profiles.get(dependency))
                                + " and " + PROFILES_VARIABLE + " enables none of them; add one to "
                                + PROFILES_VARIABLE + ", or put \"" + spec.name() + "\" in the same profile");
            }
            kept.put(dependency, entry.getValue());
        }
        if (kept.size() == spec.dependsOn().size()) {
            return spec;
        }
        return new ServiceSpec(
                spec.name(),
                spec.image(),
                spec.build(),
                spec.entrypoint(),
                spec.command(),
                spec.environment(),
                spec.ports(),
                spec.expose(),
                spec.healthcheck(),
                spec.labels(),
                kept,
                spec.networks(),
                spec.volumes(),
                spec.secrets(),
                spec.configs(),
                spec.replicas(),
                spec.options(),
                spec.update(),
                spec.gate(),
                spec.platform(),
                spec.pull(),
                spec.annotations(),
                spec.links(),
                spec.volumesFrom(),
                spec.containerName(),
                spec.postStart(),
                spec.preStop());
    }

    /** The key that made a service a dependency without depends_on naming it: links or volumes_from. */
    private static String implicitDependency(ServiceSpec spec, String dependency) {
        if (spec.links().stream().anyMatch(l -> dependency.equals(l.service()))) {
            return "links";
        }
        if (spec.volumesFrom().stream().anyMatch(v -> dependency.equals(v.service()))) {
            return "volumes_from";
        }
        return "depends_on";
    }

    private static Set<String> dependsOnNames(ServiceReader.Read read) {
        NodeTuple tuple = read.keys().get("depends_on");
        Set<String> names = new LinkedHashSet<>();
        if (tuple == null) {
            return names;
        }
        Node node = tuple.getValueNode();
        if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                names.add(Nodes.scalar(item, "depends_on"));
            }
        } else {
            names.addAll(Nodes.mapping(node, "depends_on").keySet());
        }
        return names;
    }
}
