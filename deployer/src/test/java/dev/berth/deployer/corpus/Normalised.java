package dev.berth.deployer.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fields of an inspected container that the differential test compares, with what differs by design
 * between two projects taken out: project names become {@code <project>}, container ids and generated
 * hostnames go, bind sources (host paths) go, built image names become {@code <built>}, capabilities lose
 * their {@code CAP_} prefix, ulimits are sorted by name, lists whose order Docker does not keep are sorted, and empty values
 * ({@code null}, {@code ""}, {@code 0}, {@code false}, {@code []}, {@code {}}) are one value, as Docker
 * treats them. Restart policy {@code ""} is {@code no}: both mean never restart. A port without a protocol
 * ({@code 9000}, as Compose v2 passes an {@code expose} entry) is {@code 9000/tcp}, as Docker reads it. A
 * container's own name among its network aliases goes: Compose v2 adds it, and Docker's DNS answers
 * for a container's name on every user-defined network it is on whether or not it is an alias.
 */
final class Normalised {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Pointer into {@code docker inspect}, by the field name the comparison reports. */
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("Name", "/Name");
        FIELDS.put("Image", "/Config/Image");
        FIELDS.put("Cmd", "/Config/Cmd");
        FIELDS.put("Entrypoint", "/Config/Entrypoint");
        FIELDS.put("Env", "/Config/Env");
        FIELDS.put("User", "/Config/User");
        FIELDS.put("WorkingDir", "/Config/WorkingDir");
        FIELDS.put("Hostname", "/Config/Hostname");
        FIELDS.put("Labels", "/Config/Labels");
        FIELDS.put("ExposedPorts", "/Config/ExposedPorts");
        FIELDS.put("Healthcheck", "/Config/Healthcheck");
        FIELDS.put("StopSignal", "/Config/StopSignal");
        FIELDS.put("StopTimeout", "/Config/StopTimeout");
        FIELDS.put("PortBindings", "/HostConfig/PortBindings");
        FIELDS.put("RestartPolicy", "/HostConfig/RestartPolicy");
        FIELDS.put("Memory", "/HostConfig/Memory");
        FIELDS.put("NanoCpus", "/HostConfig/NanoCpus");
        FIELDS.put("PidsLimit", "/HostConfig/PidsLimit");
        FIELDS.put("MemoryReservation", "/HostConfig/MemoryReservation");
        FIELDS.put("Ulimits", "/HostConfig/Ulimits");
        FIELDS.put("CapAdd", "/HostConfig/CapAdd");
        FIELDS.put("CapDrop", "/HostConfig/CapDrop");
        FIELDS.put("Init", "/HostConfig/Init");
        FIELDS.put("ReadonlyRootfs", "/HostConfig/ReadonlyRootfs");
        FIELDS.put("Tmpfs", "/HostConfig/Tmpfs");
        FIELDS.put("ExtraHosts", "/HostConfig/ExtraHosts");
        FIELDS.put("Dns", "/HostConfig/Dns");
        FIELDS.put("LogConfig", "/HostConfig/LogConfig");
        FIELDS.put("NetworkMode", "/HostConfig/NetworkMode");
        FIELDS.put("PidMode", "/HostConfig/PidMode");
        FIELDS.put("Privileged", "/HostConfig/Privileged");
        FIELDS.put("IpcMode", "/HostConfig/IpcMode");
        FIELDS.put("UsernsMode", "/HostConfig/UsernsMode");
        FIELDS.put("SecurityOpt", "/HostConfig/SecurityOpt");
        FIELDS.put("Sysctls", "/HostConfig/Sysctls");
        FIELDS.put("Devices", "/HostConfig/Devices");
        FIELDS.put("DeviceCgroupRules", "/HostConfig/DeviceCgroupRules");
        FIELDS.put("Runtime", "/HostConfig/Runtime");
        FIELDS.put("Tty", "/Config/Tty");
        FIELDS.put("OpenStdin", "/Config/OpenStdin");
        FIELDS.put("Domainname", "/Config/Domainname");
        FIELDS.put("MacAddress", "/Config/MacAddress");
        FIELDS.put("GroupAdd", "/HostConfig/GroupAdd");
        FIELDS.put("DnsSearch", "/HostConfig/DnsSearch");
        FIELDS.put("DnsOptions", "/HostConfig/DnsOptions");
        FIELDS.put("MemorySwap", "/HostConfig/MemorySwap");
        FIELDS.put("MemorySwappiness", "/HostConfig/MemorySwappiness");
        FIELDS.put("ShmSize", "/HostConfig/ShmSize");
        FIELDS.put("CpuShares", "/HostConfig/CpuShares");
        FIELDS.put("CpuQuota", "/HostConfig/CpuQuota");
        FIELDS.put("CpuPeriod", "/HostConfig/CpuPeriod");
        FIELDS.put("CpuRealtimeRuntime", "/HostConfig/CpuRealtimeRuntime");
        FIELDS.put("CpuRealtimePeriod", "/HostConfig/CpuRealtimePeriod");
        FIELDS.put("CpusetCpus", "/HostConfig/CpusetCpus");
        FIELDS.put("CpuCount", "/HostConfig/CpuCount");
        FIELDS.put("OomScoreAdj", "/HostConfig/OomScoreAdj");
        FIELDS.put("OomKillDisable", "/HostConfig/OomKillDisable");
        FIELDS.put("CgroupParent", "/HostConfig/CgroupParent");
        FIELDS.put("StorageOpt", "/HostConfig/StorageOpt");
        FIELDS.put("BlkioWeight", "/HostConfig/BlkioWeight");
        FIELDS.put("BlkioDeviceReadBps", "/HostConfig/BlkioDeviceReadBps");
        FIELDS.put("BlkioDeviceWriteBps", "/HostConfig/BlkioDeviceWriteBps");
        FIELDS.put("BlkioDeviceReadIOps", "/HostConfig/BlkioDeviceReadIOps");
        FIELDS.put("BlkioDeviceWriteIOps", "/HostConfig/BlkioDeviceWriteIOps");
        FIELDS.put("Mounts", "/Mounts");
        FIELDS.put("Networks", "/NetworkSettings/Networks");
    }

    private Normalised() {}

    /**
     * The compared fields of every container of a project, keyed {@code <service>#<number>} then field.
     *
     * @param ids container id to {@code <service>} of every container of the project, for network modes
     */
    static Map<String, Map<String, JsonNode>> of(String project, List<JsonNode> containers) {
        Map<String, String> services = new LinkedHashMap<>();
        for (JsonNode c : containers) {
            services.put(
                    c.path("Id").asText(),
                    c.at("/Config/Labels/" + Expectations.SERVICE_LABEL).asText());
        }
        Map<String, Map<String, JsonNode>> result = new TreeMap<>();
        for (JsonNode c : containers) {
            String key = c.at("/Config/Labels/" + Expectations.SERVICE_LABEL).asText() + "#"
                    + c.at("/Config/Labels/com.docker.compose.container-number").asText();
            result.put(key, fields(project, c, services));
        }
        return result;
    }

    private static Map<String, JsonNode> fields(String project, JsonNode container, Map<String, String> services) {
        String id = container.path("Id").asText();
        JsonNode c = DockerCli.json(container.toString().replace(project, "<project>"));
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        FIELDS.forEach(
                (name, pointer) -> fields.put(name, empty(c.at(pointer)) ? NullNode.getInstance() : c.at(pointer)));
        String image = fields.get("Image").asText();
        if (!CorpusProjects.BASE_IMAGES.contains(image)) {
            fields.put("Image", TextNode.valueOf("<built>"));
        }
        fields.put("Name", TextNode.valueOf(fields.get("Name").asText().replaceFirst("^/", "")));
        fields.put("ExposedPorts", withProtocol(fields.get("ExposedPorts")));
        fields.put("PortBindings", withProtocol(fields.get("PortBindings")));
        fields.put("Env", sorted(fields.get("Env")));
        fields.put("ExtraHosts", sorted(fields.get("ExtraHosts")));
        fields.put("Ulimits", byName(fields.get("Ulimits")));
        fields.put("CapAdd", capabilities(fields.get("CapAdd")));
        fields.put("CapDrop", capabilities(fields.get("CapDrop")));
        // A generated hostname is a container id's prefix: its own, or that of the container whose network
        // namespace it shares (network_mode: service:x).
        String hostname = fields.get("Hostname").asText("-");
        if (hostname.length() >= 12 && services.keySet().stream().anyMatch(i -> i.startsWith(hostname))) {
            fields.put("Hostname", NullNode.getInstance());
        }
        fields.put("Labels", labels(fields.get("Labels")));
        JsonNode restart = fields.get("RestartPolicy");
        if (!restart.isNull() && restart.path("Name").asText().isEmpty()) {
            ((ObjectNode) restart).put("Name", "no");
        }
        fields.put("Mounts", mounts(fields.get("Mounts")));
        fields.put(
                "Networks",
                networks(fields.get("Networks"), id, fields.get("Name").asText()));
        String mode = fields.get("NetworkMode").asText();
        if (mode.startsWith("container:")) {
            String other = mode.substring("container:".length());
            fields.put("NetworkMode", TextNode.valueOf("service:" + services.getOrDefault(other, other)));
        }
        fields.replaceAll((k, v) -> empty(v) ? NullNode.getInstance() : v);
        return fields;
    }

    private static boolean empty(JsonNode node) {
        return node.isMissingNode()
                || node.isNull()
                || (node.isTextual() && node.asText().isEmpty())
                || (node.isNumber() && node.asLong() == 0)
                || (node.isBoolean() && !node.asBoolean())
                || (node.isContainerNode() && node.isEmpty());
    }

    private static JsonNode sorted(JsonNode list) {
        TreeSet<String> values = new TreeSet<>();
        list.forEach(v -> values.add(v.asText()));
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }

    /** Ulimits by name: Docker applies them as a set. */
    private static JsonNode byName(JsonNode list) {
        TreeMap<String, JsonNode> byName = new TreeMap<>();
        list.forEach(u -> byName.put(u.path("Name").asText(), u));
        ArrayNode array = NODES.arrayNode();
        byName.values().forEach(array::add);
        return array;
    }

    private static JsonNode capabilities(JsonNode list) {
        TreeSet<String> values = new TreeSet<>();
        list.forEach(v -> values.add(v.asText().replaceFirst("^CAP_", "")));
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }

    /** The labels the file sets: Compose's and Berth's own bookkeeping labels left out. */
    private static JsonNode labels(JsonNode labels) {
        ObjectNode kept = NODES.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = labels.fields();
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            if (!e.getKey().startsWith("com.docker.compose.") && !e.getKey().startsWith("berth.")) {
                sorted.put(e.getKey(), e.getValue());
            }
        }
        sorted.forEach(kept::set);
        return kept;
    }

    /** Type, destination, read-write and the named volume's key (anonymous volumes unnamed), by destination. */
    private static JsonNode mounts(JsonNode mounts) {
        TreeMap<String, JsonNode> byDestination = new TreeMap<>();
        for (JsonNode m : mounts) {
            ObjectNode kept = NODES.objectNode();
            kept.put("Type", m.path("Type").asText());
            kept.put("RW", m.path("RW").asBoolean());
            if (m.path("Type").asText().equals("volume")) {
                String name = m.path("Name").asText();
                kept.put("Name", name.matches("[0-9a-f]{64}") ? "<anonymous>" : name);
            }
            byDestination.put(m.path("Destination").asText(), kept);
        }
        return JSON.valueToTree(byDestination);
    }

    /** Ports by {@code <port>/<protocol>}: Docker reads a port without one as TCP. */
    private static JsonNode withProtocol(JsonNode ports) {
        ObjectNode result = NODES.objectNode();
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        ports.fields()
                .forEachRemaining(
                        p -> sorted.put(p.getKey().contains("/") ? p.getKey() : p.getKey() + "/tcp", p.getValue()));
        sorted.forEach(result::set);
        return result;
    }

    /**
     * Network name to its sorted aliases, without the container's short id and own name;
     * with its link-local addresses and driver options too when the endpoint has any.
     */
    private static JsonNode networks(JsonNode networks, String id, String name) {
        ObjectNode result = NODES.objectNode();
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        networks.fields().forEachRemaining(n -> {
            TreeSet<String> aliases = new TreeSet<>();
            n.getValue().path("Aliases").forEach(a -> aliases.add(a.asText()));
            // The id alias (also the generated hostname) is the short id, 12 characters: a shorter alias,
            // such as a service called "db", may begin an id too.
            aliases.removeIf(a -> (a.length() >= 12 && id.startsWith(a)) || a.equals(name));
            ArrayNode array = NODES.arrayNode();
            aliases.forEach(array::add);
            // The endpoint's link-local addresses and driver options, when it has any, beside its aliases.
            JsonNode linkLocal = n.getValue().at("/IPAMConfig/LinkLocalIPs");
            JsonNode driverOpts = n.getValue().path("DriverOpts");
            boolean extended =
                    (linkLocal.isArray() && !linkLocal.isEmpty()) || (driverOpts.isObject() && !driverOpts.isEmpty());
            if (extended) {
                ObjectNode endpoint = NODES.objectNode();
                endpoint.set("Aliases", array);
                endpoint.set("LinkLocalIPs", linkLocal.isArray() ? linkLocal : NODES.arrayNode());
                endpoint.set("DriverOpts", driverOpts.isObject() ? driverOpts : NODES.objectNode());
                sorted.put(n.getKey(), endpoint);
            } else {
                sorted.put(n.getKey(), array);
            }
        });
        sorted.forEach(result::set);
        return result;
    }

    /** Every compared field name. */
    static List<String> fieldNames() {
        return new ArrayList<>(FIELDS.keySet());
    }
}
