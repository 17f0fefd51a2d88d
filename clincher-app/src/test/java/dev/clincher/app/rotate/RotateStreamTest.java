package dev.clincher.app.rotate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.router.RouterServer;
import dev.clincher.router.RouterSettings;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The "rotation keeps a stream alive": a real router and gateway in-process on a deployment's secret files, a
 * fake provider streaming slowly; while the gateway streams a run to the client, {@code clincher rotate} rotates the
 * gateway token, the master key and the gateway's metrics token, signalling the services in-process (the compose seam).
 * The stream ends with every chunk; the new values work at once, the old ones inside the grace and not after it; the
 * gateway's next run reaches the router with the new master key after the old one is dead; the files keep their inode
 * and mode.
 */
@Timeout(120)
class RotateStreamTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration GRACE = Duration.ofSeconds(3);
  static final String[] WORDS = {"one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight "};

  @TempDir
  Path directory;
  Path secrets;
  FakeUpstream provider;
  RouterServer router;
  GatewayServer gateway;
  final List<String> signalled = new CopyOnWriteArrayList<>();
  final StringWriter printed = new StringWriter();
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    secrets = Files.createDirectories(directory.resolve("deploy/secrets"));
    String masterKey = "sk-" + hex(32);
    write("gateway_token", hex(48));
    write("litellm_master_key", masterKey);
    write("gateway_router_key", masterKey);
    write("gateway_metrics_token", hex(32));
    write("router_metrics_token", hex(32));
    provider = FakeUpstream.start();
    FakeUpstream.Stream slow = new FakeUpstream.Stream(OpenAiWire.textStream("chatcmpl-rotate", WORDS),
        Duration.ofMillis(250), FakeUpstream.End.DONE);
    provider.then(slow, slow); // the run streaming through the rotation, and the one after the grace
    router = RouterServer.start(new RouterSettings("127.0.0.1", 0, config("router.yaml", """
        model_list:
          - model_name: scripted
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
        router_settings: {num_retries: 0}
        general_settings: {rotation_grace: %d}
        """.formatted(provider.apiBase(), GRACE.toSeconds())), Map.of(
        "LITELLM_MASTER_KEY_FILE", secrets.resolve("litellm_master_key").toString(),
        "FAKE_API_KEY", "sk-provider-0123456789",
        "DATABASE_URL", "jdbc:sqlite:" + directory.resolve("keys.db"),
        "CLINCHER_METRICS_TOKEN_FILE", secrets.resolve("router_metrics_token").toString())));
    gateway = GatewayServer.start(new GatewaySettings(config("gateway.yaml", """
        auth: {token_file: "%s", rotation_grace: %ds}
        router: {url: "http://127.0.0.1:%d", api_key_file: "%s"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:9"}
        agents:
          main: {model: scripted, system_prompt: You are a test agent.}
        """.formatted(secrets.resolve("gateway_token"), GRACE.toSeconds(), router.port(),
        secrets.resolve("gateway_router_key"), directory.resolve("gateway.db"))), Optional.of("127.0.0.1"),
        Optional.of(0), Map.of("CLINCHER_METRICS_TOKEN_FILE", secrets.resolve("gateway_metrics_token").toString())));
  }

  @AfterEach
  void stop() throws IOException {
    if (gateway != null) {
      gateway.close();
    }
    if (router != null) {
      router.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void aStreamOutlivesTheRotationAndOldValuesDieWhenTheGraceEnds() throws Exception {
    String oldToken = read("gateway_token");
    String oldMasterKey = read("litellm_master_key");
    String oldMetrics = read("gateway_metrics_token");
    Object tokenInode = Files.getAttribute(secrets.resolve("gateway_token"), "unix:ino");
    String session = newSession(oldToken);

    HttpResponse<Stream<String>> stream = client.send(gatewayRequest("/v1/sessions/" + session + "/messages",
        oldToken).POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"count\"}")).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(stream.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    Iterator<String> lines = stream.body().iterator();
    readUntil(lines, events, "assistant_delta"); // the run streams: rotate now

    assertThat(rotate("gateway-token")).isZero();
    assertThat(rotate("master-key")).isZero();
    assertThat(rotate("metrics-token", "--service", "gateway")).isZero();
    Instant rotated = Instant.now();
    String newToken = read("gateway_token");
    String newMasterKey = read("litellm_master_key");
    String newMetrics = read("gateway_metrics_token");

    // inside the grace: old and new both work; look-alikes of the old token do not
    assertThat(signalled).containsExactly("gateway", "router", "gateway", "gateway");
    assertThat(newToken).isNotEqualTo(oldToken);
    assertThat(read("gateway_router_key")).isEqualTo(newMasterKey);
    assertThat(sessions(newToken)).isEqualTo(200);
    assertThat(sessions(oldToken)).isEqualTo(200);
    assertThat(sessions(oldToken.substring(0, oldToken.length() - 1))).isEqualTo(401);
    assertThat(models(newMasterKey)).isEqualTo(200);
    assertThat(models(oldMasterKey)).isEqualTo(200);
    assertThat(scrape(newMetrics)).isEqualTo(200);
    assertThat(scrape(oldMetrics)).isEqualTo(200);
    assertThat(printed.toString()).contains("secrets/gateway_token: rewritten, gateway reloaded")
        .doesNotContain(oldToken, newToken, oldMasterKey, newMasterKey, oldMetrics, newMetrics);

    // the stream that was open during the rotation ends with every chunk
    readUntil(lines, events, "done");
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.path("type").asText().equals("assistant_delta"))
        .forEach(e -> text.append(e.path("data").path("text").asText()));
    assertThat(text.toString()).isEqualTo(String.join("", WORDS));
    assertThat(events.getLast().path("data").path("reason").asText()).isEqualTo("completed");

    // after the grace: the old values are refused, the new ones work, and a reload does not revive the old ones
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), rotated.plus(GRACE)).toMillis()) + 500);
    assertThat(sessions(oldToken)).isEqualTo(401);
    assertThat(models(oldMasterKey)).isEqualTo(401);
    assertThat(scrape(oldMetrics)).isEqualTo(401);
    gateway.reloadSecrets();
    router.reloadSecrets();
    assertThat(sessions(oldToken)).isEqualTo(401);
    assertThat(models(oldMasterKey)).isEqualTo(401);
    assertThat(sessions(newToken)).isEqualTo(200);
    assertThat(models(newMasterKey)).isEqualTo(200);
    assertThat(scrape(newMetrics)).isEqualTo(200);

    // the gateway switched to the new master key: a run now still reaches the provider
    List<JsonNode> second = run(newToken, newSession(newToken));
    assertThat(second.getLast().path("data").path("reason").asText()).isEqualTo("completed");

    // rewritten in place (the container's bind mount sees it), still 0600, the old value kept beside it
    assertThat(Files.getAttribute(secrets.resolve("gateway_token"), "unix:ino")).isEqualTo(tokenInode);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.resolve("gateway_token"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(secrets.resolve("gateway_token.previous"))).isEqualTo(oldToken);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
        secrets.resolve("gateway_token.previous")))).isEqualTo("rw-------");
  }

  int rotate(String... args) {
    RotateCommand command = new RotateCommand();
    command.signals = service -> {
      signalled.add(service);
      switch (service) {
        case "gateway" -> gateway.reloadSecrets();
        case "router" -> router.reloadSecrets();
        default -> throw new IOException("no service " + service + " in this test");
      }
    };
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--deploy", secrets.getParent().toString()));
    StringWriter err = new StringWriter();
    int code = new CommandLine(command).setErr(new PrintWriter(err)).setOut(new PrintWriter(printed, true))
        .execute(all.toArray(String[]::new));
    assertThat(err.toString()).as("stderr").isEmpty();
    return code;
  }

  void readUntil(Iterator<String> lines, List<JsonNode> events, String type) throws IOException {
    while (lines.hasNext()) {
      String line = lines.next();
      if (line.startsWith("data: ")) {
        JsonNode event = JSON.readTree(line.substring(6));
        events.add(event);
        if (event.path("type").asText().equals(type)) {
          return;
        }
      }
    }
    throw new AssertionError("the stream ended before an event of type " + type + ": " + events);
  }

  List<JsonNode> run(String token, String session) throws Exception {
    HttpResponse<Stream<String>> response = client.send(gatewayRequest("/v1/sessions/" + session + "/messages",
        token).POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"again\"}")).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    readUntil(response.body().iterator(), events, "done");
    return events;
  }

  String newSession(String token) throws Exception {
    HttpResponse<String> created = client.send(gatewayRequest("/v1/sessions", token).POST(
        HttpRequest.BodyPublishers.ofString("{\"agent\":\"main\",\"title\":\"t\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return JSON.readTree(created.body()).path("id").asText();
  }

  int sessions(String token) throws Exception {
    return client.send(gatewayRequest("/v1/sessions", token).GET().build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  int models(String key) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/v1/models"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + key).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  int scrape(String token) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  HttpRequest.Builder gatewayRequest(String path, String token) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json");
  }

  Path config(String name, String yaml) throws IOException {
    return Files.writeString(directory.resolve(name), yaml);
  }

  void write(String name, String value) throws IOException {
    Path file = secrets.resolve(name);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, value);
  }

  String read(String name) throws IOException {
    return Files.readString(secrets.resolve(name));
  }

  static String hex(int bytes) {
    byte[] value = new byte[bytes];
    new java.security.SecureRandom().nextBytes(value);
    return HexFormat.of().formatHex(value);
  }
}
