package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The official OpenAI Java SDK ({@code com.openai:openai-java}) as a client of the router. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class OpenAiSdkClientTest {
  FakeUpstream fake;
  RunningRouter router;
  OpenAIClient sdk;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: gpt-test
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
        """.formatted(fake.apiBase()), Map.of());
    sdk = client(RunningRouter.MASTER_KEY);
  }

  @AfterAll
  void stop() throws Exception {
    sdk.close();
    router.close();
    fake.close();
  }

  OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(router.baseUrl() + "/v1").maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  ChatCompletionCreateParams.Builder params() {
    return ChatCompletionCreateParams.builder()
        .model("gpt-test")
        .addUserMessage("What is the weather in Paris?")
        .addFunctionTool(FunctionDefinition.builder().name("get_weather")
            .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
            .build());
  }

  @Test
  void nonStreamingToolCalls() {
    fake.then(new Json(200, Map.of(), OpenAiWire.toolCallCompletion()));

    ChatCompletion completion = sdk.chat().completions().create(params().build());

    List<ChatCompletionMessageFunctionToolCall> calls = completion.choices().get(0).message().toolCalls().orElseThrow()
        .stream().map(call -> call.asFunction()).toList();
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).id()).isEqualTo("call_abc");
    assertThat(calls.get(0).function().name()).isEqualTo("get_weather");
    assertThat(calls.get(0).function().arguments()).isEqualTo(OpenAiWire.TOOL_ARGUMENTS);
    assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(120);
  }

  @Test
  void streamingToolCallsAccumulateIntact() {
    fake.then(new Stream(OpenAiWire.toolCallStream("chatcmpl-sdk"), Duration.ofMillis(2), End.DONE));
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(
        params().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      stream.stream().forEach(accumulator::accumulate);
    }

    ChatCompletion completion = accumulator.chatCompletion();
    ChatCompletionMessageFunctionToolCall call = completion.choices().get(0).message().toolCalls().orElseThrow()
        .get(0).asFunction();
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(call.function().arguments()).isEqualTo(OpenAiWire.TOOL_ARGUMENTS);
    assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
    assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(70);
  }

  @Test
  void errorsMapToTheSdksExceptions() {
    OpenAIClient wrongKey = client("sk-wrong");
    try {
      assertThatThrownBy(() -> wrongKey.chat().completions().create(params().build()))
          .isInstanceOf(UnauthorizedException.class);
    } finally {
      wrongKey.close();
    }
    assertThatThrownBy(() -> sdk.chat().completions().create(params().model("no-such-model").build()))
        .isInstanceOf(NotFoundException.class)
        .satisfies(e -> assertThat(((NotFoundException) e).code()).contains("model_not_found"));
  }

  @Test
  void modelsList() {
    assertThat(sdk.models().list().data()).extracting(model -> model.id()).containsExactly("gpt-test");
  }
}
