package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.testing.ChildJvm;
import dev.clincher.router.RouterServer;
import dev.clincher.router.RouterSettings;
import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.spendlog.SpendFilter;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogSettings;
import dev.clincher.router.spendlog.SpendRecord;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} under load, without Redis: every answer a client received is in the spend log, with the cost it was
 * told; after the restart the counters are rebuilt from the log, so a key's spend, and its budget, carry over.
 */
@Timeout(120)
class SpendCrashTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT = "{\"model\":\"metered\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  /** The router in a child JVM, its config file named by {@code ROUTER_CONFIG}; prints {@code PORT <n>}. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      RouterServer server = RouterServer.start(new RouterSettings("127.0.0.1", 0,
          Path.of(System.getenv("ROUTER_CONFIG")), System.getenv()));
      System.out.println("PORT " + server.port());
      System.out.flush();
      Thread.currentThread().join();
    }
  }

  @TempDir
  Path directory;

  @org.junit.jupiter.params.ParameterizedTest(name = "spend_log_durability: {0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"power_loss", "router_crash"})
  void everyAnswerAClientGotIsLoggedAndTheBudgetSurvivesTheRestart(String durability) throws Exception {
    try (FakeUpstream fake = FakeUpstream.start()) {
      fake.setDefault(new Delayed(Duration.ofMillis(20), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      Path database = directory.resolve("router.db");
      Path config = directory.resolve("router.yaml");
      Files.writeString(config, """
          model_list:
            - model_name: metered
              litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY,
                               input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          general_settings: {spend_log_durability: %s}
          """.formatted(fake.apiBase(), durability));
      Map<String, String> env = Map.of("LITELLM_MASTER_KEY", RunningRouter.MASTER_KEY, "FAKE_API_KEY",
          RunningRouter.PROVIDER_KEY, "DATABASE_URL", "jdbc:sqlite:" + database, "ROUTER_CONFIG", config.toString());
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

      Map<String, String> received = new ConcurrentHashMap<>(); // call id -> cost the client was told
      String key;
      Process first = ChildJvm.start(Child.class, env, List.of("-Xmx256m"));
      ExecutorService clients = null;
      try {
        String base = "http://127.0.0.1:" + port(first);
        key = JSON.readTree(post(client, base, RunningRouter.MASTER_KEY, "/key/generate",
            "{\"max_budget\":0.0036}").body()).path("key").asText(); // pays for 200 calls of $0.000018
        clients = load(client, base, key, received, 120);
      } finally {
        ChildJvm.kill(first);
        first.waitFor(30, TimeUnit.SECONDS);
        if (clients != null) {
          clients.shutdownNow();
          assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).as("clients done after the kill").isTrue();
        }
      }

      Map<String, SpendRecord> logged = new HashMap<>();
      try (SpendLog log = SpendLog.open(DatabaseUrl.parse("jdbc:sqlite:" + database), SpendLogSettings.DEFAULTS)) {
        for (SpendRecord row : log.query(SpendFilter.ALL, 1, 1000).records()) {
          logged.put(row.requestId(), row);
        }
      }
      assertThat(received).as("answers received before the kill").hasSizeGreaterThanOrEqualTo(120);
      received.forEach((id, cost) -> {
        assertThat(logged).as("the log holds every answer a client received").containsKey(id);
        assertThat(BigDecimal.valueOf(logged.get(id).costNanos(), 9))
            .isEqualByComparingTo(new BigDecimal(cost));
      });
      long paidNotReceived = logged.values().stream().filter(row -> row.status() == 200)
          .filter(row -> !received.containsKey(row.requestId())).count();
      assertThat(paidNotReceived).as("logged, but the kill came before the client read the answer: at most the "
          + "calls in flight").isLessThanOrEqualTo(16);
      long loggedNanos = logged.values().stream().mapToLong(SpendRecord::costNanos).sum();

      Process second = ChildJvm.start(Child.class, env, List.of("-Xmx256m"));
      try {
        String base = "http://127.0.0.1:" + port(second);
        HttpResponse<String> info = client.send(HttpRequest.newBuilder(URI.create(base + "/key/info?key=" + key))
            .header("Authorization", "Bearer " + RunningRouter.MASTER_KEY).build(),
            HttpResponse.BodyHandlers.ofString());
        BigDecimal spent = new BigDecimal(JSON.readTree(info.body()).path("info").path("spend").asText());
        assertThat(spent).as("the key's spend, rebuilt from the log after the restart")
            .isEqualByComparingTo(BigDecimal.valueOf(loggedNanos, 9));
        HttpResponse<String> tooBig = post(client, base, key, "/v1/chat/completions",
            CHAT.replace("\"max_tokens\":3", "\"max_tokens\":1000"));
        assertThat(tooBig.statusCode()).as("the budget still knows what was spent: " + tooBig.body()).isEqualTo(400);
        assertThat(post(client, base, key, "/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
      } finally {
        ChildJvm.kill(second);
        second.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Reads the child's {@code PORT n} line (bounded). */
  private static int port(Process child) throws Exception {
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (java.io.IOException gone) {
        // the child was killed
      }
    });
    Instant deadline = Instant.now().plusSeconds(60);
    StringBuilder seen = new StringBuilder();
    while (Instant.now().isBefore(deadline)) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line != null && line.startsWith("PORT ")) {
        return Integer.parseInt(line.substring(5).trim());
      }
      if (line != null) {
        seen.append(line).append('\n');
      }
    }
    throw new AssertionError("the child router did not start within 60 s; it said:\n" + seen);
  }

  /** 16 clients call in a loop; returns once {@code answers} answers arrived, with the clients still calling. */
  private static ExecutorService load(HttpClient client, String base, String key, Map<String, String> received,
      int answers) throws Exception {
    CountDownLatch enough = new CountDownLatch(answers);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    for (int i = 0; i < 16; i++) {
      pool.submit(() -> {
        for (int call = 0; call < 500 && !stop.get(); call++) {
          try {
            HttpResponse<String> response = post(client, base, key, "/v1/chat/completions", CHAT);
            if (response.statusCode() == 200) {
              received.put(response.headers().firstValue("x-litellm-call-id").orElseThrow(),
                  response.headers().firstValue("x-clincher-response-cost").orElseThrow());
              enough.countDown();
            }
          } catch (Exception killed) {
            return null;
          }
        }
        return null;
      });
    }
    assertThat(enough.await(60, TimeUnit.SECONDS)).as("answers before the kill").isTrue();
    stop.set(true); // the calls still running are cut by the kill that follows
    pool.shutdown();
    return pool;
  }

  private static HttpResponse<String> post(HttpClient client, String base, String key, String path, String body)
      throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
