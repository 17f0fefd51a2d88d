package dev.clincher.app.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.app.KnownProvider;
import dev.clincher.app.Main;
import dev.clincher.app.deploy.DeploymentSettings;
import dev.clincher.app.deploy.DeploymentWriter;
import dev.clincher.app.deploy.ProviderKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code clincher audit} on a deployment {@code deploy init} just wrote (no critical finding), then on copies with one
 * layer broken at a time: the audit must name each break by its id.
 */
class AuditTest {
  @TempDir
  Path temp;

  /** One way to break a layer, and the id the audit must report for it. */
  @FunctionalInterface
  interface Break {
    void apply(Path deployment) throws IOException;
  }

  private Path deployment() throws IOException {
    Path key = temp.resolve("openai.key");
    Files.writeString(key, "sk-openai-test-key\n");
    DeploymentSettings settings = new DeploymentSettings("agent.example.com", "internal",
        List.of(new ProviderKey(KnownProvider.named("openai").orElseThrow(), key)), true, "clincher", "172.29",
        "clincher", "0.0.0.0", 443, 80, Path.of("/var/run/docker.sock"), List.of());
    Path directory = temp.resolve("deployment");
    new DeploymentWriter(directory, false).write(settings, 998);
    return directory;
  }

  private static List<Finding> audit(Path directory) throws IOException {
    return Audit.run(Deployment.read(directory));
  }

  private static List<String> ids(List<Finding> findings, Severity severity) {
    return findings.stream().filter(finding -> finding.severity() == severity).map(Finding::id).toList();
  }

  private static void replace(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertThat(text).as(file + " has the text the test changes").contains(from);
    Files.writeString(file, text.replace(from, to));
  }

  private static void override(Path directory, String yaml) throws IOException {
    Files.writeString(directory.resolve("docker-compose.override.yml"), yaml);
  }

  @Test
  void aFreshDeploymentHasNoCriticalFinding() throws IOException {
    List<Finding> findings = audit(deployment());
    assertThat(ids(findings, Severity.CRITICAL)).isEmpty();
    assertThat(ids(findings, Severity.WARN)).containsExactly("router.budget.none");
    assertThat(ids(findings, Severity.INFO)).contains("egress.acl.allowlist");
  }

  static Stream<Arguments> breaks() {
    return Stream.of(
        broken("egress.acl.mode.enforce", d -> replace(d.resolve("config/egress-acl.yaml"), "action: enforce",
            "action: report")),
        broken("egress.ranges.private_allowed", d -> override(d, """
            services:
              egress:
                command: [egress, --egress-acl-file=/etc/clincher/egress-acl.yaml, --allow-range=10.0.0.0/8]
            """)),
        broken("socket_proxy.profile.sandbox", d -> override(d, """
            services:
              socket-proxy:
                command: [socket-proxy, --listen=0.0.0.0:2375, --profile=auto]
            """)),
        broken("socket_proxy.policy.root_exec", d -> replace(d.resolve("config/socket-proxy.yaml"),
            "allow_root_exec: false", "allow_root_exec: true")),
        broken("socket_proxy.policy.bind_paths", d -> replace(d.resolve("config/socket-proxy.yaml"),
            "allowed_bind_paths: []", "allowed_bind_paths: [\"/\"]")),
        broken("compose.ports.only_proxy", d -> override(d, """
            services:
              gateway:
                ports: ["18789:18789"]
            """)),
        broken("compose.service.privileged", d -> override(d, """
            services:
              gateway:
                privileged: true
            """)),
        broken("compose.service.read_only", d -> override(d, """
            services:
              router:
                read_only: false
            """)),
        broken("compose.docker_socket.only_socket_proxy", d -> override(d, """
            services:
              gateway:
                volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
            """)),
        broken("compose.network.internal", d -> override(d, """
            networks:
              openclaw-net:
                internal: false
            """)),
        broken("compose.network.membership", d -> override(d, """
            services:
              gateway:
                networks: [openclaw-net, proxy-net, egress-net]
            """)),
        broken("compose.secret.in_environment", d -> override(d, """
            services:
              router:
                environment:
                  OPENAI_API_KEY: sk-in-the-environment
            """)),
        broken("router.provider_key.only_router", d -> override(d, """
            services:
              gateway:
                volumes: ["./secrets/providers:/run/secrets/providers:ro"]
            """)),
        broken("gateway.auth.trusted_proxies", d -> replace(d.resolve("config/gateway.yaml"),
            "trusted_proxies: [\"${CLINCHER_PROXY_SUBNET}\"]", "trusted_proxies: [\"0.0.0.0/0\"]")),
        broken("gateway.auth.allowed_origins", d -> replace(d.resolve("config/gateway.yaml"),
            "allowed_origins: [\"${CLINCHER_ORIGIN}\"]", "allowed_origins: [\"*\"]")),
        broken("gateway.docker.socket_proxy", d -> replace(d.resolve("config/gateway.yaml"),
            "host: tcp://socket-proxy:2375", "host: unix:///var/run/docker.sock")),
        broken("gateway.auth.token_strength", d -> Files.writeString(d.resolve("secrets/gateway_token"), "short")),
        broken("gateway.auth.token", d -> replace(d.resolve("config/gateway.yaml"),
            "token_file: /run/secrets/gateway_token", "# no token file")),
        broken("secrets.file_mode", d -> Files.setPosixFilePermissions(d.resolve("secrets/litellm_master_key"),
            PosixFilePermissions.fromString("rw-r--r--"))),
        broken("redis.auth.password", d -> Files.writeString(d.resolve("secrets/redis_users.acl"),
            "user default on nopass ~* &* +@all\n")),
        broken("redis.auth.password", d -> replace(d.resolve("secrets/redis_users.acl"),
            "user clincher-rotate on #", "user clincher-rotate on nopass #")),
        broken("router.master_key.in_config", d -> replace(d.resolve("config/router.yaml"),
            "master_key: os.environ/LITELLM_MASTER_KEY", "master_key: sk-written-down-in-the-config")),
        broken("router.master_key.strength", d -> Files.writeString(d.resolve("secrets/litellm_master_key"),
            "sk-1234")),
        broken("router.egress.proxy", d -> override(d, """
            services:
              router:
                environment:
                  HTTPS_PROXY: ""
            """)));
  }

  private static Arguments broken(String id, Break change) {
    return Arguments.of(id, change);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breaks")
  void eachBrokenLayerIsNamedByItsId(String id, Break change) throws IOException {
    Path directory = deployment();
    change.apply(directory);
    List<Finding> findings = audit(directory);
    assertThat(ids(findings, Severity.CRITICAL)).as("critical findings").contains(id);
    Finding finding = findings.stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow();
    assertThat(finding.found()).isNotBlank();
    assertThat(finding.fix()).isNotBlank();
  }

  @Test
  void anAgentWhoseOwnDenyListDropsTheDangerousToolsIsAWarning() throws IOException {
    Path directory = deployment();
    replace(directory.resolve("config/gateway.yaml"), "    model: default\n",
        "    model: default\n    tools:\n      deny: [\"exec\"]\n");
    List<Finding> findings = audit(directory);
    assertThat(ids(findings, Severity.WARN)).contains("gateway.tools.agent_deny");
    assertThat(ids(findings, Severity.CRITICAL)).isEmpty();
  }

  @Test
  void fixRepairsTheSafeFindingsAndLeavesSecretsAlone() throws IOException {
    Path directory = deployment();
    String key = Files.readString(directory.resolve("secrets/litellm_master_key"));
    Files.setPosixFilePermissions(directory.resolve("secrets/litellm_master_key"),
        PosixFilePermissions.fromString("rw-r--r--"));
    replace(directory.resolve("config/egress-acl.yaml"), "action: enforce", "action: open");
    replace(directory.resolve("config/socket-proxy.yaml"), "allow_root_exec: false", "allow_root_exec: true");

    Result broken = run("audit", "--deploy", directory.toString());
    assertThat(broken.status()).isEqualTo(1);
    assertThat(broken.out()).contains("CRITICAL  egress.acl.mode.enforce").contains("secrets.file_mode");

    Result fixed = run("audit", "--deploy", directory.toString(), "--fix", "--json");
    assertThat(fixed.status()).as(fixed.out()).isZero();
    JsonNode report = new ObjectMapper().readTree(fixed.out());
    assertThat(report.path("summary").path("critical").asInt()).isZero();
    assertThat(report.path("fixed").toString()).contains("litellm_master_key: mode rw-r--r-- -> rw-------")
        .contains("action: enforce").contains("allow_root_exec: false");
    assertThat(Files.readString(directory.resolve("secrets/litellm_master_key"))).isEqualTo(key);
    assertThat(Files.readString(directory.resolve("config/egress-acl.yaml")))
        .contains("action: enforce").contains("# The egress allowlist"); // comments kept
  }

  @Test
  void aSecretInAProcesssEnvironmentIsNamedWithoutItsValue() throws Exception {
    Path directory = deployment();
    Deployment deployment = Deployment.read(directory);
    String token = Files.readString(directory.resolve("secrets/gateway_token")).strip();
    assertThat(ids(new ProcessSecrets(deployment).check(), Severity.CRITICAL)).isEmpty();
    ProcessBuilder leaky = new ProcessBuilder("sleep", "30");
    leaky.environment().put("CLINCHER_GATEWAY_TOKEN", token);
    Process process = leaky.start();
    try {
      List<Finding> findings = new ProcessSecrets(deployment).check();
      assertThat(findings).filteredOn(f -> f.severity() == Severity.CRITICAL).singleElement().satisfies(f -> {
        assertThat(f.id()).isEqualTo("deep.secrets.process");
        assertThat(f.found()).contains("secrets/gateway_token", "environ", Long.toString(process.pid()), "sleep")
            .doesNotContain(token);
      });
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  @Test
  void doctorSaysWhatToRunWhenTheStackIsNotUp() throws IOException {
    Path directory = deployment();
    Result result = run("doctor", "--deploy", directory.toString(), "--json");
    JsonNode report = new ObjectMapper().readTree(result.out());
    List<String> critical = new java.util.ArrayList<>();
    report.path("findings").forEach(f -> {
      if (f.path("severity").asText().equals("critical")) {
        critical.add(f.path("id").asText() + " " + f.path("found").asText() + " | " + f.path("fix").asText());
      }
    });
    assertThat(result.status()).as(result.out() + result.err()).isEqualTo(1);
    if (critical.stream().anyMatch(line -> line.startsWith("doctor.docker"))) {
      return; // no Docker here: that is the one finding, and it says how to start it
    }
    assertThat(critical).filteredOn(line -> line.startsWith("doctor.service.missing"))
        .hasSize(Doctor.SERVICES.size())
        .allSatisfy(line -> assertThat(line).contains("docker-compose up -d", directory.toString()));
    assertThat(report.path("findings").toString()).contains("doctor.disk");
  }

  @Test
  void doctorTriesEachDeploymentsProviderHostAndNeverALoopbackOne() throws IOException {
    Path directory = deployment();
    Files.writeString(directory.resolve("config/router.yaml"), Files.readString(directory.resolve(
        "config/router.yaml")).replace("model_list:\n", """
        model_list:
          - model_name: local
            litellm_params: {model: openai/llama3.1, api_base: "http://127.0.0.1:11434/v1", api_key: ollama}
          - model_name: gpu
            litellm_params: {model: openai/qwen, api_base: "https://GPU.example.net:8000/v1"}
          - model_name: odd
            litellm_params: {model: openai/x, api_base: "https://a;b/v1"}
        """));
    assertThat(new Doctor(Deployment.read(directory)).providerHosts())
        .containsExactly("gpu.example.net", "api.openai.com");
  }

  @Test
  void aDirectoryWithoutADeploymentIsAUsageError() {
    Result result = run("audit", "--deploy", temp.resolve("nothing").toString());
    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).contains("has no docker-compose.yml").contains("clincher deploy init");
  }

  @Test
  void variablesAreReadAsDockerComposeReadsThem() {
    java.util.Map<String, String> env = java.util.Map.of("SET", "value", "EMPTY", "");
    assertThat(ComposeFile.substitute("${SET} ${UNSET:-fallback} ${EMPTY:-fallback} ${EMPTY-kept} $$SET $SET",
        env)).isEqualTo("value fallback fallback  $SET value");
  }

  record Result(int status, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int status = line.execute(args);
    return new Result(status, out.toString(), err.toString());
  }
}
