package dev.clincher.router.testing;

import dev.clincher.router.RouterServer;
import dev.clincher.router.RouterSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A router started in-process on an ephemeral loopback port from a config text, with a JDK client to call it. */
public final class RunningRouter implements AutoCloseable {
  public static final String MASTER_KEY = "sk-test-master-0123456789";
  public static final String PROVIDER_KEY = "sk-provider-secret-abcdefghijkl";
  /** The metrics token ({@code CLINCHER_METRICS_TOKEN_FILE}); {@link #scrape()} sends it. */
  public static final String METRICS_TOKEN = "metrics-test-token-9a8b7c6d5e";

  private final RouterServer server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private RunningRouter(RouterServer server) {
    this.server = server;
  }

  /**
   * Starts with {@code yaml} and the environment {@code MASTER_KEY}, {@code PROVIDER_KEY} plus {@code extraEnv};
   * provider connections trust what the router's own settings say ({@code SSL_CERT_FILE}, {@code ssl_verify}, else
   * the JDK's CAs).
   */
  public static RunningRouter start(Path directory, String yaml, Map<String, String> extraEnv) throws Exception {
    return new RunningRouter(RouterServer.start(settings(directory, yaml, extraEnv)));
  }

  /** Same, with provider connections trusting what {@code providerTls} trusts. */
  public static RunningRouter start(Path directory, String yaml, Map<String, String> extraEnv,
      javax.net.ssl.SSLContext providerTls) throws Exception {
    return new RunningRouter(RouterServer.start(settings(directory, yaml, extraEnv), providerTls));
  }

  /** Same, with budgets, rate limits and key expiry on {@code clock}; providers trusted as the JDK trusts them. */
  public static RunningRouter start(Path directory, String yaml, Map<String, String> extraEnv, java.time.Clock clock)
      throws Exception {
    return new RunningRouter(RouterServer.start(settings(directory, yaml, extraEnv),
        javax.net.ssl.SSLContext.getDefault(), clock));
  }

  /** The settings {@link #start} uses: the config written to a file in {@code directory}, a SQLite key database. */
  public static RouterSettings settings(Path directory, String yaml, Map<String, String> extraEnv) throws IOException {
    Path config = Files.createTempFile(directory, "router", ".yaml");
    Files.writeString(config, yaml);
    Map<String, String> env = new HashMap<>(Map.of("LITELLM_MASTER_KEY", MASTER_KEY, "FAKE_API_KEY", PROVIDER_KEY));
    env.put("DATABASE_URL", "jdbc:sqlite:" + Files.createTempFile(directory, "keys", ".db"));
    Path metricsToken = Files.createTempFile(directory, "metrics", ".token");
    Files.writeString(metricsToken, METRICS_TOKEN);
    env.put("CLINCHER_METRICS_TOKEN_FILE", metricsToken.toString());
    env.putAll(extraEnv);
    return new RouterSettings("127.0.0.1", 0, config, env);
  }

  /** The running server (e.g. to reload its secrets as SIGHUP does). */
  public RouterServer server() {
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

  /** POSTs {@code json} to {@code path} with the master key. */
  public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
    return client.send(request(path).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** {@code GET /metrics} with the metrics token. */
  public HttpResponse<String> scrape() throws IOException, InterruptedException {
    return call(METRICS_TOKEN, "/metrics", null);
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code path} with {@code key} as the bearer: GET when {@code body} is null, else POST of {@code body}. */
  public HttpResponse<String> call(String key, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
    request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + MASTER_KEY).header("Content-Type", "application/json");
  }

  @Override
  public void close() {
    server.close();
  }
}
