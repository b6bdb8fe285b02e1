package dev.berth.testkit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The local Docker Engine as tests see it: find what a stack runs, inspect it, and remove every
 * container and network of a stack (Ryuk is off, so tests clean up after themselves).
 */
public final class DockerFixture implements AutoCloseable {
    private final DockerClient client;

    public DockerFixture() {
        DefaultDockerClientConfig config =
                DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        this.client = DockerClientImpl.getInstance(
                config,
                new ApacheDockerHttpClient.Builder()
                        .dockerHost(config.getDockerHost())
                        .build());
    }

    /** Every container (running or not) labelled {@code berth.stack=<stackKey>}. */
    public List<Container> containers(String stackKey) {
        return client.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of("berth.stack", stackKey))
                .exec();
    }

    public InspectContainerResponse inspect(String containerId) {
        return client.inspectContainerCmd(containerId).exec();
    }

    /**
     * What the {@code docker inspect} command prints for a Go template, for fields docker-java's model
     * does not carry (such as {@code {{.Config.StopSignal}}}).
     */
    public String inspectField(String containerId, String template) {
        try {
            Process process = new ProcessBuilder("docker", "inspect", "-f", template, containerId)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("docker inspect failed: " + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The health status of a container ({@code healthy}, {@code starting}...), or "none". */
    public String health(String containerId) {
        InspectContainerResponse.ContainerState state = inspect(containerId).getState();
        return state.getHealth() == null ? "none" : state.getHealth().getStatus();
    }

    /** Networks labelled with the stack or named like its default network. */
    public List<Network> networks(String stackKey) {
        String project = stackKey.replace('/', '-');
        return client.listNetworksCmd().exec().stream()
                .filter(n -> stackKey.equals(
                                n.getLabels() == null ? null : n.getLabels().get("berth.stack"))
                        || n.getName().equals(project + "_default"))
                .toList();
    }

    /**
     * Starts a {@code busybox:1.35} container with these labels running {@code command}, as a stand-in
     * for one Berth deployed; {@link #removeStack} removes it with the stack it is labelled with.
     *
     * @return the container's id
     */
    public String runLabelled(Map<String, String> labels, List<String> command) {
        String id = client.createContainerCmd("busybox:1.35")
                .withLabels(labels)
                .withCmd(command)
                .exec()
                .getId();
        client.startContainerCmd(id).exec();
        return id;
    }

    /** Removes the stack's containers (forcibly) and networks; never fails on what is already gone. */
    public void removeStack(String stackKey) {
        for (Container c : containers(stackKey)) {
            try {
                client.removeContainerCmd(c.getId())
                        .withForce(true)
                        .withRemoveVolumes(true)
                        .exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
        for (Network n : networks(stackKey)) {
            try {
                client.removeNetworkCmd(n.getId()).exec();
            } catch (NotFoundException e) {
                // already gone
            }
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
