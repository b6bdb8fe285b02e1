package dev.berth.deployer.internal.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.common.RetriableBerthException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class DockerEngineTest {
    @Test
    void anEngineThatDoesNotAnswerIsARetriableFailure() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (DockerEngine engine = new DockerEngine("tcp://127.0.0.1:" + port)) {
            assertThat(engine.ping()).isFalse();
            assertThatThrownBy(engine::requireReachable)
                    .isInstanceOf(RetriableBerthException.class)
                    .hasMessageContaining("Docker Engine at tcp://127.0.0.1:" + port + " is not reachable");
            assertThatThrownBy(() -> engine.containers("berth.stack", "dev/demo"))
                    .isInstanceOf(RetriableBerthException.class);
        }
    }
}
