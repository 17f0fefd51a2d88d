package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The embedded ({@code local}) semantic cache with {@code disk_cache_dir}: a restarted router keeps its hits. */
@Timeout(120)
class RouterCacheRestartTest {

  static String config(String apiBase, Path cacheDirectory) {
    return """
        model_list:
          - model_name: gpt-test
            litellm_params:
              model: openai/gpt-4.1
              api_base: %s
              api_key: os.environ/FAKE_API_KEY
        litellm_settings:
          cache: true
          cache_params:
            type: local
            similarity_threshold: 0.96
            verification_threshold: 0.5
            disk_cache_dir: %s
        """.formatted(apiBase, cacheDirectory);
  }

  static String ask(String question) {
    return """
        {"model":"gpt-test","messages":[{"role":"user","content":"%s"}]}""".formatted(question);
  }

  @Test
  void aRestartedRouterServesTheHitsOfTheOneBefore(@TempDir Path directory) throws Exception {
    Path cache = directory.resolve("cache");
    try (FakeUpstream upstream = FakeUpstream.start()) {
      upstream.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-0", "Use the link")));
      try (RunningRouter first = RunningRouter.start(directory, config(upstream.apiBase(), cache), Map.of())) {
        assertThat(cacheHeader(first.post("/v1/chat/completions", ask("How can I reset my password?"))))
            .isEqualTo("miss");
        assertThatThrownBy(() -> RunningRouter.start(directory, config(upstream.apiBase(), cache), Map.of()))
            .as("a second router on the same directory").isInstanceOf(ConfigException.class)
            .hasMessageContaining("disk_cache_dir").hasMessageContaining("in use by another process");
      }
      try (RunningRouter second = RunningRouter.start(directory, config(upstream.apiBase(), cache), Map.of())) {
        HttpResponse<String> exact = second.post("/v1/chat/completions", ask("How can I reset my password?"));
        assertThat(cacheHeader(exact)).isEqualTo("hit");
        assertThat(exact.body()).contains("Use the link");
        assertThat(cacheHeader(second.post("/v1/chat/completions", ask("How do I reset my password?"))))
            .as("a paraphrase: a semantic hit").isEqualTo("hit");
        assertThat(cacheHeader(second.post("/v1/chat/completions", ask("What is the best pizza topping?"))))
            .isEqualTo("miss");
      }
      assertThat(upstream.calls()).hasSize(2);
    }
  }

  private static String cacheHeader(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("x-clincher-cache").orElse("");
  }
}
