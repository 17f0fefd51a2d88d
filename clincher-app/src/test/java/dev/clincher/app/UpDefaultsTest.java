package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.config.ConfigLoader;
import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.router.config.RouterConfig;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configs {@code clincher up} writes are read by the services' own strict loaders. */
class UpDefaultsTest {

  @Test
  void socketProxyPolicyLoadsAndAdmitsWorkspaceVolumes(@TempDir Path directory) throws Exception {
    Path file = UpDefaults.writePrivate(directory.resolve("policy.yaml"), UpDefaults.socketProxyPolicy());
    InspectionPolicy policy = new ConfigLoader(Map.of()).load(file, InspectionPolicy.class);
    assertThat(policy.imageAllowed("clincher-sandbox:latest")).isTrue();
    assertThat(policy.imageAllowed("debian:latest")).isFalse();
    assertThat(policy.allowedVolumes()).containsExactly("clincher-ws-*");
    assertThat(policy.allowRootExec()).isFalse();
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void routerConfigUsesTheProviderKeyPresentElseOllama(@TempDir Path directory) throws Exception {
    Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-test", "LITELLM_MASTER_KEY", "master-key-for-the-test");
    RouterConfig withKey = RouterConfigReader.parse("up", UpDefaults.routerConfig(directory, env), env);
    assertThat(withKey.deployments()).singleElement()
        .satisfies(d -> assertThat(d.modelName()).isEqualTo("default"));
    Map<String, String> none = Map.of("LITELLM_MASTER_KEY", "master-key-for-the-test");
    assertThat(UpDefaults.routerConfig(directory, none)).contains("127.0.0.1:11434");
    assertThat(RouterConfigReader.parse("up", UpDefaults.routerConfig(directory, none), none).deployments())
        .hasSize(1);
  }

  @Test
  void gatewayConfigBindsWithOneAgent(@TempDir Path directory) throws Exception {
    Path file = UpDefaults.writePrivate(directory.resolve("gateway.yaml"),
        UpDefaults.gatewayConfig(directory, 4000, 2375, 4750));
    GatewayConfig config = new ConfigLoader(Map.of()).load(file, GatewayConfig.class);
    assertThat(config.agents()).containsOnlyKeys("main");
    assertThat(config.agents().get("main").model()).isEqualTo("default");
    assertThat(config.docker().host()).isEqualTo("tcp://127.0.0.1:2375");
    assertThat(config.storage().url()).startsWith("jdbc:sqlite:");
  }

  @Test
  void theGatewayTokenIsCreatedOnceWithStrongRandomness(@TempDir Path directory) throws Exception {
    Path token = UpDefaults.gatewayToken(directory);
    String first = Files.readString(token);
    assertThat(first).hasSize(96).matches("[0-9a-f]+");
    assertThat(Files.readString(UpDefaults.gatewayToken(directory))).isEqualTo(first);
    assertThat(Files.getPosixFilePermissions(token)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }
}
