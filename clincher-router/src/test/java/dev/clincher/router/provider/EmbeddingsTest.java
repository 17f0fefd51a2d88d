package dev.clincher.router.provider;

import static dev.clincher.router.testing.WireAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/embeddings} to an OpenAI-compatible and a Voyage deployment. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class EmbeddingsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String OPENAI_ANSWER = """
      {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2,0.3]},\
      {"object":"embedding","index":1,"embedding":[0.4,0.5,-0.6]}],"model":"text-embedding-3-small",\
      "usage":{"prompt_tokens":4,"total_tokens":4}}""";
  static final String VOYAGE_ANSWER = """
      {"object":"list","data":[{"object":"embedding","embedding":[0.25,0.5],"index":0}],\
      "model":"voyage-3-lite","usage":{"total_tokens":3}}""";

  FakeUpstream openAi;
  FakeUpstream voyage;
  RunningRouter router;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    openAi = FakeUpstream.start();
    voyage = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: small
            litellm_params: {model: openai/text-embedding-3-small, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: voyage/voyage-3-lite
            litellm_params: {model: voyage/voyage-3-lite, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: claude
            litellm_params: {model: claude-haiku-4-5-20251001, api_base: "%s"}
        """.formatted(openAi.apiBase(), voyage.apiBase(), openAi.apiBase()), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    openAi.close();
    voyage.close();
  }

  @BeforeEach
  void reset() {
    openAi.reset();
    voyage.reset();
  }

  @Test
  void openAiCompatibleEmbeddingsPassThrough() throws Exception {
    openAi.then(new Json(200, Map.of(), OPENAI_ANSWER));

    HttpResponse<String> response = router.post("/v1/embeddings", """
        {"model":"small","input":["hello","world"],"dimensions":3,"encoding_format":"float","user":"u1"}""");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree(OPENAI_ANSWER));
    assertThat(response.headers().firstValue("x-clincher-deployment")).contains("small#0");
    FakeUpstream.Call call = openAi.calls().get(0);
    assertThat(call.target()).isEqualTo("/v1/embeddings");
    assertThat(call.header("authorization")).isEqualTo("Bearer " + RunningRouter.PROVIDER_KEY);
    assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("""
        {"model":"text-embedding-3-small","input":["hello","world"],"dimensions":3,"encoding_format":"float",
         "user":"u1"}"""));
  }

  @Test
  void voyageEmbeddingsAreTranslated() throws Exception {
    voyage.then(new Json(200, Map.of(), VOYAGE_ANSWER));

    HttpResponse<String> response = router.post("/v1/embeddings", """
        {"model":"voyage/voyage-3-lite","input":"the cat","dimensions":512,"user":"u1"}""");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("data").get(0).path("embedding").get(1).asDouble()).isEqualTo(0.5);
    assertThat(body.path("usage").path("prompt_tokens").asLong()).isEqualTo(3);
    assertThat(JSON.readTree(voyage.calls().get(0).body())).isEqualTo(JSON.readTree("""
        {"input":"the cat","model":"voyage-3-lite","output_dimension":512}"""));
  }

  @Test
  void badEmbeddingRequestsAreRefused() throws Exception {
    HttpResponse<String> noInput = router.post("/v1/embeddings", "{\"model\":\"small\"}");
    assertThat(noInput.statusCode()).isEqualTo(400);
    assertThat(assertOpenAiError(noInput.body(), "invalid_request_error", null).path("param").asText())
        .isEqualTo("input");
    assertThat(router.post("/v1/embeddings", "{\"model\":\"nope\",\"input\":\"x\"}").statusCode()).isEqualTo(404);
    HttpResponse<String> chatOnly = router.post("/v1/embeddings", "{\"model\":\"claude\",\"input\":\"x\"}");
    assertThat(chatOnly.statusCode()).isEqualTo(501);
    assertOpenAiError(chatOnly.body(), "invalid_request_error", "provider_not_supported");
    assertThat(openAi.calls()).isEmpty();
  }

  @Test
  void theOpenAiSdkGetsEmbeddings() {
    openAi.then(new Json(200, Map.of(), OPENAI_ANSWER));
    OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey(RunningRouter.MASTER_KEY)
        .baseUrl(router.baseUrl() + "/v1").maxRetries(0).build();
    try {
      CreateEmbeddingResponse answer = sdk.embeddings().create(EmbeddingCreateParams.builder()
          .model("small").input("hello").encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
      assertThat(answer.data()).hasSize(2);
      assertThat(answer.data().get(1).embedding()).containsExactly(0.4f, 0.5f, -0.6f);
    } finally {
      sdk.close();
    }
  }
}
