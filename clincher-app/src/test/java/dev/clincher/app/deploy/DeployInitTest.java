package dev.clincher.app.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.app.KnownProvider;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.egress.acl.Acl;
import dev.clincher.egress.acl.AclDecision;
import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.router.config.RouterConfig;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code clincher deploy init}: what it writes, that the services' own strict loaders accept it, idempotence. */
class DeployInitTest {
  @TempDir
  Path temp;

  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private DeploymentSettings settings(Path... keys) throws IOException {
    List<ProviderKey> providers = new java.util.ArrayList<>();
    String[] names = {"openai", "anthropic"};
    for (int i = 0; i < keys.length; i++) {
      providers.add(new ProviderKey(KnownProvider.named(names[i]).orElseThrow(), keys[i]));
    }
    return new DeploymentSettings("Agent.Example.com", "ops@example.com", providers, false, "clincher", "172.29",
        "clincher", "0.0.0.0", 443, 80, Path.of("/var/run/docker.sock"), List.of());
  }

  private Path key(String name, String value) throws IOException {
    Path file = temp.resolve(name);
    Files.writeString(file, value + "\n");
    return file;
  }

  private Map<String, String> write(Path directory, DeploymentSettings settings) throws IOException {
    return new DeploymentWriter(directory, ROOT).write(settings, 998).stream()
        .collect(Collectors.toMap(DeploymentWriter.Action::path, DeploymentWriter.Action::what, (a, b) -> a + "; " + b));
  }

  /** The compose variables of the .env, as docker-compose would pass them on. */
  private static Map<String, String> env(Path directory) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(directory.resolve(".env"))) {
      if (!line.startsWith("#") && line.contains("=")) {
        env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      }
    }
    return env;
  }

  @Test
  void writesADeploymentThatEveryServiceLoaderAccepts() throws Exception {
    Path directory = temp.resolve("deployment");
    write(directory, settings(key("openai.key", "sk-openai-test"), key("anthropic.key", "sk-ant-test")));

    Map<String, String> env = env(directory);
    assertThat(env).containsEntry("CLINCHER_DOMAIN", "agent.example.com")
        .containsEntry("CLINCHER_ORIGIN", "https://agent.example.com").containsEntry("CLINCHER_DOCKER_GID", "998")
        .containsEntry("CLINCHER_CORE_SUBNET", "172.29.10.0/24").containsEntry("CLINCHER_PROXY_BRIDGE", "clincher-proxy")
        .containsEntry("CLINCHER_TLS", "ops@example.com").containsEntry("CLINCHER_REDIS_IMAGE", "redis:7.4-alpine");
    assertThat(Files.readString(directory.resolve(".env"))).doesNotContain("sk-");

    Map<String, String> gatewayEnv = Map.of("CLINCHER_PROXY_SUBNET", env.get("CLINCHER_PROXY_SUBNET"),
        "CLINCHER_ORIGIN", env.get("CLINCHER_ORIGIN"), "CLINCHER_SANDBOX_INSTANCE", "clincher");
    GatewayConfig gateway = new ConfigLoader(gatewayEnv).load(directory.resolve("config/gateway.yaml"),
        GatewayConfig.class);
    assertThat(gateway.auth().trustedProxies()).containsExactly("172.29.20.0/24");
    assertThat(gateway.auth().allowedOrigins()).containsExactly("https://agent.example.com");
    assertThat(gateway.docker().host()).isEqualTo("tcp://socket-proxy:2375");

    Map<String, String> routerEnv = Map.of("LITELLM_MASTER_KEY", "sk-master-for-the-test", "OPENAI_API_KEY", "x",
        "ANTHROPIC_API_KEY", "y");
    RouterConfig router = RouterConfigReader.read(directory.resolve("config/router.yaml"), routerEnv);
    assertThat(router.deployments()).extracting(d -> d.modelName())
        .contains("default", "openai/gpt-4.1", "anthropic/claude-sonnet-4-5");
    assertThat(Files.readString(directory.resolve("config/router.env")))
        .contains("OPENAI_API_KEY_FILE=/run/secrets/providers/openai_api_key")
        .contains("ANTHROPIC_API_KEY_FILE=/run/secrets/providers/anthropic_api_key");

    Acl acl = Acl.load(directory.resolve("config/egress-acl.yaml"));
    assertThat(acl.decide("default", "api.openai.com").reason()).isEqualTo(AclDecision.REASON_ALLOWED_DOMAIN);
    assertThat(acl.decide("default", "api.anthropic.com").reason()).isEqualTo(AclDecision.REASON_ALLOWED_DOMAIN);
    assertThat(acl.decide("default", "evil.openai.com").reason()).isEqualTo(AclDecision.REASON_NOT_IN_ALLOWLIST);
    assertThat(acl.decide("default", "api.groq.com").reason()).isEqualTo(AclDecision.REASON_NOT_IN_ALLOWLIST);

    InspectionPolicy policy = new ConfigLoader(Map.of()).load(directory.resolve("config/socket-proxy.yaml"),
        InspectionPolicy.class);
    assertThat(policy.imageAllowed("clincher-sandbox:latest")).isTrue();
    assertThat(policy.imageAllowed("debian:bookworm")).isFalse();
    assertThat(policy.allowRootExec()).isFalse();

    assertThat(Files.readString(directory.resolve("docker-compose.yml")))
        .isEqualTo(Files.readString(Path.of("../deploy/compose/docker-compose.yml")));
    assertThat(Files.readString(directory.resolve("config/Caddyfile")))
        .isEqualTo(Files.readString(Path.of("../deploy/caddy/Caddyfile")));
    assertThat(Files.isExecutable(directory.resolve("host-firewall"))).isTrue();
    assertThat(Files.readString(directory.resolve("clincher-firewall.service")))
        .contains("Environment=DIR=" + directory.toAbsolutePath());
  }

  @Test
  void secretsAreStrongPrivateFilesOwnedByTheirOneReader() throws Exception {
    Path directory = temp.resolve("deployment");
    write(directory, settings(key("openai.key", "sk-openai-test")));
    Path secrets = directory.resolve("secrets");

    String token = Files.readString(secrets.resolve("gateway_token"));
    String master = Files.readString(secrets.resolve("litellm_master_key"));
    String redisPassword = Files.readString(secrets.resolve("redis_password"));
    assertThat(token).matches("[0-9a-f]{96}");
    assertThat(master).matches("sk-[0-9a-f]{64}");
    assertThat(redisPassword).matches("[0-9a-f]{64}");
    assertThat(Files.readString(secrets.resolve("gateway_router_key"))).isEqualTo(master);
    assertThat(Files.readString(secrets.resolve("providers/openai_api_key"))).isEqualTo("sk-openai-test");
    String rotatePassword = Files.readString(secrets.resolve("redis_rotate_password"));
    assertThat(rotatePassword).matches("[0-9a-f]{64}");
    assertThat(Files.readString(secrets.resolve("redis_users.acl")))
        .isEqualTo("user default on #" + DeploymentFiles.sha256Hex(redisPassword) + " ~* &* +@all -@dangerous\n"
            + "user clincher-rotate on #" + DeploymentFiles.sha256Hex(rotatePassword)
            + " resetchannels -@all +acl|load\n")
        .doesNotContain(redisPassword).doesNotContain(rotatePassword);

    Map<String, ServiceUser> owners = Map.of("gateway_token", ServiceUser.GATEWAY, "gateway_router_key",
        ServiceUser.GATEWAY, "litellm_master_key", ServiceUser.ROUTER, "redis_password", ServiceUser.ROUTER,
        "redis_users.acl", ServiceUser.REDIS, "providers/openai_api_key", ServiceUser.ROUTER);
    for (var secret : owners.entrySet()) {
      Path file = secrets.resolve(secret.getKey());
      assertThat(Files.getPosixFilePermissions(file)).as(secret.getKey())
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      if (ROOT) {
        assertThat(Files.getAttribute(file, "unix:uid")).as(secret.getKey() + " owner")
            .isEqualTo(secret.getValue().uid());
      }
    }
    assertThat(Files.getPosixFilePermissions(secrets)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    if (ROOT) {
      assertThat(Files.getAttribute(directory.resolve("data/redis"), "unix:uid")).isEqualTo(ServiceUser.REDIS.uid());
      assertThat(Files.getAttribute(directory.resolve("data/caddy"), "unix:uid")).isEqualTo(ServiceUser.CADDY.uid());
    }
    try (Stream<Path> files = Files.walk(directory)) {
      assertThat(files.filter(path -> path.getFileName().toString().endsWith(".new"))).as("temporary files").isEmpty();
    }
  }

  @Test
  void aSecondRunChangesNothingAndNeverOverwritesASecret() throws Exception {
    Path directory = temp.resolve("deployment");
    DeploymentSettings first = settings(key("openai.key", "sk-openai-test"));
    write(directory, first);
    Files.writeString(directory.resolve("config/gateway.yaml"), "# edited by the operator\n",
        java.nio.file.StandardOpenOption.APPEND);
    Map<String, String> before = snapshot(directory);

    Map<String, String> again = write(directory, settings(key("openai.key", "sk-a-different-key")));

    assertThat(again).containsEntry("secrets/gateway_token", "kept").containsEntry("config/gateway.yaml", "kept")
        .containsEntry("docker-compose.yml", "unchanged").containsEntry(".env", "kept");
    assertThat(again.get("secrets/providers/openai_api_key")).contains("kept").contains("WARNING differs");
    assertThat(snapshot(directory)).isEqualTo(before);
    assertThat(Files.readString(directory.resolve("config/gateway.yaml"))).endsWith("# edited by the operator\n");
  }

  @Test
  void aChangedComposeFileIsRefreshed() throws Exception {
    Path directory = temp.resolve("deployment");
    write(directory, settings(key("openai.key", "sk-openai-test")));
    Files.writeString(directory.resolve("docker-compose.yml"), "services: {}\n");
    assertThat(write(directory, settings(key("openai.key", "sk-openai-test"))))
        .containsEntry("docker-compose.yml", "updated");
    assertThat(Files.readString(directory.resolve("docker-compose.yml"))).contains("openclaw-net");
  }

  @Test
  void aBadKeyFileStopsEverythingBeforeTheFirstWrite() throws Exception {
    Path directory = temp.resolve("deployment");
    assertThatThrownBy(() -> write(directory, settings(key("openai.key", "two words"))))
        .isInstanceOf(IOException.class).hasMessageContaining("one key");
    assertThatThrownBy(() -> write(directory, settings(temp.resolve("missing.key"))))
        .hasMessageContaining("not a readable file");
    Path large = temp.resolve("large.key");
    Files.writeString(large, "k".repeat(DeploymentWriter.MAX_KEY_BYTES + 1));
    assertThatThrownBy(() -> write(directory, settings(large))).hasMessageContaining("larger than");
    assertThat(directory).doesNotExist();
  }

  @Test
  void aSecretThatIsASymlinkIsRefused() throws Exception {
    Path directory = temp.resolve("deployment");
    write(directory, settings(key("openai.key", "sk-openai-test")));
    Path token = directory.resolve("secrets/gateway_token");
    Files.delete(token);
    Files.createSymbolicLink(token, temp.resolve("elsewhere"));
    assertThatThrownBy(() -> write(directory, settings(key("openai.key", "sk-openai-test"))))
        .hasMessageContaining("not a regular file");
    assertThat(temp.resolve("elsewhere")).doesNotExist();
  }

  @Test
  void answersAreValidatedNamingTheFlag() {
    assertThat(init("--domain", "https://agent.example.com", "--provider-key", "openai=/x").err())
        .contains("--domain must be a host name");
    assertThat(init("--domain", "a.example.com", "--provider-key", "mistral=/x").err())
        .contains("unknown provider 'mistral'").contains("anthropic, openai, groq");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai").err()).contains("NAME=FILE");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--tls", "maybe").err())
        .contains("--tls must be 'internal' or the e-mail address");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--network-prefix", "300.1").err())
        .contains("--network-prefix");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--bridge-prefix", "much-too-long")
        .err()).contains("--bridge-prefix");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--project", "Bad Name").err())
        .contains("--project");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--bind-address", "localhost").err())
        .contains("--bind-address must be an IP address");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--provider-key", "openai=/y")
        .err()).contains("twice");
    Run unreadable = init("--domain", "a.example.com", "--provider-key", "openai=/nonexistent/key");
    assertThat(unreadable.exit()).isEqualTo(1);
    assertThat(unreadable.err()).contains(ROOT ? "not a readable file" : "run as root");
    assertThat(temp.resolve("via-cli")).doesNotExist();
  }

  @Test
  void theOriginCarriesANonDefaultPort() throws Exception {
    DeploymentSettings settings = new DeploymentSettings("agent.example.com", "internal", List.of(new ProviderKey(
        KnownProvider.named("groq").orElseThrow(), key("g", "gsk"))), true, "p", "10.9", "p", "127.0.0.1", 8443, 8080,
        Path.of("/var/run/docker.sock"), List.of("203.0.113.7/32", "2001:db8::/64"));
    assertThat(settings.origin()).isEqualTo("https://agent.example.com:8443");
    assertThat(settings.subnet(DeploymentSettings.Network.EDGE)).isEqualTo("10.9.40.0/24");
    assertThat(settings.bridge(DeploymentSettings.Network.EGRESS)).isEqualTo("p-egress");
    assertThat(DeploymentFiles.env(settings, 1, 64)).contains("CLINCHER_REDIS_IMAGE=clincher/redis:7-debian")
        .contains("CLINCHER_GATEWAY_CPUS=8.0").contains("CLINCHER_ROUTER_CPUS=2.0");
    assertThat(DeploymentFiles.env(settings, 1, 1)).contains("CLINCHER_GATEWAY_CPUS=1.0");
    assertThat(DeploymentFiles.env(settings, 1, 1)).contains("CLINCHER_MONITORING_FROM=203.0.113.7/32 2001:db8::/64\n")
        .contains("CLINCHER_METRICS_BRIDGE=p-metrics").contains("CLINCHER_METRICS_SUBNET=10.9.50.0/24");
  }

  @Test
  void withoutAMonitoringHostNobodyGetsMetrics() throws Exception {
    String env = DeploymentFiles.env(settings(key("openai.key", "sk-openai-test")), 1, 2);
    assertThat(env).doesNotContain("CLINCHER_MONITORING_FROM"); // the compose default: 255.255.255.255/32
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--monitoring-from", "203.0.113.7")
        .err()).contains("--monitoring-from").contains("missing '/prefix'");
    assertThat(init("--domain", "a.example.com", "--provider-key", "openai=/x", "--monitoring-from",
        "203.0.113.7/32,any").err()).contains("--monitoring-from");
  }

  @Test
  void everyServiceGetsItsOwnMetricsToken() throws Exception {
    Path directory = temp.resolve("deployment");
    write(directory, settings(key("openai.key", "sk-openai-test")));
    List<String> tokens = new java.util.ArrayList<>();
    for (String service : List.of("gateway", "router", "egress", "socket_proxy")) {
      Path token = directory.resolve("secrets/" + service + "_metrics_token");
      assertThat(Files.getPosixFilePermissions(token)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      tokens.add(Files.readString(token));
    }
    assertThat(tokens).doesNotHaveDuplicates().allMatch(token -> token.matches("[0-9a-f]{64}"));
    assertThat(tokens).doesNotContain(Files.readString(directory.resolve("secrets/gateway_token")),
        Files.readString(directory.resolve("secrets/litellm_master_key")));
    assertThat(directory.resolve("config/metrics-relay.Caddyfile")).content().contains("reverse_proxy router:4000");
  }

  record Run(int exit, String out, String err) {}

  private Run init(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("init", temp.resolve("via-cli").toString()));
    all.addAll(List.of(args));
    CommandLine commandLine = new CommandLine(new DeployCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private static Map<String, String> snapshot(Path directory) throws IOException {
    Map<String, String> files = new HashMap<>();
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        files.put(directory.relativize(path).toString(), Files.readString(path)
            + Files.getPosixFilePermissions(path));
      }
    }
    return files;
  }
}
