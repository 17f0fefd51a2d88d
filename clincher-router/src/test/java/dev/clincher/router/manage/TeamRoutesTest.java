package dev.clincher.router.manage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /team/*}: LiteLLM's shapes, members, a team key limited to the team's models, block and delete, bad input
 * named and nothing half-written, on SQLite ({@link TeamRoutesPostgresTest}: on PostgreSQL).
 */
class TeamRoutesTest extends ManagementFixture {
  @Test
  void newInfoListUpdateAnswerInLiteLlmShape() throws Exception {
    JsonNode created = ok("/team/new", """
        {"team_id":"eng","team_alias":"Engineering","models":["model-a"],"max_budget":100,"budget_duration":"30d",
         "rpm_limit":1000,"tpm_limit":100000,"max_parallel_requests":8,"metadata":{"cost_center":"CC-1"},
         "members_with_roles":[{"role":"admin","user_id":"ana"},{"role":"user","user_email":"bo@example.com"}]}""");
    assertThat(created.path("team_id").asText()).isEqualTo("eng");
    assertThat(created.path("team_alias").asText()).isEqualTo("Engineering");
    assertThat(created.path("models")).extracting(JsonNode::asText).containsExactly("model-a");
    assertThat(created.path("max_budget").asDouble()).isEqualTo(100.0);
    assertThat(created.path("budget_reset_at").asText()).isNotEmpty();
    assertThat(created.path("spend").asDouble()).isZero();
    assertThat(created.path("blocked").asBoolean()).isFalse();
    assertThat(created.path("members_with_roles")).hasSize(2);
    assertThat(created.path("members_with_roles").findValuesAsText("role")).containsExactlyInAnyOrder("admin", "user");
    assertThat(created.path("members_with_roles").findValuesAsText("user_email")).contains("bo@example.com");
    assertThat(get("/user/info?user_id=ana").path("user_info").path("teams").get(0).asText())
        .as("a member named by id is created as a user").isEqualTo("eng");

    String token = ok("/key/generate", "{\"team_id\":\"eng\"}").path("token").asText();
    JsonNode info = get("/team/info?team_id=eng");
    assertThat(info.path("team_id").asText()).isEqualTo("eng");
    assertThat(info.path("team_info").path("rpm_limit").asLong()).isEqualTo(1000);
    assertThat(info.path("team_info").path("metadata").path("cost_center").asText()).isEqualTo("CC-1");
    assertThat(info.path("keys").findValuesAsText("token")).containsExactly(token);
    assertThat(info.path("team_memberships").findValuesAsText("user_id")).hasSize(2).contains("ana");

    JsonNode listed = get("/team/list");
    assertThat(listed.isArray()).as("LiteLLM answers a list").isTrue();
    JsonNode eng = listed.findParents("team_id").stream().filter(t -> t.path("team_id").asText().equals("eng"))
        .findFirst().orElseThrow();
    assertThat(eng.path("keys").findValuesAsText("token")).containsExactly(token);
    assertThat(get("/team/list?user_id=ana").findValuesAsText("team_alias")).containsExactly("Engineering");

    JsonNode updated = ok("/team/update", "{\"team_id\":\"eng\",\"tpm_limit\":5000,\"team_alias\":\"Eng\"}");
    assertThat(updated.path("team_id").asText()).isEqualTo("eng");
    assertThat(updated.path("data").path("tpm_limit").asLong()).isEqualTo(5000);
    assertThat(updated.path("data").path("team_alias").asText()).isEqualTo("Eng");
    assertThat(updated.path("data").path("rpm_limit").asLong()).as("fields not given stay").isEqualTo(1000);
    assertThat(updated.path("data").path("members_with_roles")).hasSize(2);
    assertThat(ok("/team/new", "{}").path("team_id").asText()).as("an id is made when none is given")
        .matches("[0-9a-f-]{36}");
  }

  @Test
  void aTeamKeyCallsOnlyModelsTheTeamMayCall() throws Exception {
    ok("/team/new", "{\"team_id\":\"only-a\",\"models\":[\"model-a\"]}");
    String key = ok("/key/generate", "{\"team_id\":\"only-a\"}").path("key").asText();

    assertThat(chat(key, "model-a").statusCode()).isEqualTo(200);
    JsonNode logged = JSON.readTree(router.get("/spend/logs?team_id=only-a").body());
    assertThat(logged.findValuesAsText("team_id")).as("the spend log names the key's team").containsExactly("only-a");
    HttpResponse<String> b = chat(key, "model-b");
    assertThat(b.statusCode()).isEqualTo(401);
    assertThat(error(b, "type")).isEqualTo("team_model_access_denied");
    assertThat(error(b, "message")).contains("Team=only-a");
    JsonNode models = JSON.readTree(router.call(key, "/v1/models", null).body()).path("data");
    assertThat(models.findValuesAsText("id")).containsExactly("model-a");
    fake.then(new dev.clincher.router.testing.FakeUpstream.Json(500, java.util.Map.of(),
        dev.clincher.router.testing.OpenAiWire.error("boom", "server_error", null)));
    assertThat(chat(key, "model-a").statusCode()).as("the fallback model-b is not the team's").isEqualTo(500);
    assertThat(fake.calls()).hasSize(2);

    badRequest("/key/generate", "{\"team_id\":\"only-a\",\"models\":[\"model-b\"]}", "models");
    String narrower = ok("/key/generate", "{\"team_id\":\"only-a\",\"models\":[\"model-a\"]}").path("key").asText();
    assertThat(chat(narrower, "model-a").statusCode()).isEqualTo(200);

    ok("/team/update", "{\"team_id\":\"only-a\",\"models\":[\"model-a\",\"model-b\"]}");
    assertThat(chat(key, "model-b").statusCode()).as("the team's models decide, at once").isEqualTo(200);
    assertThat(chat(narrower, "model-b").statusCode()).as("the key's own list still narrows it").isEqualTo(401);
    assertThat(error(chat(narrower, "model-b"), "type")).isEqualTo("key_model_access_denied");
  }

  @Test
  void membersAreAddedAndRemoved() throws Exception {
    ok("/team/new", "{\"team_id\":\"crew\"}");
    JsonNode one = ok("/team/member_add", "{\"team_id\":\"crew\",\"member\":{\"role\":\"user\",\"user_id\":\"cy\"}}");
    assertThat(one.path("team_id").asText()).isEqualTo("crew");
    assertThat(one.path("updated_users").findValuesAsText("user_id")).containsExactly("cy");
    assertThat(one.path("updated_team_memberships").get(0).path("team_id").asText()).isEqualTo("crew");
    JsonNode many = ok("/team/member_add", "{\"team_id\":\"crew\",\"member\":[{\"role\":\"admin\",\"user_email\":"
        + "\"di@example.com\"},{\"role\":\"user\",\"user_id\":\"ed\"}]}");
    assertThat(many.path("members_with_roles")).hasSize(3);
    assertThat(many.path("updated_users").findValuesAsText("user_email")).contains("di@example.com");

    badRequest("/team/member_add", "{\"team_id\":\"crew\",\"member\":{\"role\":\"user\",\"user_id\":\"cy\"}}",
        "member");
    badRequest("/team/member_add", "{\"team_id\":\"crew\",\"member\":{\"role\":\"owner\",\"user_id\":\"fi\"}}",
        "member");
    badRequest("/team/member_add", "{\"team_id\":\"crew\",\"member\":[{\"role\":\"user\",\"user_id\":\"gus\"},"
        + "{\"role\":\"user\"}]}", "member");
    assertThat(router.get("/user/info?user_id=gus").statusCode()).as("nothing half-written").isEqualTo(404);
    assertThat(router.post("/team/member_add", "{\"team_id\":\"nope\",\"member\":{\"role\":\"user\","
        + "\"user_id\":\"x\"}}").statusCode()).isEqualTo(404);

    JsonNode removed = ok("/team/member_delete", "{\"team_id\":\"crew\",\"user_email\":\"di@example.com\"}");
    assertThat(removed.path("members_with_roles").findValuesAsText("user_id")).containsExactlyInAnyOrder("cy", "ed");
    badRequest("/team/member_delete", "{\"team_id\":\"crew\",\"user_id\":\"zed\"}", "user_id");
    badRequest("/team/member_delete", "{\"team_id\":\"crew\"}", "user_id");
  }

  @Test
  void blockingATeamRefusesItsKeysAndDeletingItDeletesThem() throws Exception {
    ok("/team/new", "{\"team_id\":\"gone\"}");
    String key = ok("/key/generate", "{\"team_id\":\"gone\"}").path("key").asText();
    String token = get("/key/info?key=" + key).path("key").asText();
    assertThat(chat(key, "model-a").statusCode()).isEqualTo(200);

    assertThat(ok("/team/block", "{\"team_id\":\"gone\"}").path("blocked").asBoolean()).isTrue();
    HttpResponse<String> blocked = chat(key, "model-a");
    assertThat(blocked.statusCode()).isEqualTo(401);
    assertThat(error(blocked, "message")).contains("Team=gone is blocked");
    ok("/team/unblock", "{\"team_id\":\"gone\"}");
    assertThat(chat(key, "model-a").statusCode()).isEqualTo(200);
    ok("/team/update", "{\"team_id\":\"gone\",\"blocked\":true}");
    assertThat(chat(key, "model-a").statusCode()).as("blocked through /team/update too").isEqualTo(401);

    HttpResponse<String> partly = router.post("/team/delete", "{\"team_ids\":[\"gone\",\"never-was\"]}");
    assertThat(partly.statusCode()).isEqualTo(404);
    assertThat(error(partly, "code")).isEqualTo("team_not_found");
    assertThat(get("/team/info?team_id=gone").path("keys")).as("all or nothing").hasSize(1);

    JsonNode deleted = ok("/team/delete", "{\"team_ids\":[\"gone\"]}");
    assertThat(deleted.path("deleted_teams").get(0).asText()).isEqualTo("gone");
    assertThat(chat(key, "model-a").statusCode()).isEqualTo(401);
    assertThat(router.get("/key/info?key=" + token).statusCode()).as("its keys went with it").isEqualTo(404);
    assertThat(router.get("/team/info?team_id=gone").statusCode()).isEqualTo(404);
  }

  @Test
  void badTeamRequestsAreRefusedNamingTheField() throws Exception {
    ok("/team/new", "{\"team_id\":\"named\",\"team_alias\":\"Named\"}");
    int before = get("/team/list").size();
    badRequest("/team/new", "{\"team_alias\":\"Named\"}", "team_alias");
    badRequest("/team/new", "{\"team_id\":\"named\"}", "team_id");
    badRequest("/team/new", "{\"max_budget\":0}", "max_budget");
    badRequest("/team/new", "{\"tpm_limit\":-5}", "tpm_limit");
    badRequest("/team/new", "{\"models\":[1]}", "models");
    badRequest("/team/new", "{\"admins\":[\"x\"]}", "admins");
    badRequest("/team/new", "{\"members_with_roles\":[{\"role\":\"user\",\"user_id\":\"ok\"},"
        + "{\"role\":\"boss\",\"user_id\":\"bad\"}]}", "members_with_roles");
    badRequest("/team/new", "{\"team_id\":", null);
    assertThat(get("/team/list").size()).as("nothing half-written").isEqualTo(before);
    assertThat(router.get("/user/info?user_id=ok").statusCode()).isEqualTo(404);

    badRequest("/team/update", "{\"rpm_limit\":1}", "team_id");
    badRequest("/team/update", "{\"team_id\":\"named\",\"rpm_limit\":9,\"budget_duration\":\"soon\"}",
        "budget_duration");
    assertThat(get("/team/info?team_id=named").path("team_info").path("rpm_limit").isNull()).isTrue();
    assertThat(router.post("/team/update", "{\"team_id\":\"nope\"}").statusCode()).isEqualTo(404);
    badRequest("/team/delete", "{}", "team_ids");
    badRequest("/team/delete", "{\"team_ids\":\"named\"}", "team_ids");
    badRequest("/team/block", "{}", "team_id");
    assertThat(router.get("/team/info").statusCode()).isEqualTo(400);
    for (String path : List.of("/team/new", "/team/update", "/team/delete", "/team/member_add")) {
      assertThat(router.get(path).statusCode()).as(path).isEqualTo(405);
    }
  }
}
