package dev.clincher.router.provider;

import static dev.clincher.router.testing.WireAssertions.assertOpenAiError;
import static dev.clincher.router.testing.WireAssertions.dataLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.clincher.router.testing.AnthropicWire;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Events;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Anthropic deployments behind the OpenAI API, against a fake of the Messages API on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AnthropicRoutingTest {
  static final ObjectMapper JSON = new ObjectMapper();

  FakeUpstream fake;
  RunningRouter router;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: claude
            litellm_params:
              model: claude-haiku-4-5-20251001
              api_base: http://127.0.0.1:%d
              api_key: os.environ/FAKE_API_KEY
        router_settings: {num_retries: 2, disable_cooldowns: true}
        """.formatted(fake.port()), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.reset();
  }

  @Test
  void requestIsTranslatedToTheMessagesApi() throws Exception {
    fake.then(new Json(200, Map.of(), AnthropicWire.toolUseMessage()));
    String request = """
        {"model":"claude","max_completion_tokens":256,"temperature":0.3,"top_p":0.9,"stop":"END","user":"u-42",
         "tool_choice":"required","parallel_tool_calls":false,"seed":7,
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",
           "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
         "messages":[
          {"role":"system","content":"Be brief."},
          {"role":"developer","content":[{"type":"text","text":"Use tools."}]},
          {"role":"user","content":"Weather and time in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
          {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"14:05"}]},
          {"role":"user","content":[{"type":"text","text":"And this?"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}""";

    HttpResponse<String> response = router.post("/v1/chat/completions", request);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    FakeUpstream.Call call = fake.calls().get(0);
    assertThat(call.target()).isEqualTo("/v1/messages");
    assertThat(call.header("x-api-key")).isEqualTo(RunningRouter.PROVIDER_KEY);
    assertThat(call.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(call.header("authorization")).isNull();
    assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("""
        {"model":"claude-haiku-4-5-20251001","max_tokens":256,
         "messages":[
          {"role":"user","content":[{"type":"text","text":"Weather and time in Paris?"}]},
          {"role":"assistant","content":[
            {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]},
          {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
            {"type":"tool_result","tool_use_id":"toolu_2","content":"14:05"},
            {"type":"text","text":"And this?"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}],
         "system":"Be brief.\\n\\nUse tools.",
         "temperature":0.3,"top_p":0.9,"stop_sequences":["END"],"metadata":{"user_id":"u-42"},
         "tools":[{"name":"get_weather","description":"Weather now",
           "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true}}"""));
  }

  @Test
  void messageIsTranslatedToAChatCompletion() throws Exception {
    fake.then(new Json(200, Map.of(), AnthropicWire.toolUseMessage()));

    HttpResponse<String> response = router.post("/v1/chat/completions", simple(false));

    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("id").asText()).isEqualTo("msg_01ABC");
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").path("content").asText()).isEqualTo("Let me check both.");
    JsonNode calls = choice.path("message").path("tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).path("id").asText()).isEqualTo("toolu_01A");
    assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(JSON.readTree(calls.get(0).path("function").path("arguments").asText()))
        .isEqualTo(JSON.readTree("{\"city\":\"Paris\",\"unit\":\"c\"}"));
    assertThat(calls.get(1).path("function").path("name").asText()).isEqualTo("get_time");
    JsonNode usage = body.path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(582);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(89);
    assertThat(usage.path("total_tokens").asLong()).isEqualTo(671);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(100);
    assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(10);
  }

  @Test
  void streamEventsBecomeOpenAiChunksWithToolArgumentsIntact() throws Exception {
    fake.then(new Events(AnthropicWire.toolUseStream(), Duration.ofMillis(2), End.DONE));

    HttpResponse<String> response = router.post("/v1/chat/completions", simple(true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    List<String> data = dataLines(response.body());
    JsonNode first = JSON.readTree(data.get(0));
    assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    Map<Integer, StringBuilder> arguments = new TreeMap<>();
    Map<Integer, String> names = new TreeMap<>();
    String finish = null;
    JsonNode usage = null;
    for (String chunk : data.subList(0, data.size() - 1)) {
      JsonNode node = JSON.readTree(chunk);
      if (node.path("usage").isObject()) {
        usage = node.path("usage");
      }
      for (JsonNode choice : node.path("choices")) {
        text.append(choice.path("delta").path("content").asText(""));
        for (JsonNode call : choice.path("delta").path("tool_calls")) {
          int index = call.path("index").asInt();
          if (call.has("id")) {
            names.put(index, call.path("function").path("name").asText());
          }
          arguments.computeIfAbsent(index, i -> new StringBuilder())
              .append(call.path("function").path("arguments").asText(""));
        }
        if (!choice.path("finish_reason").isNull()) {
          finish = choice.path("finish_reason").asText();
        }
      }
    }
    assertThat(text.toString()).isEqualTo("Checking now.");
    assertThat(names).containsExactly(Map.entry(0, "get_weather"), Map.entry(1, "get_time"));
    assertThat(arguments.get(0).toString()).isEqualTo(AnthropicWire.WEATHER_ARGUMENTS);
    assertThat(arguments.get(1).toString()).isEqualTo(AnthropicWire.TIME_ARGUMENTS);
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(usage).isNotNull();
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(572);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(89);
  }

  @Test
  void theOpenAiSdkAccumulatesAnAnthropicToolCallStream() {
    fake.then(new Events(AnthropicWire.toolUseStream(), Duration.ZERO, End.DONE));
    OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey(RunningRouter.MASTER_KEY)
        .baseUrl(router.baseUrl() + "/v1").maxRetries(0).build();
    try {
      ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
      try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(
          ChatCompletionCreateParams.builder().model("claude").addUserMessage("hi")
              .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        stream.stream().forEach(accumulator::accumulate);
      }
      ChatCompletion completion = accumulator.chatCompletion();
      List<ChatCompletionMessageFunctionToolCall> calls = completion.choices().get(0).message().toolCalls()
          .orElseThrow().stream().map(call -> call.asFunction()).toList();
      assertThat(calls).extracting(call -> call.function().arguments())
          .containsExactly(AnthropicWire.WEATHER_ARGUMENTS, AnthropicWire.TIME_ARGUMENTS);
      assertThat(calls).extracting(ChatCompletionMessageFunctionToolCall::id).containsExactly("toolu_01A", "toolu_01B");
      assertThat(completion.choices().get(0).message().content()).contains("Checking now.");
      assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(661);
    } finally {
      sdk.close();
    }
  }

  @Test
  void thinkingStreamIsRelayedInExactFramingWithToolCallsNumberedFromZero() throws Exception {
    fake.then(new Events(AnthropicWire.thinkingToolUseStream(), Duration.ofMillis(1), End.DONE));

    HttpResponse<String> response = router.post("/v1/chat/completions", """
        {"model":"claude","stream":true,"stream_options":{"include_usage":true},"reasoning_effort":"low",
         "messages":[{"role":"user","content":"Weather in Paris?"}]}""");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    StringBuilder expected = new StringBuilder();
    for (String delta : AnthropicWire.thinkingToolUseDeltas()) {
      expected.append(streamChunk(delta, "null"));
    }
    expected.append(streamChunk("{}", "\"tool_calls\""));
    expected.append("data: {\"id\":\"msg_01TS\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\""
        + AnthropicWire.MODEL + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":300,\"completion_tokens\":150,"
        + "\"total_tokens\":450,\"prompt_tokens_details\":{\"cached_tokens\":0},\"cache_creation_input_tokens\":0,"
        + "\"cache_read_input_tokens\":0}}\n\n");
    expected.append("data: [DONE]\n\n");
    assertThat(response.body().replaceAll("\"created\":\\d+", "\"created\":0")).isEqualTo(expected.toString());
    assertThat(JSON.readTree(fake.calls().get(0).body()).path("thinking"))
        .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":1024}"));
  }

  private static String streamChunk(String delta, String finishReason) {
    return "data: {\"id\":\"msg_01TS\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\""
        + AnthropicWire.MODEL + "\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"logprobs\":null,\"finish_reason\":" + finishReason + "}]}\n\n";
  }

  @Test
  void thinkingBlocksOfAToolTurnGoBackToAnthropicUnchanged() throws Exception {
    String tools = """
        "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]""";
    fake.then(new Json(200, Map.of(), AnthropicWire.thinkingToolUseMessage()),
        new Json(200, Map.of(), AnthropicWire.toolUseMessage()));

    HttpResponse<String> first = router.post("/v1/chat/completions", """
        {"model":"claude","max_tokens":3000,"thinking":{"type":"enabled","budget_tokens":2000},%s,
         "messages":[{"role":"user","content":"Weather in Paris?"}]}""".formatted(tools));

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(first.body()).path("choices").get(0).path("message");
    assertThat(answer.path("reasoning_content").asText()).isEqualTo("The user wants Paris weather. ");
    assertThat(answer.path("thinking_blocks")).isEqualTo(JSON.readTree("""
        [{"type":"thinking","thinking":"The user wants Paris weather. ","signature":"%s"},
         {"type":"redacted_thinking","data":"%s"}]""".formatted(AnthropicWire.SIGNATURE, AnthropicWire.REDACTED)));

    // The client sends the assistant message back as it received it, then the tool's result.
    HttpResponse<String> second = router.post("/v1/chat/completions", """
        {"model":"claude","max_tokens":3000,"thinking":{"type":"enabled","budget_tokens":2000},%s,
         "messages":[{"role":"user","content":"Weather in Paris?"},%s,
          {"role":"tool","tool_call_id":"toolu_01A","content":"18C"}]}""".formatted(tools, answer));

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(JSON.readTree(fake.calls().get(1).body())).isEqualTo(JSON.readTree("""
        {"model":"claude-haiku-4-5-20251001","max_tokens":3000,"thinking":{"type":"enabled","budget_tokens":2000},
         "messages":[
          {"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]},
          {"role":"assistant","content":[
            {"type":"thinking","thinking":"The user wants Paris weather. ","signature":"%s"},
            {"type":"redacted_thinking","data":"%s"},
            {"type":"text","text":"Checking."},
            {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris","unit":"c"}}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":"18C"}]}],
         "tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}"""
        .formatted(AnthropicWire.SIGNATURE, AnthropicWire.REDACTED)));
  }

  @Test
  void aThinkingBudgetAnthropicWouldRefuseIsA400BeforeAnyCall() throws Exception {
    HttpResponse<String> small = router.post("/v1/chat/completions", """
        {"model":"claude","thinking":{"type":"enabled","budget_tokens":512},
         "messages":[{"role":"user","content":"hi"}]}""");
    HttpResponse<String> overLimit = router.post("/v1/chat/completions", """
        {"model":"claude","max_completion_tokens":1024,"reasoning_effort":"medium",
         "messages":[{"role":"user","content":"hi"}]}""");

    assertThat(small.statusCode()).isEqualTo(400);
    assertThat(assertOpenAiError(small.body(), "invalid_request_error", "invalid_value").path("message").asText())
        .contains("at least 1024");
    assertThat(overLimit.statusCode()).isEqualTo(400);
    assertThat(assertOpenAiError(overLimit.body(), "invalid_request_error", "invalid_value").path("message")
        .asText()).contains("less than max_tokens");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void theOpenAiSdkSeesThinkingAsAdditionalPropertiesAndSendsItBack() throws Exception {
    fake.then(new Json(200, Map.of(), AnthropicWire.thinkingToolUseMessage()),
        new Json(200, Map.of(), AnthropicWire.toolUseMessage()),
        new Events(AnthropicWire.thinkingToolUseStream(), Duration.ZERO, End.DONE));
    OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey(RunningRouter.MASTER_KEY)
        .baseUrl(router.baseUrl() + "/v1").maxRetries(0).build();
    try {
      ChatCompletionCreateParams.Builder turn = ChatCompletionCreateParams.builder().model("claude")
          .reasoningEffort(ReasoningEffort.HIGH).addUserMessage("Weather in Paris?");
      ChatCompletionMessage message = sdk.chat().completions().create(turn.build()).choices().get(0).message();

      assertThat(JSON.readTree(fake.calls().get(0).body()).path("thinking"))
          .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":4096}"));
      assertThat(JSON.readTree(fake.calls().get(0).body()).path("max_tokens").asInt()).isEqualTo(8192);
      Map<String, JsonValue> extra = message._additionalProperties();
      assertThat(extra.get("reasoning_content").asStringOrThrow()).isEqualTo("The user wants Paris weather. ");
      JsonValue blocks = extra.get("thinking_blocks");
      assertThat(JSON.valueToTree(blocks.convert(Object.class)).path(0).path("signature").asText())
          .isEqualTo(AnthropicWire.SIGNATURE);

      sdk.chat().completions().create(turn.addMessage(message.toParam().toBuilder()
              .putAdditionalProperty("thinking_blocks", blocks).build())
          .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("toolu_01A").content("18C").build())
          .build());
      JsonNode sentBack = JSON.readTree(fake.calls().get(1).body()).path("messages").get(1).path("content");
      assertThat(sentBack.get(0)).isEqualTo(JSON.readTree("""
          {"type":"thinking","thinking":"The user wants Paris weather. ","signature":"%s"}"""
          .formatted(AnthropicWire.SIGNATURE)));
      assertThat(sentBack.get(1).path("type").asText()).isEqualTo("redacted_thinking");
      assertThat(sentBack.get(3).path("type").asText()).isEqualTo("tool_use");

      StringBuilder reasoning = new StringBuilder();
      List<String> signatures = new java.util.ArrayList<>();
      ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
      try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(
          ChatCompletionCreateParams.builder().model("claude").reasoningEffort(ReasoningEffort.LOW)
              .addUserMessage("Weather in Paris?").build())) {
        stream.stream().forEach(chunk -> {
          accumulator.accumulate(chunk);
          for (ChatCompletionChunk.Choice choice : chunk.choices()) {
            Map<String, JsonValue> deltaExtra = choice.delta()._additionalProperties();
            if (deltaExtra.containsKey("reasoning_content")) {
              reasoning.append(deltaExtra.get("reasoning_content").asStringOrThrow());
            }
            if (deltaExtra.containsKey("thinking_blocks")) {
              JsonNode block = JSON.valueToTree(deltaExtra.get("thinking_blocks").convert(Object.class)).path(0);
              if (block.has("signature")) {
                signatures.add(block.path("signature").asText());
              }
            }
          }
        });
      }
      assertThat(reasoning.toString()).isEqualTo("The user wants Paris weather. ");
      assertThat(signatures).containsExactly(AnthropicWire.SIGNATURE);
      ChatCompletionMessage streamed = accumulator.chatCompletion().choices().get(0).message();
      assertThat(streamed.content()).contains("Checking.");
      assertThat(streamed.toolCalls().orElseThrow()).singleElement().satisfies(call -> {
        assertThat(call.asFunction().id()).isEqualTo("toolu_01A");
        assertThat(call.asFunction().function().arguments()).isEqualTo(AnthropicWire.WEATHER_ARGUMENTS);
      });
    } finally {
      sdk.close();
    }
  }

  @Test
  void overloadedAndEarlyErrorEventsAreRetried() throws Exception {
    fake.then(new Json(529, Map.of(), AnthropicWire.error("overloaded_error", "Overloaded")),
        new Events(List.of(AnthropicWire.errorEvent("overloaded_error", "Overloaded")), Duration.ZERO, End.DONE),
        new Events(AnthropicWire.toolUseStream(), Duration.ZERO, End.DONE));

    HttpResponse<String> response = router.post("/v1/chat/completions", simple(true));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    assertThat(fake.calls()).hasSize(3);
  }

  @Test
  void errorEventAfterTheFirstChunkEndsTheStreamWithoutRetry() throws Exception {
    List<String> events = AnthropicWire.toolUseStream().subList(0, 8);
    List<String> broken = new java.util.ArrayList<>(events);
    broken.add(AnthropicWire.errorEvent("overloaded_error", "Overloaded"));
    fake.then(new Events(broken, Duration.ZERO, End.DONE));

    HttpResponse<String> response = router.post("/v1/chat/completions", simple(true));

    List<String> data = dataLines(response.body());
    assertOpenAiError(data.get(data.size() - 1), "api_error", "upstream_stream_broken");
    assertThat(response.body()).doesNotContain("[DONE]");
    assertThat(fake.calls()).hasSize(1);
  }

  @Test
  void truncatedStreamWithoutMessageStopIsAnError() throws Exception {
    fake.then(new Events(AnthropicWire.toolUseStream().subList(0, 10), Duration.ZERO, End.TRUNCATED));
    HttpResponse<String> response = router.post("/v1/chat/completions", simple(true));
    assertThat(response.body()).doesNotContain("[DONE]").contains("upstream_stream_broken");
    assertThat(fake.calls()).hasSize(1);
  }

  @Test
  void unsupportedResponseFormatIsRefusedNotIgnored() throws Exception {
    HttpResponse<String> response = router.post("/v1/chat/completions", """
        {"model":"claude","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},
         "messages":[{"role":"user","content":"hi"}]}""");
    assertThat(response.statusCode()).isEqualTo(400);
    assertOpenAiError(response.body(), "invalid_request_error", "unsupported_for_provider");
    assertThat(fake.calls()).isEmpty();
  }

  static String simple(boolean stream) {
    return """
        {"model":"claude","stream":%s,"stream_options":%s,"messages":[{"role":"user","content":"hi"}]}"""
        .formatted(stream, stream ? "{\"include_usage\":true}" : "null");
  }
}
