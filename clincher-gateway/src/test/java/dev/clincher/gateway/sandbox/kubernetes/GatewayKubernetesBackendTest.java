package dev.clincher.gateway.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.testing.RunningGateway;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sandbox.backend: kubernetes} selected by a real gateway start: the gateway finds the API through the
 * client's standard configuration (here the {@code kubernetes.master} system property, pointing at the API mock; in a
 * pod the ServiceAccount), and its readiness reports the sandbox backend it uses.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayKubernetesBackendTest {
  private static final List<String> PROPERTIES = List.of("kubernetes.master", "kubernetes.trust.certificates",
      "kubernetes.auth.tryKubeConfig", "kubernetes.auth.tryServiceAccount");

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void pointTheClientAtTheMock() {
    System.setProperty("kubernetes.master", client.getMasterUrl().toString());
    System.setProperty("kubernetes.trust.certificates", "true");
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
  }

  @AfterEach
  void clear() {
    PROPERTIES.forEach(System::clearProperty);
  }

  private static String config(Path directory, String agentSandbox) {
    return """
        router: {url: "http://127.0.0.1:9"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:9"}
        sandbox:
          backend: kubernetes
          image: registry.example.com/clincher-sandbox:0.1.0
          instance: gateway-test
          kubernetes: {namespace: clincher-sandbox, start_timeout: 5s}
        agents:
          main: {model: scripted%s}
        """.formatted(directory.resolve("gateway.db"), agentSandbox);
  }

  @Test
  void theGatewayUsesPodsAndItsReadinessSaysSo(@TempDir Path directory) throws Exception {
    try (RunningGateway gateway = RunningGateway.start(directory, config(directory, ""), Map.of())) {
      HttpResponse<String> readiness = gateway.readiness();
      assertThat(readiness.body()).contains("Kubernetes API, namespace clincher-sandbox").doesNotContain("\"docker\"");
    }
  }

  @Test
  void anAgentsOwnSandboxSettingsAreRefusedNamingTheKey(@TempDir Path directory) {
    assertThatThrownBy(() -> RunningGateway.start(directory, config(directory, ", sandbox: {memory: 512m}"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("agents.main.sandbox")
        .hasMessageContaining("sandbox.backend kubernetes");
  }
}
