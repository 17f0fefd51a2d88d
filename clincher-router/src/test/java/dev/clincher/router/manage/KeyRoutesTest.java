package dev.clincher.router.manage;

import static dev.clincher.router.testing.RunningRouter.MASTER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.testing.FakeUpstream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@code /key/update}, {@code /key/regenerate}, {@code /key/block}, {@code /key/unblock}, {@code /key/info},
 * {@code /key/list} (generate and delete: {@code VirtualKeysTest}): LiteLLM's shapes, partial updates, bad input named,
 * nothing half-written, the master key required, on SQLite ({@link KeyRoutesPostgresTest}: on PostgreSQL).
 */
class KeyRoutesTest extends ManagementFixture {
  JsonNode generate(String body) throws Exception {
    return ok("/key/generate", body);
  }

  @Test
  void updateChangesOnlyTheFieldsGivenAndAnswersTheKey() throws Exception {
    JsonNode generated = generate("{\"models\":[\"model-a\"],\"max_budget\":5,\"budget_duration\":\"30d\","
        + "\"metadata\":{\"team\":\"qa\"},\"key_alias\":\"upd\"}");
    String key = generated.path("key").asText();
    String token = generated.path("token").asText();
    assertThat(chat(key, "model-b").statusCode()).isEqualTo(401);

    JsonNode updated = ok("/key/update", "{\"key\":\"" + token + "\",\"models\":[\"model-a\",\"model-b\"],"
        + "\"rpm_limit\":10,\"max_parallel_requests\":4,\"max_budget\":null}");

    assertThat(updated.path("token").asText()).isEqualTo(token);
    assertThat(updated.path("models")).extracting(JsonNode::asText).containsExactly("model-a", "model-b");
    assertThat(updated.path("rpm_limit").asLong()).isEqualTo(10);
    assertThat(updated.path("max_parallel_requests").asLong()).isEqualTo(4);
    assertThat(updated.path("max_budget").asDouble()).as("null leaves a field as it is (LiteLLM)").isEqualTo(5.0);
    assertThat(updated.path("budget_duration").asText()).isEqualTo("30d");
    assertThat(updated.path("metadata").path("team").asText()).isEqualTo("qa");
    assertThat(updated.path("key_alias").asText()).isEqualTo("upd");
    assertThat(updated.has("key")).as("the key is never shown again").isFalse();
    assertThat(updated.toString()).doesNotContain(key);
    assertThat(chat(key, "model-b").statusCode()).as("takes effect at once").isEqualTo(200);

    JsonNode byKey = ok("/key/update", "{\"key\":\"" + key + "\",\"key_alias\":\"upd-2\",\"duration\":\"1d\"}");
    assertThat(byKey.path("key_alias").asText()).as("the key itself names it too").isEqualTo("upd-2");
    assertThat(byKey.path("expires").asText()).isNotEmpty();
    JsonNode info = get("/key/info?key=" + token).path("info");
    assertThat(info.path("key_alias").asText()).isEqualTo("upd-2");
    assertThat(info.path("rpm_limit").asLong()).isEqualTo(10);
  }

  @Test
  void regenerateGivesANewSecretToTheSameKey() throws Exception {
    JsonNode generated = generate("{\"models\":[\"model-a\"],\"max_budget\":5,\"key_alias\":\"rot\"}");
    String old = generated.path("key").asText();
    String token = generated.path("token").asText();
    assertThat(chat(old, "model-a").statusCode()).isEqualTo(200); // spends $0.000048

    JsonNode regenerated = ok("/key/regenerate", "{\"key\":\"" + token + "\",\"rpm_limit\":30}");

    String fresh = regenerated.path("key").asText();
    assertThat(fresh).matches("sk-[A-Za-z0-9_-]{43}").isNotEqualTo(old);
    assertThat(regenerated.path("token").asText()).as("same record: same id").isEqualTo(token);
    assertThat(regenerated.path("key_name").asText()).isEqualTo("sk-..." + fresh.substring(fresh.length() - 4));
    assertThat(regenerated.path("key_alias").asText()).isEqualTo("rot");
    assertThat(regenerated.path("rpm_limit").asLong()).isEqualTo(30);
    assertThat(regenerated.path("spend").asDouble()).as("its spend stays with it").isEqualTo(0.000048);
    HttpResponse<String> refused = chat(old, "model-a");
    assertThat(refused.statusCode()).as("the old secret stops at once").isEqualTo(401);
    assertThat(chat(fresh, "model-a").statusCode()).isEqualTo(200);
    assertThat(get("/key/info?key=" + fresh).path("key").asText()).isEqualTo(token);
    assertThat(router.get("/key/info?key=" + old).statusCode()).isEqualTo(404);

    JsonNode again = ok("/key/" + token + "/regenerate", "");
    assertThat(again.path("key").asText()).isNotEqualTo(fresh);
    assertThat(chat(fresh, "model-a").statusCode()).isEqualTo(401);
    JsonNode inUrl = badRequest("/key/" + again.path("key").asText() + "/regenerate", "", "key");
    assertThat(inUrl.toString()).doesNotContain(again.path("key").asText());
  }

  @Test
  void blockRefusesTheKeyEverywhereAndUnblockLetsItBackIn() throws Exception {
    JsonNode generated = generate("{}");
    String key = generated.path("key").asText();
    String token = generated.path("token").asText();

    JsonNode blocked = ok("/key/block", "{\"key\":\"" + token + "\"}");
    assertThat(blocked.path("blocked").asBoolean()).isTrue();

    for (HttpResponse<String> response : List.of(chat(key, "model-a"), router.call(key, "/v1/models", null),
        router.call(key, "/key/info", null))) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(error(response, "type")).isEqualTo("auth_error");
      assertThat(error(response, "message")).contains("Key is blocked");
    }
    assertThat(fake.calls()).isEmpty();
    assertThat(get("/key/info?key=" + token).path("info").path("blocked").asBoolean()).isTrue();

    assertThat(ok("/key/unblock", "{\"key\":\"" + key + "\"}").path("blocked").asBoolean()).isFalse();
    assertThat(chat(key, "model-a").statusCode()).isEqualTo(200);
    assertThat(ok("/key/generate", "{\"blocked\":true}").path("blocked").asBoolean()).isTrue();
  }

  @Test
  void infoAndListAnswerInLiteLlmShapeAndFilterByTeamAndUser() throws Exception {
    ok("/team/new", "{\"team_id\":\"list-team\"}");
    ok("/user/new", "{\"user_id\":\"list-user\",\"auto_create_key\":false}");
    String teamToken = generate("{\"team_id\":\"list-team\"}").path("token").asText();
    String userToken = generate("{\"user_id\":\"list-user\"}").path("token").asText();

    JsonNode teamKeys = get("/key/list?team_id=list-team&return_full_object=true");
    assertThat(teamKeys.path("keys")).hasSize(1);
    assertThat(teamKeys.path("keys").get(0).path("token").asText()).isEqualTo(teamToken);
    assertThat(teamKeys.path("keys").get(0).path("team_id").asText()).isEqualTo("list-team");
    assertThat(teamKeys.path("total_count").asLong()).isEqualTo(1);
    JsonNode userKeys = get("/key/list?user_id=list-user");
    assertThat(userKeys.path("keys")).extracting(JsonNode::asText).containsExactly(userToken);
    assertThat(userKeys.path("current_page").asInt()).isEqualTo(1);

    JsonNode info = get("/key/info?key=" + teamToken);
    assertThat(info.path("key").asText()).isEqualTo(teamToken);
    for (String field : List.of("token", "key_name", "key_alias", "models", "spend", "max_budget", "budget_duration",
        "budget_reset_at", "rpm_limit", "tpm_limit", "max_parallel_requests", "expires", "team_id", "user_id",
        "blocked", "created_at", "metadata")) {
      assertThat(info.path("info").has(field)).as(field).isTrue();
    }
    assertThat(router.get("/key/list?sort_by=spend").statusCode()).as("an unknown filter is refused").isEqualTo(400);
    assertThat(router.get("/key/list?size=0").statusCode()).isEqualTo(400);
    assertThat(router.get("/key/info").statusCode()).isEqualTo(400);
    assertThat(router.get("/key/info?key=" + VirtualKey.hash("sk-nothing")).statusCode()).isEqualTo(404);
  }

  @Test
  void badRequestsAreRefusedNamingTheFieldAndWriteNothing() throws Exception {
    JsonNode generated = generate("{\"key_alias\":\"taken\",\"max_budget\":2}");
    String token = generated.path("token").asText();
    long before = get("/key/list").path("total_count").asLong();

    badRequest("/key/generate", "{\"max_budget\":0}", "max_budget");
    badRequest("/key/generate", "{\"max_budget\":-3}", "max_budget");
    badRequest("/key/generate", "{\"rpm_limit\":-1}", "rpm_limit");
    badRequest("/key/generate", "{\"tpm_limit\":1.5}", "tpm_limit");
    badRequest("/key/generate", "{\"max_parallel_requests\":-2}", "max_parallel_requests");
    badRequest("/key/generate", "{\"team_id\":\"no-such-team\"}", "team_id");
    badRequest("/key/generate", "{\"user_id\":\"no-such-user\"}", "user_id");
    badRequest("/key/generate", "{\"key_alias\":\"taken\"}", "key_alias");
    badRequest("/key/generate", "{\"model_max_budget\":{}}", "model_max_budget");
    badRequest("/key/generate", "{\"blocked\":\"yes\"}", "blocked");
    badRequest("/key/generate", "{\"models\":\"model-a\"}", "models");
    badRequest("/key/generate", "{not json", null);
    badRequest("/key/generate", "[1]", null);
    assertThat(get("/key/list").path("total_count").asLong()).as("nothing half-written").isEqualTo(before);

    badRequest("/key/update", "{\"rpm_limit\":5}", "key");
    badRequest("/key/update", "{\"key\":\"" + token + "\",\"max_budget\":0}", "max_budget");
    badRequest("/key/update", "{\"key\":\"" + token + "\",\"rpm_limit\":7,\"team_id\":\"no-such-team\"}", "team_id");
    badRequest("/key/update", "{\"key\":\"" + token + "\",\"spend\":0}", "spend");
    badRequest("/key/regenerate", "{\"key\":\"" + token + "\",\"budget_duration\":\"fortnight\"}", "budget_duration");
    badRequest("/key/block", "{\"key\":\"" + token + "\",\"reason\":\"x\"}", "reason");
    badRequest("/key/block", "{}", "key");
    JsonNode unchanged = get("/key/info?key=" + token).path("info");
    assertThat(unchanged.path("rpm_limit").isNull()).as("a refused update wrote nothing").isTrue();
    assertThat(unchanged.path("team_id").isNull()).isTrue();
    assertThat(unchanged.path("max_budget").asDouble()).isEqualTo(2.0);
    assertThat(chat(generated.path("key").asText(), "model-a").statusCode())
        .as("a refused regenerate kept the secret").isEqualTo(200);

    HttpResponse<String> missing = router.post("/key/update", "{\"key\":\"" + VirtualKey.hash("sk-gone") + "\"}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(error(missing, "code")).isEqualTo("key_not_found");
    assertThat(router.post("/key/block", "{\"key\":\"sk-never-made\"}").statusCode()).isEqualTo(404);
    HttpResponse<String> wrongMethod = router.get("/key/update");
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.headers().firstValue("allow")).contains("POST");
  }

  @Test
  void everyManagementRouteNeedsTheMasterKey() throws Exception {
    JsonNode generated = generate("{}");
    String key = generated.path("key").asText();
    String other = generate("{}").path("token").asText();
    for (Management.Route route : Management.Route.values()) {
      HttpResponse<String> response = router.call(key, route.path(), route.method().equals("GET") ? null
          : "{\"key\":\"" + other + "\",\"team_id\":\"t\",\"user_id\":\"u\"}");
      if (route == Management.Route.KEY_INFO) {
        assertThat(JSON.readTree(response.body()).path("key").asText()).as("a key reads only its own info")
            .isEqualTo(generated.path("token").asText());
        continue;
      }
      assertThat(response.statusCode()).as(route.path()).isEqualTo(401);
      assertThat(error(response, "type")).isEqualTo("auth_error");
    }
    assertThat(router.call(key, "/key/" + other + "/regenerate", "{}").statusCode()).isEqualTo(401);
    assertThat(router.call("sk-wrong", "/key/list", null).statusCode()).isEqualTo(401);
    assertThat(router.call(MASTER_KEY, "/key/list", null).statusCode()).isEqualTo(200);
    assertThat(get("/key/info?key=" + other).path("info").path("blocked").asBoolean())
        .as("nothing was changed by the refused calls").isFalse();
  }

  @Test
  void maxParallelRequestsRefusesTheCallBeyondIt() throws Exception {
    String key = generate("{\"max_parallel_requests\":1}").path("key").asText();
    fake.setDefault(new FakeUpstream.Delayed(Duration.ofMillis(800), new FakeUpstream.Json(200, Map.of(), OK)));
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    try {
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      Callable<HttpResponse<String>> call = () -> chat(key, "model-a");
      calls.add(pool.submit(call));
      Thread.sleep(300);
      calls.add(pool.submit(call));
      HttpResponse<String> second = calls.get(1).get();
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(error(second, "code")).isEqualTo("max_parallel_requests");
      assertThat(calls.get(0).get().statusCode()).isEqualTo(200);
    } finally {
      pool.shutdown();
    }
    fake.setDefault(new FakeUpstream.Json(200, Map.of(), OK));
    assertThat(chat(key, "model-a").statusCode()).as("the permit was given back").isEqualTo(200);
  }
}
