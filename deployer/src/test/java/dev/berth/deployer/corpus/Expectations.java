package dev.berth.deployer.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Checks what {@code docker inspect} shows of a running stack against the expectations of expect.json.
 *
 * <p>The language: in {@code services.<name>}, {@code replicas} (1 by default), {@code state} (a subset
 * of {@code .State}; running by default), {@code health} ({@code healthy} or {@code none}), {@code inspect}
 * (JSON pointer into the inspected container to the expected value), {@code env}, {@code envAbsent},
 * {@code labels}, {@code mounts} (by destination), {@code networks} (by network name), {@code networksOnly},
 * {@code capAdd} (compared without the {@code CAP_} prefix), {@code exec} (a command run in the container
 * and its output), {@code networkModeOf} (shares that service's network namespace), {@code startedAfter},
 * {@code startedAfterHealthy} and {@code startedAfterExit}. At top level: {@code absent} (services with no
 * container), {@code networks} and {@code volumes} (by engine name, JSON pointer to value). Expected
 * objects match when every key they name matches; arrays match element by element;
 * {@code {"$contains": [...]}} matches an array holding those elements; {@code {"$oneOf": [...]}} matches
 * any of the values (Docker's equivalent spellings); {@code {"$absent": true}} matches a
 * missing, null or empty value. {@code ${PROJECT}} stands for the Compose project name.
 */
final class Expectations {
    static final String PROJECT_LABEL = "com.docker.compose.project";
    static final String SERVICE_LABEL = "com.docker.compose.service";

    private final DockerCli docker;
    private final String project;
    private final JsonNode expect;
    private final List<String> errors = new ArrayList<>();
    private @Nullable Map<String, List<JsonNode>> containers;

    private Expectations(DockerCli docker, String project, JsonNode expect) {
        this.docker = docker;
        this.project = project;
        this.expect = DockerCli.json(expect.toString().replace("${PROJECT}", project));
    }

    /**
     * Every mismatch between the project running on this engine and {@code expect} (services, absent,
     * networks, volumes).
     */
    static List<String> check(DockerCli docker, String project, JsonNode expect) {
        Expectations check = new Expectations(docker, project, expect);
        check.run();
        return check.errors;
    }

    private static int number(JsonNode container) {
        return container
                .at("/Config/Labels/com.docker.compose.container-number")
                .asInt(0);
    }

    /** The inspected containers of one service, by container number; the project is inspected once. */
    private List<JsonNode> service(String name) {
        if (containers == null) {
            containers = new HashMap<>();
            for (JsonNode c : CorpusProjects.inspectAll(docker, project)) {
                containers
                        .computeIfAbsent(c.at("/Config/Labels/" + SERVICE_LABEL).asText(), k -> new ArrayList<>())
                        .add(c);
            }
            containers.values().forEach(list -> list.sort(Comparator.comparingInt(Expectations::number)));
        }
        return containers.getOrDefault(name, List.of());
    }

    private void run() {
        Iterator<Map.Entry<String, JsonNode>> services = expect.path("services").fields();
        while (services.hasNext()) {
            Map.Entry<String, JsonNode> entry = services.next();
            checkService(entry.getKey(), entry.getValue());
        }
        for (JsonNode absent : expect.path("absent")) {
            if (!service(absent.asText()).isEmpty()) {
                errors.add("service " + absent.asText() + " should not run, but has "
                        + service(absent.asText()).size() + " container(s)");
            }
        }
        checkObjects("network", expect.path("networks"));
        checkObjects("volume", expect.path("volumes"));
    }

    private void checkObjects(String kind, JsonNode objects) {
        objects.fields().forEachRemaining(entry -> {
            Optional<JsonNode> found = docker.find(kind, entry.getKey());
            if (found.isEmpty()) {
                errors.add(kind + " " + entry.getKey() + " does not exist");
                return;
            }
            JsonNode inspected = found.get();
            entry.getValue()
                    .fields()
                    .forEachRemaining(p -> match(
                            p.getValue(), inspected.at(p.getKey()), kind + " " + entry.getKey() + " " + p.getKey()));
        });
    }

    private void checkService(String name, JsonNode spec) {
        List<JsonNode> running = service(name);
        int replicas = spec.path("replicas").asInt(1);
        if (running.size() != replicas) {
            errors.add("service " + name + ": " + running.size() + " container(s), expected " + replicas);
        }
        for (JsonNode c : running) {
            checkContainer(name + "#" + number(c), spec, c);
        }
    }

    private void checkContainer(String where, JsonNode spec, JsonNode c) {
        JsonNode state = spec.has("state") ? spec.get("state") : DockerCli.json("{\"Status\":\"running\"}");
        match(state, c.path("State"), where + " state");
        String health = spec.path("health").asText("");
        if (health.equals("none")) {
            if (!c.at("/State/Health").isMissingNode() && !c.at("/State/Health").isNull()) {
                errors.add(where + ": has a health state " + c.at("/State/Health/Status") + ", expected none");
            }
        } else if (!health.isEmpty()) {
            match(spec.get("health"), c.at("/State/Health/Status"), where + " health");
        }
        spec.path("inspect")
                .fields()
                .forEachRemaining(p -> match(p.getValue(), c.at(p.getKey()), where + " " + p.getKey()));
        Map<String, String> env = new HashMap<>();
        for (JsonNode line : c.at("/Config/Env")) {
            String text = line.asText();
            int eq = text.indexOf('=');
            env.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
        }
        spec.path("env").fields().forEachRemaining(e -> {
            if (!env.containsKey(e.getKey())) {
                errors.add(where + " env " + e.getKey() + ": missing, expected \""
                        + e.getValue().asText() + "\"");
            } else if (!env.get(e.getKey()).equals(e.getValue().asText())) {
                errors.add(where + " env " + e.getKey() + ": \"" + env.get(e.getKey()) + "\", expected \""
                        + e.getValue().asText() + "\"");
            }
        });
        for (JsonNode absent : spec.path("envAbsent")) {
            if (env.containsKey(absent.asText())) {
                errors.add(where + " env " + absent.asText() + ": set, expected absent");
            }
        }
        spec.path("labels")
                .fields()
                .forEachRemaining(l -> match(
                        l.getValue(),
                        c.path("Config").path("Labels").path(l.getKey()),
                        where + " label " + l.getKey()));
        spec.path("mounts").fields().forEachRemaining(m -> {
            JsonNode mount = null;
            for (JsonNode candidate : c.path("Mounts")) {
                if (candidate.path("Destination").asText().equals(m.getKey())) {
                    mount = candidate;
                }
            }
            if (mount == null) {
                errors.add(where + " mount " + m.getKey() + ": missing");
            } else {
                match(m.getValue(), mount, where + " mount " + m.getKey());
            }
        });
        JsonNode networks = c.at("/NetworkSettings/Networks");
        spec.path("networks").fields().forEachRemaining(n -> {
            if (!networks.has(n.getKey())) {
                errors.add(where + ": not on network " + n.getKey() + " (on " + names(networks) + ")");
            } else {
                match(n.getValue(), networks.get(n.getKey()), where + " network " + n.getKey());
            }
        });
        if (spec.has("networksOnly")) {
            Set<String> expected = new TreeSet<>();
            spec.get("networksOnly").forEach(n -> expected.add(n.asText()));
            if (!expected.equals(names(networks))) {
                errors.add(where + ": on networks " + names(networks) + ", expected " + expected);
            }
        }
        if (spec.has("capAdd")) {
            Set<String> expected = new TreeSet<>();
            spec.get("capAdd").forEach(n -> expected.add(n.asText()));
            Set<String> actual = new TreeSet<>();
            c.at("/HostConfig/CapAdd").forEach(n -> actual.add(n.asText().replaceFirst("^CAP_", "")));
            if (!expected.equals(actual)) {
                errors.add(where + ": capabilities added " + actual + ", expected " + expected);
            }
        }
        if (spec.has("networkModeOf")) {
            List<JsonNode> other = service(spec.get("networkModeOf").asText());
            String mode = c.at("/HostConfig/NetworkMode").asText();
            if (other.isEmpty()
                    || !mode.equals("container:" + other.get(0).path("Id").asText())) {
                errors.add(where + ": network mode " + mode + ", expected that of "
                        + spec.get("networkModeOf").asText());
            }
        }
        order(where, spec.path("startedAfter"), c, "/State/StartedAt");
        order(where, spec.path("startedAfterHealthy"), c, "/State/StartedAt");
        order(where, spec.path("startedAfterExit"), c, "/State/FinishedAt");
        for (JsonNode exec : spec.path("exec")) {
            List<String> command = new ArrayList<>();
            exec.path("cmd").forEach(a -> command.add(a.asText()));
            DockerCli.Result result = docker.exec(c.path("Id").asText(), command);
            if (!result.ok()) {
                errors.add(where + " exec " + command + ": exit " + result.exitCode() + " "
                        + result.err().strip());
            } else if (exec.has("out")
                    && !result.out().strip().equals(exec.get("out").asText())) {
                errors.add(where + " exec " + command + ": printed \""
                        + result.out().strip() + "\", expected \""
                        + exec.get("out").asText() + "\"");
            } else if (exec.has("outContains")
                    && !result.out().contains(exec.get("outContains").asText())) {
                errors.add(where + " exec " + command + ": printed \""
                        + result.out().strip() + "\", expected it to contain \""
                        + exec.get("outContains").asText() + "\"");
            }
        }
    }

    /** The container started after every container of each named service reached {@code pointer}'s time. */
    private void order(String where, JsonNode services, JsonNode c, String pointer) {
        Instant started = Instant.parse(c.at("/State/StartedAt").asText());
        for (JsonNode dependency : services) {
            for (JsonNode d : service(dependency.asText())) {
                Instant reference = Instant.parse(d.at(pointer).asText());
                if (started.isBefore(reference)) {
                    errors.add(where + " started at " + started + ", before " + dependency.asText() + " "
                            + pointer.substring(pointer.lastIndexOf('/') + 1) + " " + reference);
                }
            }
        }
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Adds a mismatch between {@code expected} and {@code actual} at {@code where}, if any. */
    private void match(JsonNode expected, JsonNode actual, String where) {
        List<String> found = new ArrayList<>();
        matches(expected, actual, where, found);
        errors.addAll(found);
    }

    static boolean matches(JsonNode expected, JsonNode actual, String where, List<String> errors) {
        int before = errors.size();
        if (expected.isObject() && expected.has("$contains")) {
            for (JsonNode element : expected.get("$contains")) {
                boolean found = false;
                for (JsonNode a : actual) {
                    if (matches(element, a, where, new ArrayList<>())) {
                        found = true;
                    }
                }
                if (!found) {
                    errors.add(where + ": " + actual + " lacks " + element);
                }
            }
        } else if (expected.isObject() && expected.has("$oneOf")) {
            boolean any = false;
            for (JsonNode option : expected.get("$oneOf")) {
                any |= matches(option, actual, where, new ArrayList<>());
            }
            if (!any) {
                errors.add(where + ": " + text(actual) + ", expected one of " + expected.get("$oneOf"));
            }
        } else if (expected.isObject() && expected.has("$absent")) {
            if (!(actual.isMissingNode() || actual.isNull() || (actual.isContainerNode() && actual.isEmpty()))) {
                errors.add(where + ": " + actual + ", expected nothing");
            }
        } else if (expected.isObject()) {
            if (!actual.isObject()) {
                errors.add(where + ": " + text(actual) + ", expected an object " + expected);
            } else {
                expected.fields()
                        .forEachRemaining(
                                f -> matches(f.getValue(), actual.path(f.getKey()), where + "/" + f.getKey(), errors));
            }
        } else if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                errors.add(where + ": " + text(actual) + ", expected " + expected);
            } else {
                for (int i = 0; i < expected.size(); i++) {
                    matches(expected.get(i), actual.get(i), where + "/" + i, errors);
                }
            }
        } else if (expected.isNumber()) {
            if (!actual.isNumber()
                    || new BigDecimal(actual.asText()).compareTo(new BigDecimal(expected.asText())) != 0) {
                errors.add(where + ": " + text(actual) + ", expected " + expected);
            }
        } else if (!expected.equals(actual)) {
            errors.add(where + ": " + text(actual) + ", expected " + expected);
        }
        return errors.size() == before;
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() ? "missing" : node.toString();
    }
}
