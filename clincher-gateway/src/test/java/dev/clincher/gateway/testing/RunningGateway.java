package dev.clincher.gateway.testing;

import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A gateway started in-process on an ephemeral loopback port from a config text, with its token in a file (mode
 * 0600) and a JDK client that calls it with that token.
 */
public final class RunningGateway implements AutoCloseable {
  public static final String TOKEN = "gw-test-token-7f3a9c2e1b8d4f6a0c5e9b2d7a1f3c8e";
  /** The metrics token ({@code CLINCHER_METRICS_TOKEN_FILE}); {@link #scrape()} sends it. */
  public static final String METRICS_TOKEN = "gw-metrics-token-3c2b1a0f9e8d";

  private final GatewayServer server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private RunningGateway(GatewayServer server) {
    this.server = server;
  }

  /** Writes the token file and {@code yaml} (which may use {@code ${TOKEN_FILE}}) and starts the gateway. */
  public static RunningGateway start(Path directory, String yaml, Map<String, String> extraEnv) throws Exception {
    Path config = Files.createTempFile(directory, "gateway", ".yaml");
    Files.writeString(config, yaml);
    return new RunningGateway(GatewayServer.start(settings(directory, config, extraEnv)));
  }

  /** Starts a gateway with settings made by {@link #settings} (a restart on the same files). */
  public static RunningGateway restart(GatewaySettings settings) throws Exception {
    return new RunningGateway(GatewayServer.start(settings));
  }

  /** The settings a gateway in {@code directory} starts with (for restarts on the same files). */
  public static GatewaySettings settings(Path directory, Path config, Map<String, String> extraEnv) throws Exception {
    Path tokenFile = directory.resolve("gateway-token");
    if (!Files.exists(tokenFile)) {
      Files.writeString(tokenFile, TOKEN);
      Files.setPosixFilePermissions(tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    Path metricsTokenFile = Files.writeString(directory.resolve("gateway-metrics-token"), METRICS_TOKEN);
    Map<String, String> env = new HashMap<>(Map.of("CLINCHER_GATEWAY_TOKEN_FILE", tokenFile.toString(),
        "LITELLM_MASTER_KEY", dev.clincher.router.testing.RunningRouter.MASTER_KEY,
        "CLINCHER_METRICS_TOKEN_FILE", metricsTokenFile.toString()));
    env.putAll(extraEnv);
    return new GatewaySettings(config, Optional.of("127.0.0.1"), Optional.of(0), env);
  }

  public GatewayServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public HttpClient client() {
    return client;
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json");
  }

  /** {@code GET /metrics} with the metrics token. */
  public HttpResponse<String> scrape() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/metrics")).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + METRICS_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws Exception {
    return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String json) throws Exception {
    return client.send(request(path).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Creates a session of {@code agent} and returns its ID. */
  public String newSession(String agent) throws Exception {
    HttpResponse<String> created = post("/v1/sessions", "{\"agent\":\"" + agent + "\",\"title\":\"t\"}");
    if (created.statusCode() != 201) {
      throw new AssertionError("creating a session answered " + created.statusCode() + ": " + created.body());
    }
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).path("id").asText();
  }

  /** {@code GET /health/readiness}, without the token (as a load balancer asks). */
  public HttpResponse<String> readiness() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health/readiness")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.close();
  }
}
