package dev.clincher.router.api;

import static dev.clincher.router.api.BudgetConcurrencyTest.CHAT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits of keys and teams held by two routers sharing one Redis: calls sent to both at once get exactly as many
 * answers as the limit allows, not twice as many.
 */
@Timeout(120)
class SharedLimitsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path directory;

  private Map<String, String> sharedRedis() throws Exception {
    TestRedis.store().close(); // skips (locally) or fails (CI) without Redis
    URI redis = TestRedis.url();
    return Map.of("REDIS_HOST", redis.getHost(),
        "REDIS_PORT", String.valueOf(redis.getPort() < 0 ? 6379 : redis.getPort()),
        "DATABASE_URL", "jdbc:sqlite:" + directory.resolve("shared-keys.db"));
  }

  @Test
  void aKeysMaxParallelRequestsHoldsAcrossTwoRouters() throws Exception {
    Map<String, String> env = sharedRedis();
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter one = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), env);
        RunningRouter two = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), env)) {
      fake.setDefault(new Delayed(Duration.ofSeconds(2), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      String key = key(one, "{\"max_parallel_requests\":2}");
      List<Integer> statuses = BudgetConcurrencyTest.burst(List.of(one, two), List.of(key), CHAT, 12,
          Set.of(200, 429));
      assertThat(statuses.stream().filter(s -> s == 200).count()).as("calls in flight at once on both routers")
          .isEqualTo(2);
      assertThat(fake.calls()).hasSize(2);
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
      for (int i = 0; i < 20; i++) { // one after another: each call's lease is gone before its client has the answer
        assertThat((i % 2 == 0 ? one : two).call(key, "/v1/chat/completions", CHAT).statusCode())
            .as("sequential call %d", i).isEqualTo(200);
      }
    }
  }

  @Test
  void aTeamsRpmHoldsOverItsKeysAcrossTwoRouters() throws Exception {
    Map<String, String> env = sharedRedis();
    String team = "limited-" + UUID.randomUUID(); // the Redis outlives this test
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter one = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), env);
        RunningRouter two = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), env)) {
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
      HttpResponse<String> created = one.post("/team/new", "{\"team_id\":\"" + team + "\",\"rpm_limit\":5}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      List<String> keys = List.of(key(one, "{\"team_id\":\"" + team + "\"}"),
          key(two, "{\"team_id\":\"" + team + "\"}"));
      List<Integer> statuses = BudgetConcurrencyTest.burst(List.of(one, two), keys, CHAT, 20, Set.of(200, 429));
      assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(5);
      HttpResponse<String> refused = two.call(keys.get(0), "/v1/chat/completions", CHAT);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("retry-after")).isPresent();
      assertThat(refused.body()).contains("team").contains("5 requests per minute");
      String series = "clincher_router_rate_limit_remaining{id=\"" + dev.clincher.router.keys.VirtualKey.hash(team)
          + "\",limit=\"rpm\",owner=\"team\"";
      assertThat(two.scrape().body().lines().filter(line -> line.startsWith(series)))
          .as("what is left of the team's rpm").singleElement().satisfies(line -> assertThat(line).endsWith(" 0.0"));
    }
  }

  private static String key(RunningRouter router, String body) throws Exception {
    HttpResponse<String> created = router.post("/key/generate", body);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    return JSON.readTree(created.body()).path("key").asText();
  }
}
