package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.TestRedis;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redis_semantic_cache_embedding_model} naming a {@code model_list} entry: questions are embedded through the
 * router's own provider code (here an OpenAI-compatible fake that gives every text the same vector, so any two
 * questions of one scope match).
 */
@Timeout(60)
class RouterEmbeddingModelTest {

  @Test
  void questionsAreEmbeddedThroughTheConfiguredDeployment(@TempDir Path directory) throws Exception {
    TestRedis.connect().close();
    try (FakeUpstream chat = FakeUpstream.start(); FakeUpstream embeddings = FakeUpstream.start()) {
      chat.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-e", "cached")));
      embeddings.setDefault(new FakeUpstream.Json(200, Map.of(), """
          {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.6,0.8,0.0]}],\
          "model":"embed-upstream","usage":{"prompt_tokens":3,"total_tokens":3}}"""));
      String yaml = """
          model_list:
            - model_name: gpt-test
              litellm_params: {model: openai/gpt-4.1, api_base: %s, api_key: os.environ/FAKE_API_KEY}
            - model_name: embed-test
              litellm_params: {model: openai/embed-upstream, api_base: %s, api_key: os.environ/FAKE_API_KEY}
          litellm_settings:
            cache: true
            cache_params:
              type: redis-semantic
              port: %d
              similarity_threshold: 0.99
              redis_semantic_cache_embedding_model: embed-test
              namespace: %s
          """.formatted(chat.apiBase(), embeddings.apiBase(), TestRedis.port(), "e" + UUID.randomUUID());
      try (RunningRouter router = RunningRouter.start(directory, yaml,
          Map.of("REDIS_HOST", TestRedis.host(), "REDIS_PASSWORD", TestRedis.password().reveal()))) {
        HttpResponse<String> first = router.post("/v1/chat/completions", """
            {"model":"gpt-test","messages":[{"role":"user","content":"first question"}]}""");
        HttpResponse<String> other = router.post("/v1/chat/completions", """
            {"model":"gpt-test","messages":[{"role":"user","content":"a different question"}]}""");
        assertThat(first.headers().firstValue("x-clincher-cache")).contains("miss");
        assertThat(other.headers().firstValue("x-clincher-cache")).contains("hit");
        assertThat(chat.calls()).hasSize(1);
        assertThat(embeddings.calls()).hasSizeGreaterThanOrEqualTo(2)
            .allSatisfy(call -> assertThat(call.target()).endsWith("/embeddings"));
      }
    }
  }
}
