package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.testing.AnthropicWire;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** model_group_alias, retry_policy, default_fallbacks and content_policy_fallbacks, end to end. */
@Timeout(60)
class ReliabilitySettingsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Json RATE_LIMITED = new Json(429, Map.of(), OpenAiWire.error("slow down", "rate_limit_error", null));
  static final Json BAD_REQUEST = new Json(400, Map.of(), OpenAiWire.error("bad", "invalid_request_error", "x"));
  static final Json SERVER_ERROR = new Json(500, Map.of(), OpenAiWire.error("boom", "server_error", null));
  static final Json DOWN = new Json(503, Map.of(), OpenAiWire.error("down", "server_error", null));
  static final Json CONTENT_POLICY = new Json(400, Map.of(), OpenAiWire.error(
      "Your request was rejected as a result of our safety system.", "invalid_request_error",
      "content_policy_violation"));

  @TempDir
  Path directory;

  static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  /** One deployment per group, each on its own fake, with id = group name. */
  static String groups(Map<String, FakeUpstream> fakes, String routerSettings) {
    StringBuilder yaml = new StringBuilder("model_list:\n");
    fakes.forEach((name, fake) -> yaml.append("""
          - model_name: %1$s
            litellm_params: {model: openai/%1$s-upstream, api_base: "%2$s"}
            model_info: {id: %1$s-deployment}
        """.formatted(name, fake.apiBase())));
    return yaml + "router_settings:\n  disable_cooldowns: true\n" + routerSettings.indent(2);
  }

  static List<String> modelIds(HttpResponse<String> response) throws Exception {
    List<String> ids = new ArrayList<>();
    JSON.readTree(response.body()).path("data").forEach(model -> ids.add(model.path("id").asText()));
    return ids;
  }

  @Test
  void anAliasIsServedByItsGroupAndListedUnlessHidden() throws Exception {
    try (FakeUpstream target = FakeUpstream.start(); FakeUpstream other = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, groups(Map.of("target", target, "other", other), """
            model_group_alias:
              gpt-4: target
              quiet: {model: target, hidden: true}
            """), Map.of())) {
      HttpResponse<String> viaAlias = router.post("/v1/chat/completions", chat("gpt-4"));
      assertThat(viaAlias.statusCode()).as(viaAlias.body()).isEqualTo(200);
      assertThat(viaAlias.headers().firstValue("x-clincher-deployment")).contains("target-deployment");
      assertThat(target.calls()).hasSize(1);
      assertThat(target.calls().get(0).body()).contains("\"target-upstream\"").doesNotContain("gpt-4");
      assertThat(other.calls()).isEmpty();

      HttpResponse<String> hidden = router.post("/v1/chat/completions", chat("quiet"));
      assertThat(hidden.headers().firstValue("x-clincher-deployment")).contains("target-deployment");

      HttpResponse<String> embeddings = router.post("/v1/embeddings", "{\"model\":\"gpt-4\",\"input\":\"hi\"}");
      assertThat(target.calls()).hasSize(3);
      assertThat(target.calls().get(2).target()).endsWith("/embeddings");
      assertThat(embeddings.headers().firstValue("x-clincher-deployment")).contains("target-deployment");

      assertThat(modelIds(router.get("/v1/models"))).containsExactlyInAnyOrder("target", "other", "gpt-4");
      assertThat(router.post("/v1/chat/completions", chat("gpt-5")).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aVirtualKeyMayCallAnAliasWhenItMayCallTheAliasOrItsGroup() throws Exception {
    try (FakeUpstream target = FakeUpstream.start(); FakeUpstream other = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, groups(Map.of("target", target, "other", other), """
            model_group_alias: {gpt-4: target, secret: {model: target, hidden: true}}
            """), Map.of())) {
      String targetKey = generate(router, "[\"target\"]");
      String aliasKey = generate(router, "[\"gpt-4\"]");
      String otherKey = generate(router, "[\"other\"]");

      assertThat(call(router, targetKey, chat("gpt-4")).statusCode()).isEqualTo(200);
      assertThat(call(router, targetKey, chat("secret")).statusCode()).isEqualTo(200);
      assertThat(call(router, aliasKey, chat("gpt-4")).statusCode()).isEqualTo(200);
      HttpResponse<String> aliasKeyOnTarget = call(router, aliasKey, chat("target"));
      assertThat(aliasKeyOnTarget.statusCode()).isEqualTo(401);
      assertThat(aliasKeyOnTarget.body()).contains("key_model_access_denied");
      assertThat(call(router, aliasKey, chat("secret")).statusCode()).isEqualTo(401);
      assertThat(call(router, otherKey, chat("gpt-4")).statusCode()).isEqualTo(401);
      assertThat(target.calls()).hasSize(3);

      assertThat(modelIds(models(router, targetKey))).containsExactlyInAnyOrder("target", "gpt-4");
      assertThat(modelIds(models(router, aliasKey))).containsExactly("gpt-4");
      assertThat(modelIds(models(router, otherKey))).containsExactly("other");
    }
  }

  @Test
  void retryPolicyDecidesTheRetriesPerErrorKind() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start(); FakeUpstream strict = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, groups(Map.of("model", fake, "strict", strict), """
            num_retries: 3
            retry_policy:
              RateLimitErrorRetries: 2
              BadRequestErrorRetries: 0
              InternalServerErrorRetries: 0
              ContentPolicyViolationErrorRetries: 1
            model_group_retry_policy:
              strict: {RateLimitErrorRetries: 0, BadRequestErrorRetries: 1}
            """), Map.of())) {
      assertThat(callsFor(router, fake, "model", RATE_LIMITED)).isEqualTo(3);
      assertThat(callsFor(router, fake, "model", BAD_REQUEST)).isEqualTo(1);
      assertThat(callsFor(router, fake, "model", SERVER_ERROR)).isEqualTo(1);
      assertThat(callsFor(router, fake, "model", CONTENT_POLICY)).isEqualTo(2);
      Json timeout = new Json(408, Map.of(), OpenAiWire.error("timed out", "timeout", null));
      assertThat(callsFor(router, fake, "model", timeout)).as("not in the policy: num_retries").isEqualTo(4);

      assertThat(callsFor(router, strict, "strict", RATE_LIMITED)).isEqualTo(1);
      assertThat(callsFor(router, strict, "strict", BAD_REQUEST)).isEqualTo(2);
      assertThat(callsFor(router, strict, "strict", CONTENT_POLICY)).as("from retry_policy").isEqualTo(2);
    }
  }

  @Test
  void defaultFallbacksComeAfterTheGroupsOwnAndNeverLoopBack() throws Exception {
    try (FakeUpstream alone = FakeUpstream.start(); FakeUpstream primary = FakeUpstream.start();
        FakeUpstream backup = FakeUpstream.start(); FakeUpstream spare = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, groups(
            Map.of("alone", alone, "primary", primary, "backup", backup, "spare", spare), """
            num_retries: 0
            fallbacks: [{"primary": ["backup"]}]
            default_fallbacks: ["spare", "backup"]
            """), Map.of())) {
      alone.setDefault(DOWN);
      HttpResponse<String> noOwnFallbacks = router.post("/v1/chat/completions", chat("alone"));
      assertThat(noOwnFallbacks.statusCode()).isEqualTo(200);
      assertThat(noOwnFallbacks.headers().firstValue("x-clincher-deployment")).contains("spare-deployment");

      primary.setDefault(DOWN);
      backup.setDefault(DOWN);
      HttpResponse<String> afterOwn = router.post("/v1/chat/completions", chat("primary"));
      assertThat(afterOwn.headers().firstValue("x-clincher-deployment")).contains("spare-deployment");
      assertThat(backup.calls()).as("backup once, though named twice").hasSize(1);

      spare.setDefault(DOWN);
      spare.reset();
      HttpResponse<String> spareItself = router.post("/v1/chat/completions", chat("spare"));
      assertThat(spareItself.statusCode()).isEqualTo(503);
      assertThat(spare.calls()).as("never falls back to itself").hasSize(1);
      assertThat(backup.calls()).hasSize(2);

      alone.setDefault(BAD_REQUEST);
      spare.reset();
      assertThat(router.post("/v1/chat/completions", chat("alone")).statusCode()).isEqualTo(400);
      assertThat(spare.calls()).as("a bad request does not fall back").isEmpty();
    }
  }

  @Test
  void aContentPolicyErrorFallsBackOnlyThroughContentPolicyFallbacks() throws Exception {
    try (FakeUpstream primary = FakeUpstream.start(); FakeUpstream general = FakeUpstream.start();
        FakeUpstream lenient = FakeUpstream.start(); FakeUpstream claude = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, groups(
            Map.of("primary", primary, "general", general, "lenient", lenient), """
            num_retries: 0
            fallbacks: [{"primary": ["general"]}, {"claude": ["general"]}]
            default_fallbacks: ["general"]
            content_policy_fallbacks: [{"primary": ["lenient"]}, {"claude": ["lenient"]}]
            """).replace("router_settings:", """
              - model_name: claude
                litellm_params: {model: anthropic/claude-haiku-4-5-20251001, api_base: "http://127.0.0.1:%d"}
                model_info: {id: claude-deployment}
            router_settings:""".formatted(claude.port())), Map.of())) {
      primary.setDefault(CONTENT_POLICY);
      HttpResponse<String> refused = router.post("/v1/chat/completions", chat("primary"));
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(200);
      assertThat(refused.headers().firstValue("x-clincher-deployment")).contains("lenient-deployment");
      assertThat(general.calls()).isEmpty();

      claude.setDefault(new Json(400, Map.of(), AnthropicWire.error("invalid_request_error",
          "Output blocked by content filtering policy")));
      HttpResponse<String> anthropic = router.post("/v1/chat/completions", chat("claude"));
      assertThat(anthropic.headers().firstValue("x-clincher-deployment")).contains("lenient-deployment");
      assertThat(general.calls()).isEmpty();

      primary.setDefault(DOWN);
      HttpResponse<String> down = router.post("/v1/chat/completions", chat("primary"));
      assertThat(down.headers().firstValue("x-clincher-deployment")).contains("general-deployment");
      assertThat(lenient.calls()).as("only content-policy errors go to lenient").hasSize(2);
    }
  }

  @Test
  void withoutContentPolicyFallbacksAContentPolicyErrorIsAnswered() throws Exception {
    try (FakeUpstream primary = FakeUpstream.start(); FakeUpstream general = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, groups(Map.of("primary", primary, "general", general),
            """
            num_retries: 0
            fallbacks: [{"primary": ["general"]}]
            default_fallbacks: ["general"]
            """), Map.of())) {
      primary.setDefault(CONTENT_POLICY);
      HttpResponse<String> refused = router.post("/v1/chat/completions", chat("primary"));
      assertThat(refused.statusCode()).isEqualTo(400);
      JsonNode error = JSON.readTree(refused.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("content_policy_violation");
      assertThat(general.calls()).isEmpty();
    }
  }

  /** Upstream calls one request makes when every answer is {@code reply}. */
  static int callsFor(RunningRouter router, FakeUpstream fake, String model, Json reply) throws Exception {
    fake.reset();
    fake.setDefault(reply);
    HttpResponse<String> response = router.post("/v1/chat/completions", chat(model));
    assertThat(response.statusCode()).isEqualTo(reply.status());
    return fake.calls().size();
  }

  static String generate(RunningRouter router, String models) throws Exception {
    HttpResponse<String> response = router.post("/key/generate", "{\"models\":" + models + "}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("key").asText();
  }

  static HttpResponse<String> call(RunningRouter router, String key, String body) throws Exception {
    return router.client().send(keyed(router, key, "/v1/chat/completions")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> models(RunningRouter router, String key) throws Exception {
    return router.client().send(keyed(router, key, "/v1/models").GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest.Builder keyed(RunningRouter router, String key, String path) {
    return HttpRequest.newBuilder(URI.create(router.baseUrl() + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json");
  }
}
