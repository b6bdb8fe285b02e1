package dev.berth.cli;

import dev.berth.common.BerthException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Consumer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one) inside this JVM, listening on
 * 127.0.0.1 only, with its data under a directory of its own so a restart keeps the history. It
 * reuses the ports of its previous run when they are free. The broker halts the JVM when it loses its
 * log directory (a full or read-only disk): while it runs, Kafka's halt and exit are turned into a call
 * of the {@code onHalt} listener, so that Berth says why and stops with exit code 1.
 */
final class EmbeddedKafka implements AutoCloseable {
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats the directory on first use, then starts the broker; returns once it serves.
     *
     * @param onHalt hears what the broker said when it would have halted or exited the JVM
     */
    static EmbeddedKafka start(Path dir, Consumer<String> onHalt) {
        interceptHalt(onHalt);
        try {
            return startBroker(dir);
        } catch (RuntimeException e) {
            resetHalt();
            throw e;
        }
    }

    private static EmbeddedKafka startBroker(Path dir) {
        try {
            Files.createDirectories(dir);
            Path logDir = dir.resolve("log");
            Path portsFile = dir.resolve("ports");
            int[] ports = choosePorts(portsFile);
            Properties props = new Properties();
            props.put("node.id", "1");
            props.put("process.roles", "broker,controller");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + ports[1]);
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + ports[0] + ",CONTROLLER://127.0.0.1:" + ports[1]);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports[0]);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", logDir.toString());
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "6");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "6");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "false");
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(dir, props);
            }
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            try {
                server.startup();
            } catch (RuntimeException e) {
                server.shutdown();
                throw e;
            }
            Files.writeString(portsFile, ports[0] + " " + ports[1] + "\n");
            return new EmbeddedKafka(server, "127.0.0.1:" + ports[0]);
        } catch (IOException e) {
            throw new BerthException(
                    "could not prepare the embedded Kafka in " + dir + ": " + e.getMessage()
                            + "; choose another --data-dir",
                    e);
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("lock")) {
                throw new BerthException(
                        "the embedded Kafka data in " + dir + " is in use by another berth process;"
                                + " stop it, or give this one its own --data-dir",
                        e);
            }
            throw new BerthException("the embedded Kafka in " + dir + " did not start: " + message, e);
        }
    }

    private static void interceptHalt(Consumer<String> onHalt) {
        Exit.Procedure procedure = (code, message) -> onHalt.accept(
                "the embedded Kafka stopped with code " + code + (message == null ? "" : " (" + message + ")"));
        Exit.setHaltProcedure(procedure);
        Exit.setExitProcedure(procedure);
    }

    private static void resetHalt() {
        Exit.resetHaltProcedure();
        Exit.resetExitProcedure();
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    private static void format(Path dir, Properties props) throws IOException {
        Path config = dir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            props.store(out, "written by berth for its embedded broker");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(
                    new String[] {
                        "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(), "--ignore-formatted"
                    },
                    print);
        }
        if (code != 0) {
            throw new BerthException("formatting the embedded Kafka's storage in " + dir + " failed: "
                    + output.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** The previous run's broker and controller ports when both are still free, otherwise new free ones. */
    private static int[] choosePorts(Path portsFile) throws IOException {
        if (Files.exists(portsFile)) {
            String[] parts = Files.readString(portsFile).strip().split(" ");
            try {
                int broker = Integer.parseInt(parts[0]);
                int controller = Integer.parseInt(parts[1]);
                if (isFree(broker) && isFree(controller)) {
                    return new int[] {broker, controller};
                }
            } catch (RuntimeException e) {
                // A damaged ports file: choose new ports.
            }
        }
        try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            resetHalt();
        }
    }
}
