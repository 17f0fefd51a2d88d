package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /spend/logs} and {@code /global/spend/report}: the spend log, read back through LiteLLM's routes. */
@Timeout(60)
class SpendReportsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyRequestHasARowAndTheReportsSumThem(@TempDir Path directory) throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, BudgetConcurrencyTest.config(fake, ""), Map.of())) {
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))); // $0.000018 a call
      String key = JSON.readTree(router.post("/key/generate", "{\"max_budget\":1}").body()).path("key").asText();
      String hash = VirtualKey.hash(key);
      List<String> callIds = new ArrayList<>();
      for (String user : new String[] {"alice", "alice", "bob"}) {
        HttpResponse<String> answered = call(router, key, BudgetConcurrencyTest.CHAT.replace("{\"model\"",
            "{\"user\":\"" + user + "\",\"model\""));
        assertThat(answered.statusCode()).isEqualTo(200);
        callIds.add(answered.headers().firstValue("x-litellm-call-id").orElseThrow());
      }
      assertThat(callIds).allSatisfy(id -> assertThat(UUID.fromString(id).version()).as(id).isEqualTo(7))
          .as("time-ordered: each call's id sorts after the one before").isSorted();
      HttpResponse<String> refused = call(router, key, BudgetConcurrencyTest.CHAT.replace("\"max_tokens\":3",
          "\"max_tokens\":1000000")); // could cost more than the budget: refused, logged at no cost
      assertThat(refused.statusCode()).isEqualTo(400);

      HttpResponse<String> logs = router.get("/spend/logs?api_key=" + key);
      assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
      JsonNode rows = JSON.readTree(logs.body());
      assertThat(rows).hasSize(4);
      assertThat(logs.headers().firstValue("x-total-count")).contains("4");
      assertThat(rows.get(0).path("status").asInt()).as("newest first").isEqualTo(400);
      assertThat(rows.get(0).path("spend").decimalValue()).isZero();
      assertThat(rows.get(1).path("api_key").asText()).isEqualTo(hash);
      assertThat(rows.get(1).path("end_user").asText()).isEqualTo("bob");
      assertThat(rows.get(1).path("request_id").asText()).as("the row is named by the answered call id")
          .isEqualTo(callIds.get(2));
      assertThat(rows.get(1).path("model_group").asText()).isEqualTo("metered");
      assertThat(rows.get(1).path("prompt_tokens").asLong()).isEqualTo(12);
      assertThat(rows.get(1).path("spend").decimalValue()).isEqualByComparingTo("0.000018");
      assertThat(JSON.readTree(router.get("/spend/logs?end_user=alice").body())).hasSize(2);
      HttpResponse<String> regenerated = router.post("/key/regenerate", "{\"key\":\"" + key + "\"}");
      assertThat(regenerated.statusCode()).as(regenerated.body()).isEqualTo(200);
      String newSecret = JSON.readTree(regenerated.body()).path("key").asText();
      assertThat(newSecret).isNotEqualTo(key);
      assertThat(JSON.readTree(router.get("/spend/logs?api_key=" + newSecret).body()))
          .as("a regenerated key keeps its id, and its rows are found by its new secret").hasSize(4);
      assertThat(JSON.readTree(router.get("/spend/logs?api_key=" + hash + "&start_date=2020-01-01&end_date="
          + "2020-12-31").body())).as("a range before any call").isEmpty();

      String today = LocalDate.now(ZoneOffset.UTC).toString();
      JsonNode report = JSON.readTree(router.get("/global/spend/report?start_date=" + today + "&end_date=" + today
          + "&group_by=day,end_user").body());
      assertThat(report).hasSize(3); // alice, bob, and the refused call without a user
      JsonNode alice = java.util.stream.StreamSupport.stream(report.spliterator(), false)
          .filter(row -> row.path("end_user").asText().equals("alice")).findFirst().orElseThrow();
      assertThat(alice.path("day").asText()).isEqualTo(today);
      assertThat(alice.path("requests").asLong()).isEqualTo(2);
      assertThat(alice.path("spend").decimalValue()).isEqualByComparingTo("0.000036");
      BigDecimal total = java.util.stream.StreamSupport.stream(report.spliterator(), false)
          .map(row -> row.path("spend").decimalValue()).reduce(BigDecimal.ZERO, BigDecimal::add);
      BigDecimal keySpend = new BigDecimal(JSON.readTree(router.get("/key/info?key=" + newSecret).body()).path("info")
          .path("spend").asText());
      assertThat(total).as("the report agrees with the key's counter").isEqualByComparingTo(keySpend);

      assertThat(router.get("/global/spend/report?start_date=" + today + "&end_date=" + today + "&group_by=colour")
          .statusCode()).isEqualTo(400);
      assertThat(router.get("/global/spend/report?group_by=day").statusCode()).as("dates are required")
          .isEqualTo(400);
      assertThat(router.get("/spend/logs?start_date=yesterday").statusCode()).isEqualTo(400);
      assertThat(router.client().send(HttpRequest.newBuilder(URI.create(router.baseUrl() + "/spend/logs"))
          .header("Authorization", "Bearer " + newSecret).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .as("a virtual key may not read the spend log").isEqualTo(401);
      assertThat(router.post("/spend/logs", "{}").statusCode()).isEqualTo(405);
    }
  }

  @Test
  void disableSpendLogsWritesNoRowsAndSaysSoOnTheReportRoutes(@TempDir Path directory) throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory,
            BudgetConcurrencyTest.config(fake, "general_settings: {disable_spend_logs: true}"), Map.of())) {
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
      String key = JSON.readTree(router.post("/key/generate", "{\"max_budget\":1}").body()).path("key").asText();
      assertThat(call(router, key, BudgetConcurrencyTest.CHAT).statusCode()).isEqualTo(200);
      assertThat(new BigDecimal(JSON.readTree(router.get("/key/info?key=" + key).body()).path("info").path("spend")
          .asText())).as("the counters still count").isEqualByComparingTo("0.000018");
      HttpResponse<String> logs = router.get("/spend/logs");
      assertThat(logs.statusCode()).isEqualTo(404);
      assertThat(logs.body()).contains("spend_logs_disabled").contains("disable_spend_logs");
    }
  }

  private static HttpResponse<String> call(RunningRouter router, String key, String body) throws Exception {
    return router.client().send(HttpRequest.newBuilder(URI.create(router.baseUrl() + "/v1/chat/completions"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
