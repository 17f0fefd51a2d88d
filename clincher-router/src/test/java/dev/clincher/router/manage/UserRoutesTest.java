package dev.clincher.router.manage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * {@code /user/*}: LiteLLM's shapes, the key {@code /user/new} makes, a personal key limited to its user's models,
 * delete, bad input named and nothing half-written, on SQLite ({@link UserRoutesPostgresTest}: on PostgreSQL).
 */
class UserRoutesTest extends ManagementFixture {
  @Test
  void newMakesTheUserInItsTeamsWithAKeyShownOnce() throws Exception {
    ok("/team/new", "{\"team_id\":\"ops\"}");
    JsonNode created = ok("/user/new", """
        {"user_id":"uma","user_email":"uma@example.com","user_role":"internal_user_viewer","max_budget":20,
         "budget_duration":"1mo","models":["model-a"],"metadata":{"desk":"3"},"teams":["ops"],"key_alias":"uma-key"}""");
    String key = created.path("key").asText();
    assertThat(key).startsWith("sk-");
    assertThat(created.path("user_id").asText()).isEqualTo("uma");
    assertThat(created.path("user_email").asText()).isEqualTo("uma@example.com");
    assertThat(created.path("user_role").asText()).isEqualTo("internal_user_viewer");
    assertThat(created.path("max_budget").asDouble()).isEqualTo(20.0);
    assertThat(created.path("teams")).extracting(JsonNode::asText).containsExactly("ops");
    assertThat(created.path("key_alias").asText()).isEqualTo("uma-key");
    String token = created.path("token").asText();

    assertThat(chat(key, "model-a").statusCode()).isEqualTo(200);
    HttpResponse<String> b = chat(key, "model-b");
    assertThat(b.statusCode()).as("a personal key calls only its user's models").isEqualTo(401);
    assertThat(error(b, "type")).isEqualTo("user_model_access_denied");

    JsonNode info = get("/user/info?user_id=uma");
    assertThat(info.path("user_id").asText()).isEqualTo("uma");
    assertThat(info.path("user_info").path("metadata").path("desk").asText()).isEqualTo("3");
    assertThat(info.path("keys").findValuesAsText("token")).containsExactly(token);
    assertThat(info.path("keys").findValuesAsText("user_id")).containsExactly("uma");
    assertThat(info.path("teams").findValuesAsText("team_id")).containsExactly("ops");
    assertThat(info.toString()).doesNotContain(key);
    assertThat(get("/team/info?team_id=ops").path("team_info").path("members_with_roles").findValuesAsText("user_id"))
        .containsExactly("uma");

    JsonNode noKey = ok("/user/new", "{\"user_email\":\"vic@example.com\",\"auto_create_key\":false}");
    assertThat(noKey.has("key")).isFalse();
    assertThat(noKey.path("user_id").asText()).matches("[0-9a-f-]{36}");
    assertThat(noKey.path("user_role").asText()).isEqualTo("internal_user");
    JsonNode list = get("/user/list?page=1&page_size=100");
    assertThat(list.path("users").findValuesAsText("user_id")).contains("uma", noKey.path("user_id").asText());
    assertThat(list.path("total").asLong()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void updateIsPartialByIdOrEmail() throws Exception {
    ok("/user/new", "{\"user_id\":\"wes\",\"user_email\":\"wes@example.com\",\"max_budget\":3,"
        + "\"auto_create_key\":false}");
    JsonNode byId = ok("/user/update", "{\"user_id\":\"wes\",\"models\":[\"model-b\"],\"user_email\":\"w@example.com\"}");
    assertThat(byId.path("user_id").asText()).isEqualTo("wes");
    assertThat(byId.path("data").path("models")).extracting(JsonNode::asText).containsExactly("model-b");
    assertThat(byId.path("data").path("user_email").asText()).isEqualTo("w@example.com");
    assertThat(byId.path("data").path("max_budget").asDouble()).isEqualTo(3.0);
    JsonNode byEmail = ok("/user/update", "{\"user_email\":\"w@example.com\",\"user_role\":\"proxy_admin_viewer\"}");
    assertThat(byEmail.path("user_id").asText()).isEqualTo("wes");
    assertThat(byEmail.path("data").path("user_role").asText()).isEqualTo("proxy_admin_viewer");
    assertThat(byEmail.path("data").path("models")).hasSize(1);
  }

  @Test
  void deleteRemovesTheUserItsKeysAndMemberships() throws Exception {
    ok("/team/new", "{\"team_id\":\"xteam\",\"members_with_roles\":[{\"role\":\"user\",\"user_id\":\"xia\"}]}");
    String key = ok("/key/generate", "{\"user_id\":\"xia\"}").path("key").asText();
    assertThat(chat(key, "model-a").statusCode()).isEqualTo(200);

    HttpResponse<String> partly = router.post("/user/delete", "{\"user_ids\":[\"xia\",\"nobody\"]}");
    assertThat(partly.statusCode()).isEqualTo(404);
    assertThat(chat(key, "model-a").statusCode()).as("all or nothing").isEqualTo(200);

    JsonNode deleted = ok("/user/delete", "{\"user_ids\":[\"xia\"]}");
    assertThat(deleted.path("deleted_users").get(0).asText()).isEqualTo("xia");
    assertThat(chat(key, "model-a").statusCode()).isEqualTo(401);
    assertThat(router.get("/user/info?user_id=xia").statusCode()).isEqualTo(404);
    assertThat(get("/team/info?team_id=xteam").path("team_memberships")).isEmpty();
  }

  @Test
  void badUserRequestsAreRefusedNamingTheField() throws Exception {
    ok("/user/new", "{\"user_id\":\"yan\",\"user_email\":\"yan@example.com\",\"auto_create_key\":false}");
    long before = get("/user/list").path("total").asLong();
    long keys = get("/key/list").path("total_count").asLong();
    badRequest("/user/new", "{\"user_id\":\"yan\"}", "user_id");
    badRequest("/user/new", "{\"user_email\":\"yan@example.com\"}", "user_email");
    badRequest("/user/new", "{\"user_role\":\"god\"}", "user_role");
    badRequest("/user/new", "{\"max_budget\":0}", "max_budget");
    badRequest("/user/new", "{\"teams\":[\"no-such-team\"]}", "teams");
    badRequest("/user/new", "{\"auto_create_key\":\"no\"}", "auto_create_key");
    badRequest("/user/new", "{\"password\":\"x\"}", "password");
    badRequest("/user/new", "nope", null);
    assertThat(get("/user/list").path("total").asLong()).as("nothing half-written").isEqualTo(before);
    assertThat(get("/key/list").path("total_count").asLong()).isEqualTo(keys);

    badRequest("/user/update", "{\"models\":[]}", "user_id");
    badRequest("/user/update", "{\"user_id\":\"yan\",\"max_budget\":-1}", "max_budget");
    assertThat(router.post("/user/update", "{\"user_id\":\"nobody\"}").statusCode()).isEqualTo(404);
    badRequest("/user/delete", "{}", "user_ids");
    assertThat(router.get("/user/info").statusCode()).isEqualTo(400);
    assertThat(router.get("/user/list?page_size=1000").statusCode()).isEqualTo(400);
  }
}
