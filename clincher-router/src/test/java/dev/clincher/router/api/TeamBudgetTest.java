package dev.clincher.router.api;

import static dev.clincher.router.api.BudgetConcurrencyTest.BUDGET;
import static dev.clincher.router.api.BudgetConcurrencyTest.CALL;
import static dev.clincher.router.api.BudgetConcurrencyTest.CHAT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestRedis;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A team's and an internal user's budgets: reserved by every call of their keys like a key's own budget, so keys
 * called at once, on one router or two sharing Redis, never spend more than the team (or user) may; their spend shows
 * in /team/info and /user/info and survives a restart without Redis (rebuilt from the spend log).
 */
@Timeout(120)
class TeamBudgetTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path directory;

  @Test
  void keysOfATeamCalledAtOnceNeverSpendMoreThanTheTeamsBudget() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), Map.of())) {
      fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      ok(router, "/team/new", "{\"team_id\":\"eng\",\"max_budget\":" + BUDGET.toPlainString() + "}");
      List<String> keys = List.of(teamKey(router, "eng"), teamKey(router, "eng"), teamKey(router, "eng"));
      List<Integer> statuses = BudgetConcurrencyTest.burst(List.of(router), keys, CHAT, 200, Set.of(200, 400));
      long served = statuses.stream().filter(s -> s == 200).count();
      assertThat(served).as("calls served out of 200 over three keys").isBetween(1L, 50L);
      assertThat(fake.calls()).as("a refused call never reaches the provider").hasSize((int) served);
      assertThat(teamSpend(router, "eng")).isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(served)));

      fake.reset();
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
      HttpResponse<String> last = null;
      for (int i = 0; i < 60; i++) {
        last = router.call(keys.get(i % 3), "/v1/chat/completions", CHAT);
        if (last.statusCode() == 400) {
          break;
        }
      }
      assertThat(last.statusCode()).isEqualTo(400);
      assertThat(last.body()).contains("budget_exceeded").contains("Team=eng");
      assertThat(teamSpend(router, "eng")).isLessThanOrEqualTo(BUDGET)
          .isGreaterThan(BUDGET.subtract(new BigDecimal("0.0002")));
      String other = JSON.readTree(ok(router, "/key/generate", "{}")).path("key").asText();
      assertThat(router.call(other, "/v1/chat/completions", CHAT).statusCode())
          .as("a key of no team is not held by the team's budget").isEqualTo(200);
      String metrics = router.scrape().body();
      assertThat(metrics).contains("clincher_router_refusals_total{model=\"metered\",scope=\"team_budget\"");
      assertThat(metrics.lines().filter(line -> line.startsWith("litellm_remaining_team_budget_metric{")
          && line.contains("team_id=\"eng\"")).findFirst().map(line -> line.substring(line.lastIndexOf(' ') + 1)))
          .as("LiteLLM's remaining team budget gauge").hasValueSatisfying(value ->
              assertThat(new BigDecimal(value)).isLessThan(new BigDecimal("0.0002")));
    }
  }

  @Test
  void twoRoutersOnOneRedisShareTheTeamsBudget() throws Exception {
    TestRedis.store().close(); // skips (locally) or fails (CI) without Redis
    java.net.URI redis = TestRedis.url();
    Map<String, String> env = Map.of("REDIS_HOST", redis.getHost(),
        "REDIS_PORT", String.valueOf(redis.getPort() < 0 ? 6379 : redis.getPort()),
        "DATABASE_URL", "jdbc:sqlite:" + directory.resolve("shared-keys.db"));
    String team = "ops-" + java.util.UUID.randomUUID(); // the Redis outlives this test: a team of its own
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter one = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), env);
        RunningRouter two = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), env)) {
      fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
      ok(one, "/team/new", "{\"team_id\":\"" + team + "\",\"max_budget\":" + BUDGET.toPlainString() + "}");
      List<String> keys = List.of(teamKey(one, team), teamKey(two, team));
      long served = BudgetConcurrencyTest.burst(List.of(one, two), keys, CHAT, 200, Set.of(200, 400)).stream()
          .filter(s -> s == 200).count();
      assertThat(served).as("calls served by both routers").isBetween(1L, 50L);
      assertThat(teamSpend(one, team)).isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(served)))
          .isEqualByComparingTo(teamSpend(two, team));
    }
  }

  @Test
  void aUsersBudgetHoldsOverItsKeysAndBothSurviveARestart() throws Exception {
    Map<String, String> database = Map.of("DATABASE_URL",
        "jdbc:sqlite:" + Files.createTempFile(directory, "keys", ".db"));
    BigDecimal userBudget = BUDGET;
    String userKey;
    String teamKey;
    try (FakeUpstream fake = FakeUpstream.start()) {
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
      String config = BudgetConcurrencyTest.config(fake, "");
      try (RunningRouter router = RunningRouter.start(directory, config, database)) {
        ok(router, "/user/new", "{\"user_id\":\"ada\",\"max_budget\":" + userBudget.toPlainString() + "}");
        ok(router, "/team/new", "{\"team_id\":\"lab\",\"max_budget\":1,\"budget_duration\":\"30d\"}");
        userKey = JSON.readTree(ok(router, "/key/generate", "{\"user_id\":\"ada\"}")).path("key").asText();
        teamKey = teamKey(router, "lab");
        int served = 0;
        for (int i = 0; i < 80; i++) {
          HttpResponse<String> answer = router.call(userKey, "/v1/chat/completions", CHAT);
          if (answer.statusCode() != 200) {
            assertThat(answer.statusCode()).isEqualTo(400);
            assertThat(answer.body()).contains("User=ada");
            break;
          }
          served++;
        }
        assertThat(served).as("the user's budget pays for at most 50 calls").isBetween(40, 50);
        assertThat(router.call(teamKey, "/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
        assertThat(userSpend(router, "ada")).isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(served)));
        assertThat(teamSpend(router, "lab")).isEqualByComparingTo(CALL);
      }
      try (RunningRouter restarted = RunningRouter.start(directory, config, database)) {
        assertThat(teamSpend(restarted, "lab")).as("the team's window, rebuilt from the spend log")
            .isEqualByComparingTo(CALL);
        assertThat(restarted.call(userKey, "/v1/chat/completions", CHAT).statusCode())
            .as("the user's spend carried over: still over budget").isEqualTo(400);
        assertThat(userSpend(restarted, "ada")).isLessThanOrEqualTo(userBudget).isPositive();
      }
    }
  }

  private static String teamKey(RunningRouter router, String team) throws Exception {
    return JSON.readTree(ok(router, "/key/generate", "{\"team_id\":\"" + team + "\"}")).path("key").asText();
  }

  private static String ok(RunningRouter router, String path, String body) throws Exception {
    HttpResponse<String> answer = router.post(path, body);
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return answer.body();
  }

  static BigDecimal teamSpend(RunningRouter router, String team) throws Exception {
    JsonNode info = JSON.readTree(router.get("/team/info?team_id=" + team).body());
    JsonNode spend = info.has("team_info") ? info.path("team_info").path("spend") : info.path("spend");
    return new BigDecimal(spend.asText());
  }

  static BigDecimal userSpend(RunningRouter router, String user) throws Exception {
    JsonNode info = JSON.readTree(router.get("/user/info?user_id=" + user).body());
    JsonNode spend = info.has("user_info") ? info.path("user_info").path("spend") : info.path("spend");
    return new BigDecimal(spend.asText());
  }
}
