package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.app.MonitoringFiles.Expression;
import dev.clincher.app.MonitoringFiles.Selector;
import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring contract, on the real services: the four start in this JVM, get some traffic (answered, streamed,
 * cached, failed, refused and denied calls), and are scraped as Prometheus scrapes them. Every metric and label that
 * an alert rule or a dashboard panel of {@code deploy/monitoring/} uses must be in a scrape, so a rule or a panel
 * about a metric that does not exist fails the build. And {@code /metrics} answers only the metrics token: 401
 * without it, and for the router's master key and the gateway's operator token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class MonitoringContractTest {
  /** Every service's metrics token: the one the router's test harness configures. */
  private static final String METRICS_TOKEN = RunningRouter.METRICS_TOKEN;
  /** Metrics Prometheus itself and the blackbox exporter make, not the services. */
  private static final Set<String> PROMETHEUS_LABELS = Set.of("job", "instance");

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<AutoCloseable> running = new ArrayList<>();
  /** Each service's scrape: metric name → its label names. */
  private final Map<String, Map<String, Set<String>>> scrapes = new LinkedHashMap<>();

  private Path directory;
  private FakeUpstream provider;
  private RunningRouter router;
  private EgressServer egress;
  private SocketProxyServer socketProxy;
  private GatewayServer gateway;
  private String operatorToken;
  private Path metricsTokenFile;

  @BeforeAll
  void startTheServicesAndMakeTraffic(@TempDir Path temporary) throws Exception {
    directory = temporary;
    Path tokenFile = Files.writeString(directory.resolve("metrics_token"), METRICS_TOKEN + "\n");
    metricsTokenFile = tokenFile;
    provider = FakeUpstream.start();
    running.add(provider);
    router = RunningRouter.start(directory, routerConfig(provider), Map.of());
    running.add(router);
    routerTraffic();
    EgressSettings d = EgressSettings.defaults();
    egress = EgressServer.start(new EgressSettings("127.0.0.1", 0, Optional.empty(), d.denyRanges(),
        d.allowRanges(), d.denyAddresses(), d.allowAddresses(), d.clientRoles(), d.allowPlainHttp(), d.limits(),
        d.aclPollInterval(), Optional.of(tokenFile)));
    running.add(egress);
    raw(egress.address(), "CONNECT not-allowed.example:443 HTTP/1.1\r\nHost: not-allowed.example:443\r\n\r\n");
    socketProxy = SocketProxyServer.start(SocketProxySettings.defaults().withListenPort(0)
        .withProfile(SocketProxySettings.Profile.SANDBOX).withMetricsTokenFile(tokenFile));
    running.add(socketProxy);
    raw(socketProxy.address(), "POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\n{}");
    startGateway();

    scrapes.put("clincher-router", names(router.scrape().body()));
    scrapes.put("clincher-egress", names(get(egress.address(), "/metrics", METRICS_TOKEN).body()));
    scrapes.put("clincher-socket-proxy", names(get(socketProxy.address(), "/metrics", METRICS_TOKEN).body()));
    scrapes.put("clincher-gateway", names(get(new InetSocketAddress("127.0.0.1", gateway.port()), "/metrics",
        METRICS_TOKEN).body()));
  }

  @AfterAll
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
  }

  private static String routerConfig(FakeUpstream fake) {
    return """
        model_list:
          - model_name: metered
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
        router_settings: {num_retries: 0, disable_cooldowns: true}
        litellm_settings:
          cache: true
          cache_params: {type: local}
        """.formatted(fake.apiBase());
  }

  /** Answered, cached, streamed, failed and budget-refused calls, and a key and a team with budgets. */
  private void routerTraffic() throws Exception {
    String chat = "{\"model\":\"metered\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    provider.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
    assertThat(router.post("/v1/chat/completions", chat).statusCode()).isEqualTo(200);
    assertThat(router.post("/v1/chat/completions", chat).headers().firstValue("x-clincher-cache")).contains("hit");
    provider.then(new Stream(List.of(OpenAiWire.chunk("s", "{\"content\":\"ok\"}", null),
        OpenAiWire.chunk("s", "{}", "stop"), OpenAiWire.usageChunk("s", 3, 1)), Duration.ofMillis(1), End.DONE));
    assertThat(router.post("/v1/chat/completions", chat.replace("\"hi\"", "\"stream\"")
        .replace("{\"model\"", "{\"stream\":true,\"model\"")).statusCode()).isEqualTo(200);
    provider.then(new Json(500, Map.of(), OpenAiWire.error("down", "server_error", "down")));
    assertThat(router.post("/v1/chat/completions", chat.replace("\"hi\"", "\"fail\"")).statusCode())
        .isGreaterThanOrEqualTo(500);

    assertThat(router.post("/team/new", "{\"team_id\":\"eng\",\"max_budget\":1}").statusCode()).isEqualTo(200);
    String key = key("{\"max_budget\":1,\"team_id\":\"eng\",\"key_alias\":\"ada\"}");
    assertThat(router.call(key, "/v1/chat/completions", chat.replace("\"hi\"", "\"budgeted\"")).statusCode())
        .isEqualTo(200);
    String poor = key("{\"max_budget\":0.000000001}");
    assertThat(router.call(poor, "/v1/chat/completions", chat.replace("\"hi\"", "\"poor\"")).statusCode())
        .isEqualTo(400);
  }

  private String key(String body) throws Exception {
    HttpResponse<String> created = router.post("/key/generate", body);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return new ObjectMapper().readTree(created.body()).path("key").asText();
  }

  /** The gateway on {@code clincher up}'s generated config (its Docker and router need not answer to start). */
  private void startGateway() throws Exception {
    Path state = Files.createDirectories(directory.resolve("state"));
    UpDefaults.writeConfigOnce(state);
    UpConfig config = UpConfig.read(state.resolve(UpDefaults.CONFIG_FILE));
    Map<String, String> env = new HashMap<>(UpCommandTest.serviceEnvironment(state, Map.of()));
    env.put("CLINCHER_METRICS_TOKEN_FILE", metricsTokenFile.toString());
    Path file = config.write(UpConfig.generatedDirectory(state), "gateway.yaml", config.gateway());
    gateway = GatewayServer.start(new GatewaySettings(file, Optional.of("127.0.0.1"), Optional.of(0), env));
    running.add(gateway);
    operatorToken = Files.readString(Path.of(env.get("CLINCHER_GATEWAY_TOKEN_FILE"))).strip();
  }

  @Test
  void metricsAnswerOnlyTheMetricsToken() throws Exception {
    for (InetSocketAddress service : List.of(new InetSocketAddress("127.0.0.1", router.port()), egress.address(),
        socketProxy.address(), new InetSocketAddress("127.0.0.1", gateway.port()))) {
      assertThat(get(service, "/metrics", null).statusCode()).as("no token: " + service).isEqualTo(401);
      assertThat(get(service, "/metrics", "wrong-token").statusCode()).as("wrong token: " + service).isEqualTo(401);
      assertThat(get(service, "/metrics", METRICS_TOKEN).statusCode()).as(service.toString()).isEqualTo(200);
      assertThat(get(service, "/health/readiness", null).statusCode()).as("health needs no token")
          .isIn(200, 503);
    }
    assertThat(get(new InetSocketAddress("127.0.0.1", router.port()), "/metrics", RunningRouter.MASTER_KEY)
        .statusCode()).as("the router's master key is no metrics credential").isEqualTo(401);
    assertThat(get(new InetSocketAddress("127.0.0.1", gateway.port()), "/metrics", operatorToken).statusCode())
        .as("the gateway's operator token is no metrics credential").isEqualTo(401);
  }

  @Test
  void everyMetricOfEveryRuleAndPanelIsExportedWithItsLabels() throws IOException {
    List<Expression> expressions = new ArrayList<>(MonitoringFiles.ruleExpressions());
    expressions.addAll(MonitoringFiles.dashboardExpressions());
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (Expression expression : expressions) {
      Set<String> labelsOfItsMetrics = new HashSet<>(PROMETHEUS_LABELS);
      for (Selector selector : MonitoringFiles.selectors(expression.promql())) {
        if (selector.metric().equals("up") || selector.metric().startsWith("probe_")) {
          continue; // Prometheus' own and the blackbox exporter's
        }
        checked++;
        Map<String, Set<String>> exporting = exporters(selector.metric(), selector.job());
        if (exporting.isEmpty()) {
          missing.add(expression.where() + ": " + selector.metric() + " is exported by "
              + selector.job().orElse("no service"));
          continue;
        }
        Set<String> exported = new HashSet<>();
        exporting.values().forEach(exported::addAll);
        labelsOfItsMetrics.addAll(exported);
        for (String label : selector.labels()) {
          if (!PROMETHEUS_LABELS.contains(label) && !exported.contains(label)) {
            missing.add(expression.where() + ": " + selector.metric() + " has no label " + label);
          }
        }
      }
      for (String label : MonitoringFiles.groupingLabels(expression.promql())) {
        if (!labelsOfItsMetrics.contains(label)) {
          missing.add(expression.where() + ": grouped by " + label + ", a label none of its metrics has");
        }
      }
    }
    assertThat(missing).as("metrics and labels the rules and dashboards use but no service exports").isEmpty();
    assertThat(checked).isGreaterThan(50);
  }

  /** The services exporting {@code metric} (only {@code job} when the selector names one), with its labels. */
  private Map<String, Set<String>> exporters(String metric, Optional<String> job) {
    Map<String, Set<String>> found = new HashMap<>();
    scrapes.forEach((service, names) -> {
      if (names.containsKey(metric) && job.filter(scrapes::containsKey).map(service::equals).orElse(true)) {
        found.put(service, names.get(metric));
      }
    });
    return found;
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

  /** A scrape's metric names (histogram series by their own names: _bucket, _count, _sum) and label names. */
  static Map<String, Set<String>> names(String scrape) {
    Map<String, Set<String>> names = new HashMap<>();
    for (String line : scrape.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.find()) {
        continue;
      }
      Set<String> labels = names.computeIfAbsent(sample.group(1), name -> new HashSet<>());
      if (sample.group(3) != null) {
        Matcher label = LABEL.matcher(sample.group(3));
        while (label.find()) {
          labels.add(label.group(1));
        }
      }
    }
    return names;
  }

  private HttpResponse<String> get(InetSocketAddress service, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.getPort() + path))
        .timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends {@code request} as it is and reads the answer until the service closes (bounded by a timeout). */
  private static String raw(InetSocketAddress service, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", service.getPort()), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
