package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestRedis;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarantee of issue #11: calls in flight together never spend more than a budget, for plain, streamed, retried
 * and fallen-back calls and across two router instances sharing Redis; and a stream cut short is never free.
 *
 * <p>Every call costs the same: the fake answers 12 prompt and 3 completion tokens at $1 and $2 per million, so
 * $0.000018. The budget pays for 50 such calls. 200 calls are released at once while the fake holds each answer, so
 * without reservations every one of them would pass a "spent so far" check.
 */
@Timeout(120)
class BudgetConcurrencyTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final BigDecimal CALL = new BigDecimal("0.000018");
  static final BigDecimal BUDGET = CALL.multiply(BigDecimal.valueOf(50));
  static final String CHAT = "{\"model\":\"metered\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final String STREAMED =
      "{\"model\":\"metered\",\"max_tokens\":3,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  /** A streamed answer costing one call: 12 prompt and 3 completion tokens. */
  static final List<String> STREAM = List.of(OpenAiWire.chunk("s", "{\"role\":\"assistant\",\"content\":\"o\"}", null),
      OpenAiWire.chunk("s", "{\"content\":\"k\"}", null), OpenAiWire.chunk("s", "{}", "stop"),
      OpenAiWire.usageChunk("s", 12, 3));

  @TempDir
  Path directory;

  static String config(FakeUpstream fake, String extra) {
    return """
        model_list:
          - model_name: metered
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          - model_name: broken
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s/broken", api_key: os.environ/FAKE_API_KEY,
                             input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
        router_settings: {num_retries: 1, retry_after: 0, disable_cooldowns: true, fallbacks: [{broken: [metered]}]}
        %2$s
        """.formatted(fake.apiBase(), extra);
  }

  /** A virtual key whose budget pays for 50 calls. */
  static String budgetKey(RunningRouter router) throws Exception {
    HttpResponse<String> created = router.post("/key/generate", "{\"max_budget\":" + BUDGET.toPlainString() + "}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return JSON.readTree(created.body()).path("key").asText();
  }

  static BigDecimal spend(RunningRouter router, String key) throws Exception {
    HttpResponse<String> info = router.get("/key/info?key=" + key);
    return new BigDecimal(JSON.readTree(info.body()).path("info").path("spend").asText());
  }

  /** Sends {@code calls} requests at once, alternating over {@code routers}; returns the status of each. */
  static List<Integer> burst(List<RunningRouter> routers, String key, String body, int calls) throws Exception {
    return burst(routers, key, body, calls, java.util.Set.of(200, 400));
  }

  /** The same, where any status in {@code allowed} may come back (a 400 must be the budget's). */
  static List<Integer> burst(List<RunningRouter> routers, String key, String body, int calls,
      java.util.Set<Integer> allowed) throws Exception {
    return burst(routers, List.of(key), body, calls, allowed);
  }

  /** The same, the calls spread over {@code keys} too. */
  static List<Integer> burst(List<RunningRouter> routers, List<String> keys, String body, int calls,
      java.util.Set<Integer> allowed) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> statuses = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < calls; i++) {
        RunningRouter router = routers.get(i % routers.size());
        String key = keys.get(i % keys.size());
        statuses.add(pool.submit(() -> {
          start.await();
          HttpRequest request = HttpRequest.newBuilder(URI.create(router.baseUrl() + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
          HttpResponse<String> response = router.client().send(request, HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).as(response.body()).isIn(allowed);
          if (response.statusCode() == 400) {
            assertThat(response.body()).contains("budget_exceeded");
          }
          return response.statusCode();
        }));
      }
      start.countDown();
      List<Integer> result = new ArrayList<>();
      for (Future<Integer> status : statuses) {
        result.add(status.get(90, TimeUnit.SECONDS));
      }
      return result;
    }
  }

  /** After the burst, calls one by one until the budget refuses: it must then be (nearly) used up, never exceeded. */
  static void drainSequentially(RunningRouter router, FakeUpstream fake, String key, String body) throws Exception {
    fake.reset();
    fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))); // streams: the fake's own answer
    for (int i = 0; i < 60; i++) {
      if (burst(List.of(router), key, body, 1).getFirst() == 400) {
        break;
      }
    }
    BigDecimal spent = spend(router, key);
    assertThat(spent).as("spent with the budget used up").isLessThanOrEqualTo(BUDGET)
        .isGreaterThan(BUDGET.subtract(new BigDecimal("0.0002"))); // less than one worst case left
  }

  @Test
  void twoHundredCallsAtOnceNeverSpendMoreThanTheBudget() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, config(fake, ""), Map.of())) {
      fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      String key = budgetKey(router);
      long served = burst(List.of(router), key, CHAT, 200).stream().filter(s -> s == 200).count();
      assertThat(served).as("calls served out of 200").isBetween(1L, 50L);
      assertThat(spend(router, key)).isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(served)));
      assertThat(fake.calls()).as("a refused call never reaches the provider").hasSize((int) served);
      drainSequentially(router, fake, key, CHAT);
      String hash = dev.clincher.router.keys.VirtualKey.hash(key);
      String metrics = router.scrape().body();
      BigDecimal spent = spend(router, key);
      assertThat(metricValue(metrics, "litellm_remaining_api_key_budget_metric", hash))
          .as("LiteLLM's remaining-budget gauge").isEqualByComparingTo(BUDGET.subtract(spent));
      assertThat(metricValue(metrics, "litellm_spend_metric_total", hash)).isEqualByComparingTo(spent);
      assertThat(metrics).contains("clincher_router_refusals_total{model=\"metered\",scope=\"key_budget\"");
      String corrections = metrics.lines()
          .filter(l -> l.startsWith("clincher_router_reservation_corrections_usd_total{model=\"metered\""))
          .findFirst().orElseThrow(() -> new AssertionError("no reservation corrections in\n" + metrics));
      assertThat(new BigDecimal(corrections.substring(corrections.lastIndexOf(' ') + 1)))
          .as("each settle gives back what its worst case held beyond the actual cost").isPositive();
    }
  }

  /** The value of {@code name}'s series for key {@code hash} in a Prometheus text page (rounded to the nano-dollar). */
  static BigDecimal metricValue(String page, String name, String hash) {
    String line = page.lines().filter(l -> l.startsWith(name + "{") && l.contains("hashed_api_key=\"" + hash + "\""))
        .findFirst().orElseThrow(() -> new AssertionError(name + " for " + hash + " in\n" + page));
    return new BigDecimal(line.substring(line.lastIndexOf(' ') + 1)).setScale(9, java.math.RoundingMode.HALF_UP);
  }

  @Test
  void streamedCallsAtOnceNeverSpendMoreThanTheBudget() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, config(fake, ""), Map.of())) {
      for (int i = 0; i < 200; i++) { // the fake's scripted answers; a refused call never takes one
        fake.then(new Stream(STREAM, Duration.ofMillis(80), End.DONE));
      }
      String key = budgetKey(router);
      long served = burst(List.of(router), key, STREAMED, 200).stream().filter(s -> s == 200).count();
      assertThat(served).isBetween(1L, 50L);
      assertThat(spend(router, key)).isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(served)));
      drainSequentially(router, fake, key, STREAMED);
    }
  }

  @Test
  void retriedAndFallenBackCallsHoldOneReservationAtATime() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, config(fake, ""), Map.of())) {
      String key = budgetKey(router);
      Json failure = new Json(500, Map.of(), OpenAiWire.error("upstream broke", "server_error", "500"));
      Json success = new Json(200, Map.of(), OpenAiWire.completion("c", "ok"));
      for (int i = 0; i < 5; i++) { // each: a failed attempt, then a retry that answers
        fake.then(failure, success);
        assertThat(burst(List.of(router), key, CHAT, 1)).containsExactly(200);
      }
      // "broken" fails twice (first attempt and its retry), then falls back to "metered", which answers
      fake.then(failure, failure, success);
      assertThat(burst(List.of(router), key, CHAT.replace("metered", "broken"), 1)).containsExactly(200);
      assertThat(spend(router, key)).as("released attempts cost nothing; answered ones their actual cost")
          .isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(6)));
      // Under load: the first 10 attempts fail, then every attempt answers slowly.
      for (int i = 0; i < 10; i++) {
        fake.then(failure);
      }
      fake.setDefault(new Delayed(Duration.ofMillis(200), success));
      List<Integer> statuses = burst(List.of(router), key, CHAT, 100, java.util.Set.of(200, 400, 500));
      assertThat(statuses).contains(400);
      assertThat(spend(router, key)).isLessThanOrEqualTo(BUDGET)
          .isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(6 + statuses.stream().filter(s -> s == 200).count())));
      drainSequentially(router, fake, key, CHAT); // no failed attempt kept its hold: the whole budget is usable
    }
  }

  @Test
  void twoRouterInstancesSharingRedisShareTheBudget() throws Exception {
    TestRedis.store().close(); // skips (locally) or fails (CI) without Redis
    URI redis = TestRedis.url();
    Map<String, String> env = new HashMap<>(Map.of("REDIS_HOST", redis.getHost(),
        "REDIS_PORT", String.valueOf(redis.getPort() < 0 ? 6379 : redis.getPort()),
        "DATABASE_URL", "jdbc:sqlite:" + directory.resolve("shared-keys.db")));
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter first = RunningRouter.start(directory, config(fake, ""), env);
        RunningRouter second = RunningRouter.start(directory, config(fake, ""), env)) {
      fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      String key = budgetKey(first);
      long served = burst(List.of(first, second), key, CHAT, 200).stream().filter(s -> s == 200).count();
      assertThat(served).isBetween(1L, 50L);
      assertThat(spend(second, key)).isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(served)));
      drainSequentially(second, fake, key, CHAT);
    }
  }

  @Test
  void theGlobalBudgetHoldsForTheMasterKeyToo() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory,
            config(fake, "litellm_settings: {max_budget: " + BUDGET.toPlainString() + ", budget_duration: 30d}"),
            Map.of())) {
      fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      long served = burst(List.of(router), RunningRouter.MASTER_KEY, CHAT, 200).stream().filter(s -> s == 200)
          .count();
      assertThat(served).isBetween(1L, 50L);
      assertThat(fake.calls()).hasSize((int) served);
      HttpResponse<String> refused = router.post("/v1/chat/completions", CHAT.replace("\"max_tokens\":3",
          "\"max_tokens\":1000000"));
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).contains("budget_exceeded", "Global", "could cost up to");
      String metrics = router.scrape().body();
      assertThat(metrics).contains("clincher_router_global_budget_max_usd{service=\"router\"} " + BUDGET.doubleValue());
      double remaining = Double.parseDouble(metrics.lines()
          .filter(line -> line.startsWith("clincher_router_global_budget_remaining_usd{")).findFirst()
          .orElseThrow(() -> new AssertionError("no global budget gauge in\n" + metrics)).replaceAll(".* ", ""));
      assertThat(remaining).as("what is left after %d calls", served).isLessThan(BUDGET.doubleValue())
          .isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void eachEndUserHasABudgetOfTheirOwn() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory,
            config(fake, "litellm_settings: {max_end_user_budget: " + BUDGET.toPlainString() + "}"), Map.of())) {
      fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      String alice = CHAT.replace("{\"model\"", "{\"user\":\"alice\",\"model\"");
      long served = burst(List.of(router), RunningRouter.MASTER_KEY, alice, 200).stream().filter(s -> s == 200)
          .count();
      assertThat(served).as("alice's calls served out of 200").isBetween(1L, 50L);
      String bob = CHAT.replace("{\"model\"", "{\"user\":\"bob\",\"model\"");
      assertThat(burst(List.of(router), RunningRouter.MASTER_KEY, bob, 3)).as("bob's budget is his own (3 worst "
          + "cases of ~$0.00019 fit it at once)").containsOnly(200);
      assertThat(burst(List.of(router), RunningRouter.MASTER_KEY, CHAT, 5)).as("no end user, no end-user budget")
          .containsOnly(200);
      HttpResponse<String> refused = router.post("/v1/chat/completions", alice.replace("\"max_tokens\":3",
          "\"max_tokens\":1000000"));
      assertThat(refused.body()).contains("budget_exceeded", "End user");
    }
  }

  @Test
  void aStreamTheClientAbandonsIsChargedAnEstimateNeverZero() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, config(fake, ""), Map.of())) {
      List<String> events = new ArrayList<>();
      events.add(OpenAiWire.chunk("s", "{\"role\":\"assistant\",\"content\":\"the first words\"}", null));
      for (int i = 0; i < 20; i++) {
        events.add(OpenAiWire.chunk("s", "{\"content\":\" and more\"}", null));
      }
      events.add(OpenAiWire.usageChunk("s", 12, 3));
      fake.then(new Stream(events, Duration.ofMillis(150), End.DONE));
      String key = budgetKey(router);
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
        String body = STREAMED.replace("\"max_tokens\":3", "\"max_tokens\":100");
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String seen = "";
        while (!seen.contains("the first words")) {
          byte[] buffer = new byte[4096];
          int read = in.read(buffer);
          assertThat(read).as("the first event").isPositive();
          seen += new String(buffer, 0, read, StandardCharsets.UTF_8);
        }
      } // the client hangs up after the first words
      BigDecimal charged = BigDecimal.ZERO;
      for (int i = 0; i < 50 && charged.signum() == 0; i++) {
        Thread.sleep(100);
        charged = spend(router, key);
      }
      assertThat(charged).as("an abandoned stream's charge").isPositive()
          .isLessThan(new BigDecimal("0.0004")); // the prompt and a few words, not the 100-token reservation
    }
  }
}
