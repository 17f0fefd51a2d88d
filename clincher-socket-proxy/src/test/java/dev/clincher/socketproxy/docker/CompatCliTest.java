package dev.clincher.socketproxy.docker;

import static dev.clincher.socketproxy.docker.DockerSupport.DENIED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings.Profile;
import dev.clincher.socketproxy.docker.DockerSupport.Result;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The variable-driven mode with the real CLI: the seed's settings unchanged, then with POST=1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompatCliTest {
  private final DockerSupport docker = new DockerSupport();
  private SocketProxyServer proxy;

  @BeforeAll
  void check() throws Exception {
    DockerSupport.assumeDocker();
    docker.ensureImage();
  }

  @AfterEach
  void stop() throws Exception {
    docker.cleanUp();
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void theSeedsSettingsAreReadOnly() throws Exception {
    proxy = DockerSupport.startProxy(Profile.AUTO, seed());
    assertThat(proxy.profile()).isEqualTo("compat");
    assertThat(docker.proxied(proxy, "ps", "-a").exit()).isZero();
    assertThat(docker.proxied(proxy, "images").exit()).isZero();
    assertThat(docker.proxied(proxy, "version").exit()).isZero();
    int before = docker.count("ps", "-aq");
    Result create = docker.proxied(proxy, docker.create(docker.hardenedFlags()));
    assertThat(create.err()).contains(DENIED).contains("rule POST");
    assertThat(docker.proxied(proxy, "build", "-").exit()).isNotZero();
    assertThat(docker.count("ps", "-aq")).isEqualTo(before);
  }

  @Test
  void postOpensCreationButBodiesAreStillInspected() throws Exception {
    Map<String, String> env = seed();
    env.put("POST", "1");
    proxy = DockerSupport.startProxy(Profile.AUTO, env);
    List<String> plain = List.of("--label", "clincher.test=" + docker.run);
    Result created = docker.proxied(proxy, docker.create(plain));
    assertThat(created.exit()).as(created.all()).isZero();
    String id = created.out().trim();
    assertThat(docker.proxied(proxy, "start", id).exit()).isZero();
    Result exec = docker.proxied(proxy, "exec", id, "echo", "compat-exec");
    assertThat(exec.out()).contains("compat-exec");
    int before = docker.count("ps", "-aq");
    for (String attack : List.of("--privileged", "-v=/:/host", "--pid=host", "--cap-add=ALL")) {
      List<String> flags = new ArrayList<>(plain);
      flags.add(attack);
      Result refused = docker.proxied(proxy, docker.create(flags));
      assertThat(refused.err()).as(attack).contains(DENIED);
    }
    assertThat(docker.count("ps", "-aq")).isEqualTo(before);
    assertThat(docker.proxied(proxy, "cp", id + ":/bin/busybox", "/tmp/").err()).isNotEmpty();
    assertThat(proxy.decisions().count("deny", "ALLOW_ARCHIVE")).isPositive();
    assertThat(docker.proxied(proxy, "rm", "-f", id).exit()).isZero();
  }

  private static Map<String, String> seed() throws Exception {
    Map<String, String> env = new HashMap<>();
    try (var in = CompatCliTest.class.getResourceAsStream("/seed-socket-proxy.env")) {
      for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] parts = line.trim().split("=", 2);
          env.put(parts[0], parts[1]);
        }
      }
    }
    return env;
  }
}
