package dev.clincher.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.e2e.Commands.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The seed topology, proven on the running stack by connecting (issue #10): the images built offline, a deployment
 * made with {@code clincher deploy init}, the host firewall applied, {@code docker-compose up}, and a fake
 * {@code api.openai.com} on {@code egress-net} standing in for the internet. Each test is one isolation property;
 * the last one takes the stack down and shows that nothing is left.
 *
 * <p>Needs root, dockerd, docker-compose, openssl, nsenter, iptables, unshare and prometheus (Debian's package, the
 * monitoring host's stand-in); skipped without them, except under CI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TopologyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration STEP = Duration.ofSeconds(60);
  /** The ports the services listen on inside the stack; none may be published. */
  private static final Map<String, Integer> SERVICE_PORTS = Map.of("gateway", 18789, "router", 4000, "egress", 4750,
      "metrics-relay", 9180,
      "socket-proxy", 2375, "redis", 6379);

  private Path work;
  private Stack stack;
  private GatewayApi api;
  private String providerKey;
  private final HttpClient control = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A failed test keeps what the stack said (it is gone after the class): the services' logs, the fake's requests. */
  @RegisterExtension
  final TestWatcher keepLogsOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (stack != null) {
        keepLogs(context.getRequiredTestMethod().getName());
      }
    }
  };

  @BeforeAll
  void bringUpTheStack() throws Exception {
    Path repository = Path.of(System.getenv().getOrDefault("CLINCHER_REPOSITORY", "..")).toAbsolutePath().normalize();
    Path jar = repository.resolve("clincher-app/target/clincher.jar");
    requireTools(jar);
    work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "e2e-");
    Files.writeString(Path.of("target/e2e-hosts"), "127.0.0.1 localhost\n");
    Result images = Commands.run(Duration.ofMinutes(15), List.of(repository.resolve("deploy/images/build").toString(),
        "--offline", "--jar", jar.toString(), "clincher", "sandbox", "redis", "caddy", "probe"));
    assertThat(images.ok()).as("deploy/images/build --offline: %s", images.describe()).isTrue();

    stack = Stack.plan(repository, jar, work);
    Files.writeString(Path.of("target/e2e-hosts"), "127.0.0.1 localhost\n" + stack.publicAddress() + " "
        + Stack.DOMAIN + "\n");
    providerKey = "sk-e2e-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    Path keyFile = work.resolve("openai.key");
    Files.writeString(keyFile, providerKey + "\n");
    stack.up(keyFile, Path.of("target/test-classes").toAbsolutePath());
    api = new GatewayApi(stack, work);
  }

  private static void requireTools(Path jar) {
    List<String> missing = new ArrayList<>();
    for (String tool : List.of("docker", "docker-compose", "openssl", "nsenter", "iptables", "curl", "ip",
        "unshare", "prometheus")) {
      if (!Commands.run(Duration.ofSeconds(5), "sh", "-c", "command -v " + tool).ok()) {
        missing.add(tool);
      }
    }
    if (!Commands.run(Duration.ofSeconds(30), "docker", "info").ok()) {
      missing.add("a running dockerd");
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      missing.add("root");
    }
    if (!Files.exists(jar)) {
      missing.add(jar.toString());
    }
    if (!missing.isEmpty() && System.getenv("CI") != null) {
      throw new AssertionError("the topology test needs " + missing + " (.ci/run installs them)");
    }
    Assumptions.assumeTrue(missing.isEmpty(), "the topology test needs " + missing);
  }

  @AfterAll
  void takeDown() throws IOException {
    if (stack != null) {
      stack.close();
    }
  }

  // 1 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void fromTheHostOnlyCaddyAnswers() throws Exception {
    for (String container : stack.containers()) {
      String published = Commands.run(STEP, "docker", "port", container).out().strip();
      String service = Commands.run(STEP, "docker", "inspect", "-f",
          "{{index .Config.Labels \"com.docker.compose.service\"}}", container).orFail().out().strip();
      if (service.equals("caddy")) {
        assertThat(published).as("caddy's published ports").contains(stack.publicAddress() + ":443")
            .contains(stack.publicAddress() + ":80");
      } else {
        assertThat(published).as("ports published by %s", container).isEmpty();
      }
    }
    String natRules = Commands.run(STEP, "iptables", "-t", "nat", "-S", "DOCKER").out();
    for (var service : SERVICE_PORTS.entrySet()) {
      int port = service.getValue();
      assertThat(connects(stack.publicAddress(), port)).as("%s's port %d answers at %s", service.getKey(), port,
          stack.publicAddress()).isFalse();
      assertThat(listenerOf(port)).as("Docker listening on %s's port %d", service.getKey(), port)
          .doesNotContain("docker-proxy");
      assertThat(natRules).as("Docker's port forwards").doesNotContainPattern(
          "--dport " + port + " .*--to-destination " + stack.networkPrefix.replace(".", "\\.") + "\\.");
    }
    Result health = api.request("GET", "/health/liveliness", null, false);
    assertThat(GatewayApi.status(health)).as(health.describe()).isEqualTo(200);
    Result metrics = api.request("GET", "/metrics", null, true);
    assertThat(GatewayApi.status(metrics)).as("metrics through caddy: %s", metrics.describe()).isEqualTo(404);
  }

  // 2 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(2)
  void withoutTheTokenTheApiSays401() {
    for (String path : List.of("/v1/sessions", "/v1/agents")) {
      Result result = api.request("GET", path, null, false);
      assertThat(GatewayApi.status(result)).as(result.describe()).isEqualTo(401);
    }
    Result ticket = api.request("POST", "/v1/ws/ticket", "{}", false);
    assertThat(GatewayApi.status(ticket)).as(ticket.describe()).isEqualTo(401);
  }

  @Test
  @Order(3)
  void anAgentTurnRunsExecInTheSandboxAndStreamsBackOverSse() throws Exception {
    script("echo \"uid=$(id -u)\"; echo \"interfaces=$(ls /sys/class/net | tr '\\n' ' ')\"; "
        + "python3 -c \"import socket; socket.create_connection(('" + stack.fakeProviderAddress() + "', 443), 3)\" "
        + "2>&1 | tail -n 1");
    String session = createSession();
    List<JsonNode> events = new ArrayList<>();
    try (GatewayApi.LineStream stream = api.stream("/v1/sessions/" + session + "/messages",
        "{\"content\":\"What does the sandbox say?\"}")) {
      readEvents(stream, events);
    }
    JsonNode toolResult = only(events, "tool_result");
    String output = toolResult.path("data").path("content").asText();
    assertThat(only(events, "tool_call").path("data").path("name").asText()).isEqualTo("exec");
    assertThat(output).as("the sandbox's output").contains("uid=1000", "interfaces=lo ")
        .contains("Network is unreachable");
    assertThat(last(events, "assistant_message").path("data").path("content").asText())
        .startsWith(FakeOpenAi.ANSWER_PREFIX).contains("uid=1000");
    assertThat(only(events, "done").path("data").path("reason").asText()).isEqualTo("completed");
  }

  @Test
  @Order(4)
  void theSameTurnWorksOverAWebSocketThroughCaddy() throws Exception {
    script("echo websocket-turn-$(id -u)");
    String session = createSession();
    Result ticket = api.request("POST", "/v1/ws/ticket", "{}", true);
    assertThat(GatewayApi.status(ticket)).as(ticket.describe()).isEqualTo(200);
    String subprotocol = GatewayApi.body(ticket).path("subprotocol").asText();
    LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(api.caddyRoot()))
        .connectTimeout(Duration.ofSeconds(10)).build();
    WebSocket socket = client.newWebSocketBuilder().subprotocols("clincher.v1", subprotocol)
        .header("Origin", "https://" + Stack.DOMAIN)
        .buildAsync(URI.create("wss://" + Stack.DOMAIN + "/v1/ws"), new Collector(frames)).get(30, TimeUnit.SECONDS);
    try {
      socket.sendText(JSON.createObjectNode().put("type", "send").put("session", session)
          .put("content", "once more, over the socket").toString(), true).get(10, TimeUnit.SECONDS);
      List<JsonNode> events = new ArrayList<>();
      Instant deadline = Instant.now().plus(STEP);
      boolean released = false;
      while (events.stream().noneMatch(e -> e.path("type").asText().equals("done"))) {
        String frame = frames.poll(Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS);
        assertThat(frame).as("a WebSocket frame before the deadline; so far %s", events).isNotNull();
        JsonNode event = JSON.readTree(frame);
        events.add(event);
        if (!released && event.path("type").asText().equals("assistant_delta")) {
          release();
          released = true;
        }
      }
      assertThat(only(events, "tool_result").path("data").path("content").asText()).as("events %s", events)
          .contains("websocket-turn-1000");
      assertThat(only(events, "done").path("data").path("reason").asText()).as("events %s", events)
          .isEqualTo("completed");
    } finally {
      socket.abort();
    }
  }

  // 3 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(5)
  void probesOnTheInternalNetworksReachNothingOutsideTheStack() throws Exception {
    try (ServerSocket listener = new ServerSocket()) {
      listener.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
      AtomicInteger accepted = acceptInBackground(listener);
      int port = listener.getLocalPort();
      String hostAddress = hostPrimaryAddress();
      for (String network : List.of("openclaw-net", "proxy-net")) {
        String gateway = stack.address(network.equals("openclaw-net") ? 10 : 20, 1);
        String script = "ip -4 route | sed 's/^/ROUTE /'\n"
            + "reach " + stack.fakeProviderAddress() + " 443 & reach " + stack.fakeProviderAddress() + " 8080 & "
            + "reach " + gateway + " " + port + " & reach " + hostAddress + " " + port + " & "
            + "reach " + stack.publicAddress() + " 443 & reach " + stack.address(30, 1) + " " + port + " & wait\n"
            + (network.equals("openclaw-net") ? "reach router 4000\n" : "reach gateway 18789\n");
        Result probe = Probe.on(stack, network, script);
        assertThat(probe.out()).as("probe on %s: %s", network, probe.describe())
            .doesNotContain("REACHED " + stack.fakeProviderAddress())
            .doesNotContain("REACHED " + gateway)
            .doesNotContain("REACHED " + hostAddress)
            .doesNotContain("REACHED " + stack.publicAddress())
            .doesNotContain("REACHED " + stack.address(30, 1))
            .contains(network.equals("openclaw-net") ? "REACHED router:4000" : "REACHED gateway:18789");
        assertOnlyRouteIsTheFirewalledBridge(probe.out().lines().filter(l -> l.startsWith("ROUTE "))
            .map(l -> l.substring(6)).toList(), gateway, network);
      }
      assertThat(accepted.get()).as("connections the host listener accepted from internal networks").isZero();
      Result control = Probe.on(stack, "egress-net", "reach " + stack.address(30, 1) + " " + port);
      assertThat(control.out()).as("control: a probe on the non-internal egress-net reaches the same host listener, "
          + "so the blocked ones were blocked by the deployment: %s", control.describe())
          .contains("REACHED " + stack.address(30, 1) + ":" + port);
      for (String service : List.of("gateway", "router")) {
        int pid = stack.pid(service);
        assertThat(Probe.reachesFromNamespace(pid, stack.fakeProviderAddress(), 443)).as("%s -> provider", service)
            .isFalse();
        assertThat(Probe.reachesFromNamespace(pid, stack.address(10, 1), port)).as("%s -> host", service).isFalse();
        assertThat(Probe.reachesFromNamespace(pid, hostAddress, port)).as("%s -> host %s", service, hostAddress)
            .isFalse();
        List<String> routes = Stack.lines(Probe.routesOf(pid));
        assertThat(routes).as("%s's routes", service).allMatch(route -> !route.startsWith("default")
            || route.startsWith("default via " + stack.address(10, 1)) || route.startsWith("default via "
            + stack.address(20, 1)));
      }
    }
    Result firewall = Commands.run(STEP, stack.directory.resolve("host-firewall").toString(), "check");
    assertThat(firewall.ok()).as(firewall.describe()).isTrue();
  }

  /** Docker before 25 leaves internal networks a default route to the bridge; the host firewall must drop it. */
  private void assertOnlyRouteIsTheFirewalledBridge(List<String> routes, String gateway, String network) {
    assertThat(routes).as("routes on %s", network).isNotEmpty().allMatch(route -> !route.startsWith("default")
        || route.startsWith("default via " + gateway + " "));
    String rules = Commands.run(STEP, "iptables", "-S", "INPUT").out();
    String bridge = stack.bridgePrefix + (network.equals("openclaw-net") ? "-core" : "-proxy");
    assertThat(rules).as("the host drops what %s sends it", bridge).contains("-i " + bridge + " ")
        .containsPattern("-A INPUT -i " + bridge + " .*-j DROP");
  }

  // 4 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(6)
  void theRouterReachesTheProviderOnlyThroughTheEgress() throws Exception {
    JsonNode requests = JSON.readTree(control("GET", "/requests", null));
    String egress = stack.addressOf("egress", "egress-net");
    assertThat(requests.size()).as("calls the provider saw").isGreaterThanOrEqualTo(2);
    for (JsonNode request : requests) {
      assertThat(request.path("remote").asText()).as("the provider's caller").isEqualTo(egress);
      assertThat(request.path("authorization_sha256").asText()).as("the provider key the router sent")
          .isEqualTo(FakeOpenAi.sha256("Bearer " + providerKey));
    }
    String router = stack.addressOf("router", "openclaw-net");
    List<JsonNode> decisions = egressDecisions();
    assertThat(decisions).as("the egress's decisions").anySatisfy(decision -> {
      assertThat(decision.path("host").asText()).isEqualTo("api.openai.com");
      assertThat(decision.path("client").asText()).isEqualTo(router);
      assertThat(decision.path("decision").asText()).isEqualTo("allow");
      assertThat(decision.path("resolved").asText()).isEqualTo(stack.fakeProviderAddress());
    });
    Result refused = Probe.on(stack, "openclaw-net", "curl -sS -o /dev/null --max-time 10 -w 'CONNECT %{http_connect}\\n' "
        + "-x http://egress:4750 https://not-on-the-allowlist.invalid/ ; echo \"exit $?\"");
    assertThat(refused.out()).as(refused.describe()).contains("CONNECT 403");
    assertThat(egressDecisions()).as("the egress's decisions").anySatisfy(decision -> {
      assertThat(decision.path("host").asText()).isEqualTo("not-on-the-allowlist.invalid");
      assertThat(decision.path("decision").asText()).isEqualTo("deny");
      assertThat(decision.path("resolved").asText()).as("denied before any DNS lookup").isEmpty();
    });
  }

  /** The egress's one-line-per-decision log (JSON lines in its container output). */
  private List<JsonNode> egressDecisions() throws IOException {
    List<JsonNode> decisions = new ArrayList<>();
    for (String line : stack.logs("egress").lines().toList()) {
      int json = line.indexOf("{\"ts\"");
      if (json >= 0 && line.contains("\"event\":\"egress.decision\"")) {
        decisions.add(JSON.readTree(line.substring(json)));
      }
    }
    return decisions;
  }

  // 5 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(7)
  void theSandboxHasNoNetworkAndTheSocketProxyRefusesEscapes() {
    List<String> sandboxes = Stack.lines(Commands.run(STEP, "docker", "ps", "-q", "--filter", "label=clincher.sandbox=1",
        "--filter", "label=clincher.instance=" + stack.project).out());
    assertThat(sandboxes).as("the sandbox of the agent turns").hasSize(1);
    assertThat(Commands.run(STEP, "docker", "inspect", "-f", "{{.HostConfig.NetworkMode}}", sandboxes.getFirst()).out())
        .contains("none");
    List<String> before = createdSandboxes();
    String docker = "DOCKER_HOST=tcp://socket-proxy:2375 docker";
    Result probe = Probe.on(stack, "openclaw-net", String.join("\n",
        docker + " create --privileged --label clincher.sandbox=1 clincher-sandbox:latest true; echo \"privileged $?\"",
        docker + " create -v /:/host --label clincher.sandbox=1 clincher-sandbox:latest true; echo \"bind $?\"",
        docker + " create --pid host --label clincher.sandbox=1 clincher-sandbox:latest true; echo \"pid $?\"",
        "curl -sS -o /dev/null -w 'raw %{http_code}\\n' -X POST -H 'Content-Type: application/json' "
            + "--data '{\"Image\":\"clincher-sandbox:latest\",\"Labels\":{\"clincher.sandbox\":\"1\"},"
            + "\"HostConfig\":{\"Privileged\":true}}' http://socket-proxy:2375/v1.41/containers/create"));
    assertThat(probe.out()).as(probe.describe()).contains("privileged 1", "bind 1", "pid 1", "raw 403");
    assertThat(createdSandboxes()).as("containers made by the refused requests").isEqualTo(before);
  }

  // 6 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(8)
  void redisWantsThePasswordAndProxyNetCannotReachIt() throws Exception {
    Result without = Probe.on(stack, "openclaw-net", "redis-cli -h redis SET e2e 1 2>&1");
    assertThat(without.out()).as(without.describe()).contains("NOAUTH");
    Result with = Probe.on(stack, "openclaw-net", "redis-cli --no-auth-warning -h redis PING 2>&1; "
        + "redis-cli --no-auth-warning -h redis CONFIG GET dir 2>&1", Map.of("REDISCLI_AUTH",
        stack.secret("redis_password")));
    assertThat(with.out()).as(with.describe()).contains("PONG").contains("NOPERM");
    String redis = stack.addressOf("redis", "openclaw-net");
    Result fromProxyNet = Probe.on(stack, "proxy-net", "reach redis 6379; reach " + redis + " 6379");
    assertThat(fromProxyNet.out()).as(fromProxyNet.describe()).contains("BLOCKED redis:6379", "BLOCKED " + redis);
  }

  // 7 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(9)
  void noSecretIsInAnEnvironmentOrACommandLine() throws Exception {
    Map<String, String> secrets = Map.of("provider key", providerKey, "master key", stack.secret("litellm_master_key"),
        "redis password", stack.secret("redis_password"), "gateway token", stack.secret("gateway_token"));
    String gatewayEnv = Commands.run(STEP, "docker", "inspect", "-f", "{{json .Config.Env}}", stack.container("gateway"))
        .orFail().out();
    assertThat(gatewayEnv).as("the gateway's environment").doesNotContain("OPENAI", "API_KEY", providerKey);
    for (String service : List.of("gateway", "router", "egress", "socket-proxy", "redis", "caddy")) {
      String environ = Files.readString(Path.of("/proc", Integer.toString(stack.pid(service)), "environ"));
      secrets.forEach((name, value) -> assertThat(environ).as("%s's environment holds the %s", service, name)
          .doesNotContain(value));
    }
    List<String> offenders = new ArrayList<>();
    try (var processes = Files.list(Path.of("/proc"))) {
      for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        String commandLine;
        try {
          commandLine = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException gone) {
          continue;
        }
        secrets.forEach((name, value) -> {
          if (commandLine.contains(value)) {
            offenders.add(process.getFileName() + " has the " + name + ": " + commandLine.replace('\0', ' '));
          }
        });
      }
    }
    assertThat(offenders).as("command lines holding a secret").isEmpty();
  }

  // 8 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(10)
  void theDeepAuditShowsEveryLayerHoldingAndNamesOneBrokenLive() throws Exception {
    JsonNode healthy = audit();
    assertThat(ids(healthy, "critical")).as("only the test's own stand-in for the internet: its fake provider on "
        + "egress-net, and the egress's allow of that private address")
        .containsExactlyInAnyOrder("compose.network.membership", "egress.ranges.private_allowed");
    assertThat(healthy.path("findings").toString()).contains("service fake-openai joins egress-net");
    assertThat(ids(healthy, "info")).contains("deep.egress.private", "deep.egress.metadata", "deep.egress.allowlist",
        "deep.socket_proxy.privileged", "deep.socket_proxy.bind", "deep.socket_proxy.exec",
        "deep.socket_proxy.inspect_service", "deep.router.no_key",
        "deep.router.metrics", "deep.gateway.no_token", "deep.gateway.token_in_url", "deep.gateway.foreign_origin",
        "deep.gateway.metrics", "deep.metrics_net.socket_proxy", "deep.metrics_relay.other_request",
        "deep.sandbox.isolated", "deep.secrets.process");
    assertThat(healthy.path("findings").toString()).as("the agent's sandbox was inspected").contains("sandbox ")
        .doesNotContain(stack.secret("gateway_token"));

    long started = System.nanoTime();
    Result doctor = stack.clincher("doctor", "--json", "--deploy", stack.directory.toString());
    System.out.printf("clincher doctor on the healthy stack: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(doctor.ok()).as(doctor.describe()).isTrue();
    JsonNode health = JSON.readTree(doctor.out());
    assertThat(ids(health, "critical")).isEmpty();
    assertThat(health.path("findings").toString()).contains("api.openai.com: reachable through the egress proxy");
    assertThat(ids(health, "info").stream().filter(id -> id.equals("doctor.service.healthy"))).hasSize(6);

    Path acl = stack.directory.resolve("config/egress-acl.yaml");
    String enforced = Files.readString(acl);
    Files.writeString(acl, enforced.replace("action: enforce", "action: report")); // in place: the egress re-reads it
    try {
      Stack.sleep(Duration.ofSeconds(3));
      JsonNode broken = audit();
      assertThat(ids(broken, "critical")).as("egress in report mode, by setting and by probe")
          .contains("egress.acl.mode.enforce", "deep.egress.allowlist")
          .doesNotContain("deep.egress.private", "deep.egress.metadata");
    } finally {
      Files.writeString(acl, enforced);
    }

    Path token = stack.directory.resolve("secrets/gateway_token");
    Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    String stray = Commands.run(STEP, "docker", "run", "-d", "--label", "clincher.sandbox=1", "--label",
        "clincher.instance=" + stack.project, "clincher-sandbox:latest", "sleep", "120").orFail().out().strip();
    try {
      JsonNode broken = audit();
      assertThat(ids(broken, "critical")).as("a world-readable secret and a sandbox with a network")
          .contains("secrets.file_mode", "deep.sandbox.isolated");
      assertThat(broken.path("findings").toString()).contains("sandbox " + stray.substring(0, 12));
    } finally {
      Commands.run(STEP, "docker", "rm", "-f", stray);
      Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    // The seed's socket proxy: docker-socket-proxy's variables with POST=1, no body inspection.
    stack.recreateWith("socket-proxy", """
          socket-proxy:
            command: [socket-proxy, --listen=0.0.0.0:2375, --profile=compat]
            environment: {CONTAINERS: "1", POST: "1"}
        """);
    try {
      JsonNode seed = audit();
      assertThat(ids(seed, "critical")).as("the seed's socket-proxy settings, by setting and by probe")
          .contains("socket_proxy.profile.sandbox", "deep.socket_proxy.inspect_service");
      assertThat(ids(seed, "info")).as("compat mode still inspects create bodies: those escapes stay refused")
          .contains("deep.socket_proxy.privileged", "deep.socket_proxy.bind");
      assertThat(Commands.run(STEP, "docker", "ps", "-aq", "--filter", "label=clincher.audit.probe").out())
          .as("nothing the probes made is left").isBlank();
    } finally {
      stack.restore("socket-proxy");
    }
    assertThat(ids(audit(), "critical")).as("back to the deployment's own socket proxy")
        .doesNotContain("socket_proxy.profile.sandbox", "deep.socket_proxy.inspect_service");
  }

  private JsonNode audit() throws IOException {
    Result audit = stack.clincher("audit", "--deep", "--json", "--deploy", stack.directory.toString());
    assertThat(audit.out()).as(audit.describe()).startsWith("{");
    return JSON.readTree(audit.out());
  }

  private static List<String> ids(JsonNode report, String severity) {
    List<String> ids = new ArrayList<>();
    report.path("findings").forEach(finding -> {
      if (finding.path("severity").asText().equals(severity)) {
        ids.add(finding.path("id").asText());
      }
    });
    return ids;
  }

  // 11 -----------------------------------------------------------------------------------------------------------

  /**
   * Issue 16: the monitoring host's Prometheus, with the shipped scrape config, reads every service's metrics
   * through Caddy with that service's token — the router, egress and socket proxy by way of the metrics relay — and
   * a scrape without the token fails with 401.
   */
  @Test
  @Order(11)
  void theMonitoringHostScrapesEveryServiceThroughCaddy() throws Exception {
    Map<String, String> prefixes = new java.util.TreeMap<>(Map.of("clincher-gateway", "clincher_gateway_",
        "clincher-router", "clincher_router_", "clincher-egress", "clincher_egress_", "clincher-socket-proxy",
        "clincher_socketproxy_"));
    List<String> jobs = List.copyOf(prefixes.keySet());
    try (MonitoringHost monitoring = MonitoringHost.start(stack, api.caddyRoot(), work)) {
      Map<String, String> health = monitoring.awaitHealth(jobs, List.of(MonitoringHost.NO_CREDENTIAL_JOB),
          Duration.ofSeconds(90));
      System.out.println("monitoring host's targets: " + health);
      assertThat(jobs).as("jobs scraped through caddy; all targets: %s%nprometheus: %s", health, monitoring.log())
          .allMatch(job -> health.getOrDefault(job, "").startsWith("up"));
      for (String job : jobs) {
        String count = monitoring.query("count({job=\"" + job + "\",__name__=~\"" + prefixes.get(job) + ".*\"})");
        assertThat(count).as("%s's own metrics in what %s scraped (targets: %s)", prefixes.get(job), job, health)
            .isNotEmpty().isNotEqualTo("0");
      }
      assertThat(health.getOrDefault(MonitoringHost.NO_CREDENTIAL_JOB, "")).as("a scrape without the token: %s",
          health).startsWith("down").contains("401");
    }
  }

  /**
   * What a taken-over Caddy could do on metrics-net (a probe stands in for it): read metrics through the relay with
   * a token, and nothing else — no other path or method through the relay, no service on openclaw-net directly, not
   * the host.
   */
  @Test
  @Order(12)
  void fromMetricsNetOnlyTheRelaysThreeReadsGoThrough() throws Exception {
    String router = stack.addressOf("router", "openclaw-net");
    String socketProxy = stack.addressOf("socket-proxy", "openclaw-net");
    String status = "status() { curl -s -o /dev/null -w \"$1 %{http_code}\\n\" --max-time 5 \"$@\"; }\n";
    String script = status
        + "reach router 4000; reach socket-proxy 2375; reach egress 4750; reach redis 6379; reach gateway 18789\n"
        + "reach " + router + " 4000; reach " + socketProxy + " 2375; reach " + stack.address(50, 1) + " 22\n"
        + "status http://metrics-relay:9180/metrics/router\n"
        + "status http://metrics-relay:9180/metrics/socket-proxy -H \"Authorization: Bearer $SOCKET_TOKEN\"\n"
        + "status http://metrics-relay:9180/metrics/socket-proxy -X POST -H \"Authorization: Bearer $SOCKET_TOKEN\"\n"
        + "status http://metrics-relay:9180/containers/json\n"
        + "status http://metrics-relay:9180/metrics/socket-proxy/../../containers/json --path-as-is\n"
        + "status http://metrics-relay:9180/metrics/socket-proxy/containers/json\n"
        + "status http://metrics-relay:9180/v1.41/containers/json\n";
    Result probe = Probe.on(stack, "metrics-net", script, Map.of("SOCKET_TOKEN",
        stack.secret("socket_proxy_metrics_token")));
    assertThat(probe.out()).as("probe on metrics-net: %s", probe.describe())
        .contains("BLOCKED router:4000", "BLOCKED socket-proxy:2375", "BLOCKED egress:4750", "BLOCKED redis:6379",
            "BLOCKED gateway:18789", "BLOCKED " + router + ":4000", "BLOCKED " + socketProxy + ":2375",
            "BLOCKED " + stack.address(50, 1) + ":22")
        .contains("http://metrics-relay:9180/metrics/router 401")
        .contains("http://metrics-relay:9180/metrics/socket-proxy 200")
        .doesNotContain("REACHED");
    assertThat(probe.out().lines().filter(line -> line.startsWith("http://metrics-relay:9180/")
        && !line.startsWith("http://metrics-relay:9180/metrics/router ")
        && !line.startsWith("http://metrics-relay:9180/metrics/socket-proxy 200")))
        .as("every other request through the relay: %s", probe.out()).hasSize(5)
        .allMatch(line -> line.endsWith(" 404"));
  }

  // 9 ------------------------------------------------------------------------------------------------------------

  @Test
  @Order(13)
  void everyServiceJvmStartsFromTheImagesAheadOfTimeCache() throws Exception {
    for (String service : List.of("gateway", "router", "egress", "socket-proxy")) {
      String maps = Files.readString(Path.of("/proc", Integer.toString(stack.pid(service)), "maps"));
      assertThat(maps).as("%s's JVM maps the image's AOT cache (deploy/images/clincher/aot-train); it does not when "
          + "its JVM flags differ from the training's", service).contains("/opt/clincher/clincher.aot");
    }
  }

  @Test
  @Order(100)
  void downLeavesNoContainerNetworkOrVolume() {
    Result down = stack.takeDown();
    assertThat(down.ok()).as(down.describe()).isTrue();
    String label = "label=com.docker.compose.project=" + stack.project;
    assertThat(Commands.run(STEP, "docker", "ps", "-aq", "--filter", label).out()).as("containers").isBlank();
    assertThat(Commands.run(STEP, "docker", "network", "ls", "-q", "--filter", label).out()).as("networks").isBlank();
    assertThat(Commands.run(STEP, "docker", "volume", "ls", "-q", "--filter", label).out()).as("volumes").isBlank();
    assertThat(Commands.run(STEP, "docker", "ps", "-aq", "--filter", "label=clincher.instance=" + stack.project).out())
        .as("sandbox containers").isBlank();
    assertThat(Commands.run(STEP, "docker", "volume", "ls", "-q", "--filter", "name=clincher-ws-" + stack.project)
        .out()).as("sandbox workspace volumes").isBlank();
    assertThat(Commands.run(STEP, "iptables", "-S").out()).as("firewall rules").doesNotContain(stack.bridgePrefix);
  }

  // --- helpers ---------------------------------------------------------------------------------------------------

  private String createSession() throws IOException {
    Result created = api.request("POST", "/v1/sessions", "{\"agent\":\"main\",\"title\":\"e2e\"}", true);
    assertThat(GatewayApi.status(created)).as(created.describe()).isEqualTo(201);
    return GatewayApi.body(created).path("id").asText();
  }

  /**
   * Reads SSE events until {@code done}. The fake provider holds back all but the first words of its answer until
   * released; the release is sent only once those words arrived here, so a buffering hop would stall the turn.
   */
  private void readEvents(GatewayApi.LineStream stream, List<JsonNode> events) throws Exception {
    Instant deadline = Instant.now().plus(STEP);
    boolean released = false;
    while (events.stream().noneMatch(e -> e.path("type").asText().equals("done"))) {
      String line = stream.next(Duration.between(Instant.now(), deadline).isNegative() ? Duration.ZERO
          : Duration.between(Instant.now(), deadline));
      assertThat(line).as("the next SSE line before the deadline (streaming stalled: a hop buffers?); so far %s",
          events).isNotNull().isNotEqualTo("[end]");
      if (line.startsWith("data:")) {
        JsonNode event = JSON.readTree(line.substring(5));
        events.add(event);
        if (!released && event.path("type").asText().equals("assistant_delta")) {
          assertThat(event.path("data").path("text").asText()).startsWith(FakeOpenAi.ANSWER_PREFIX.strip());
          release();
          released = true;
        }
      }
    }
    assertThat(released).as("the first words streamed before the rest was released").isTrue();
  }

  private void keepLogs(String test) {
    StringBuilder logs = new StringBuilder();
    for (String service : List.of("gateway", "router", "egress", "fake-openai", "caddy")) {
      logs.append("=== ").append(service).append('\n').append(stack.logs(service)).append('\n');
    }
    try {
      logs.append("=== fake provider's requests\n").append(control("GET", "/requests", null)).append('\n');
      Path file = Path.of("target", "e2e-failure-" + test + ".log").toAbsolutePath();
      Files.writeString(file, logs);
      System.out.println("the stack's logs at the failure of " + test + ": " + file + "\n" + logs);
    } catch (Exception e) {
      System.out.println("could not keep the logs of " + test + ": " + e + "\n" + logs);
    }
  }

  private static JsonNode last(List<JsonNode> events, String type) {
    List<JsonNode> matching = events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
    assertThat(matching).as("%s events in %s", type, events).isNotEmpty();
    return matching.getLast();
  }

  private static JsonNode only(List<JsonNode> events, String type) {
    List<JsonNode> matching = events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
    assertThat(matching).as("%s events in %s", type, events).hasSize(1);
    return matching.getFirst();
  }

  private void script(String command) throws Exception {
    control("PUT", "/script", command);
  }

  private void release() throws Exception {
    control("POST", "/release", "");
  }

  /** The fake provider's control port, straight from the host to its address on egress-net (a test network). */
  private String control(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://" + stack.fakeProviderAddress() + ":" + FakeOpenAi.CONTROL_PORT + path))
        .timeout(Duration.ofSeconds(10));
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response = control.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("fake provider control %s %s", method, path).isBetween(200, 299);
    return response.body();
  }

  private static boolean connects(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String listenerOf(int port) {
    return Commands.run(STEP, "sh", "-c", "ss -ltnpH 'sport = :" + port + "' || true").out().strip();
  }

  /** The host's source address for outside traffic, read from its routing table (no packet is sent). */
  private static String hostPrimaryAddress() {
    String route = Commands.run(STEP, "ip", "-4", "route", "get", "198.51.100.1").orFail().out();
    java.util.regex.Matcher source = java.util.regex.Pattern.compile("src (\\S+)").matcher(route);
    assertThat(source.find()).as("a source address in %s", route).isTrue();
    return source.group(1);
  }

  private static AtomicInteger acceptInBackground(ServerSocket listener) {
    AtomicInteger accepted = new AtomicInteger();
    Thread.ofPlatform().daemon().start(() -> {
      while (!listener.isClosed()) {
        try (Socket ignored = listener.accept()) {
          accepted.incrementAndGet();
        } catch (IOException closed) {
          return;
        }
      }
    });
    return accepted;
  }

  /**
   * Sandbox-labelled containers created but never started, as a create that got through would leave them (other
   * work on this dockerd may start containers meanwhile: those run, so they are not counted).
   */
  private List<String> createdSandboxes() {
    return Stack.lines(Commands.run(STEP, "docker", "ps", "-aq", "--no-trunc", "--filter", "label=clincher.sandbox=1",
        "--filter", "status=created").out());
  }

  private static SSLContext trusting(Path certificate) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (var in = Files.newInputStream(certificate)) {
      store.setCertificateEntry("caddy", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  /** Collects a WebSocket's text messages (joining the parts of a fragmented one). */
  private static final class Collector implements WebSocket.Listener {
    private final LinkedBlockingQueue<String> frames;
    private final StringBuilder partial = new StringBuilder();

    Collector(LinkedBlockingQueue<String> frames) {
      this.frames = frames;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(partial.toString());
        partial.setLength(0);
      }
      socket.request(1);
      return null;
    }
  }
}
