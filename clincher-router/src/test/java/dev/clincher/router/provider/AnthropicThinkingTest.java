package dev.clincher.router.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.testing.AnthropicWire;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Extended thinking through the Anthropic translation, both ways, without a network. */
class AnthropicThinkingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final AnthropicRequests requests = new AnthropicRequests(JSON);
  final AnthropicResponses responses = new AnthropicResponses(JSON);

  @Test
  void reasoningEffortBecomesLiteLlmsBudgetAndRaisesTheDefaultMaxTokens() throws Exception {
    for (var effort : List.of(List.of("low", 1024), List.of("medium", 2048), List.of("high", 4096))) {
      ObjectNode out = requests.translate(request("\"reasoning_effort\":\"" + effort.get(0) + "\""));
      int budget = (Integer) effort.get(1);
      assertThat(out.path("thinking")).as(effort.toString())
          .isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"));
      assertThat(out.path("max_tokens").asInt()).as(effort.toString()).isEqualTo(budget + 4096);
    }
    ObjectNode limited = requests.translate(request("\"reasoning_effort\":\"medium\",\"max_completion_tokens\":3000"));
    assertThat(limited.path("max_tokens").asInt()).isEqualTo(3000);
    ObjectNode none = requests.translate(request("\"reasoning_effort\":\"none\""));
    assertThat(none.has("thinking")).isFalse();
    assertThat(none.path("max_tokens").asInt()).isEqualTo(4096);
    assertThat(requests.translate(request("\"reasoning_effort\":null")).has("thinking")).isFalse();
  }

  @Test
  void thinkingPassesThroughUnchanged() throws Exception {
    ObjectNode out = requests.translate(request("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
        + "\"max_tokens\":1025"));
    assertThat(out.path("thinking")).isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":1024}"));
    assertThat(out.path("max_tokens").asInt()).isEqualTo(1025);
    ObjectNode unlimited = requests.translate(request("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}"));
    assertThat(unlimited.path("max_tokens").asInt()).isEqualTo(14096);
    ObjectNode disabled = requests.translate(request("\"thinking\":{\"type\":\"disabled\"}"));
    assertThat(disabled.path("thinking")).isEqualTo(JSON.readTree("{\"type\":\"disabled\"}"));
    assertThat(disabled.path("max_tokens").asInt()).isEqualTo(4096);
    assertThat(requests.translate(request("\"temperature\":1")).has("thinking")).isFalse();
  }

  @Test
  void badThinkingSettingsAreClear400s() {
    refused("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1023}", "at least 1024 (thinking.budget_tokens)");
    refused("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},\"max_tokens\":2048",
        "the thinking budget (2048 tokens) must be less than max_tokens/max_completion_tokens (2048)");
    refused("\"reasoning_effort\":\"high\",\"max_completion_tokens\":4000", "(4096 tokens) must be less than");
    refused("\"thinking\":{\"type\":\"enabled\"}", "must be an integer");
    refused("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":\"2048\"}", "must be an integer");
    refused("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048.5}", "must be an integer");
    refused("\"thinking\":{\"type\":\"on\",\"budget_tokens\":2048}", "(thinking.type)");
    refused("\"thinking\":true", "(thinking.type)");
    refused("\"reasoning_effort\":\"minimal\"", "one of low, medium, high or none");
    refused("\"reasoning_effort\":2", "one of low, medium, high or none");
    refused("\"reasoning_effort\":\"low\",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048}", "not both");
  }

  @Test
  void thinkingBlocksGoBackFirstInTheAssistantTurnUnchanged() throws Exception {
    ObjectNode out = requests.translate((ObjectNode) JSON.readTree("""
        {"model":"m","thinking":{"type":"enabled","budget_tokens":2048},"messages":[
          {"role":"user","content":"Weather?"},
          {"role":"assistant","content":"Checking.","reasoning_content":"ignored, the blocks carry it",
           "thinking_blocks":[{"type":"thinking","thinking":"Paris. ","signature":"c2ln+/=="},
                              {"type":"redacted_thinking","data":"ZGF0YQ=="}],
           "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"toolu_1","content":"18C"}]}"""));
    assertThat(out.path("messages").get(1)).isEqualTo(JSON.readTree("""
        {"role":"assistant","content":[
          {"type":"thinking","thinking":"Paris. ","signature":"c2ln+/=="},
          {"type":"redacted_thinking","data":"ZGF0YQ=="},
          {"type":"text","text":"Checking."},
          {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]}"""));
    ObjectNode thinkingOnly = requests.translate((ObjectNode) JSON.readTree("""
        {"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,
          "thinking_blocks":[{"type":"redacted_thinking","data":"ZA=="}]},{"role":"user","content":"go on"}]}"""));
    assertThat(thinkingOnly.path("messages").get(1).path("content"))
        .isEqualTo(JSON.readTree("[{\"type\":\"redacted_thinking\",\"data\":\"ZA==\"}]"));
  }

  @Test
  void malformedThinkingBlocksAreRefused() {
    for (String blocks : List.of("[{\"type\":\"thinking\",\"thinking\":\"x\"}]", "[{\"type\":\"thinking\","
        + "\"thinking\":\"x\",\"signature\":null}]", "[{\"type\":\"redacted_thinking\"}]", "[{\"type\":\"text\","
        + "\"text\":\"x\"}]", "{\"type\":\"redacted_thinking\",\"data\":\"x\"}")) {
      assertThatThrownBy(() -> requests.translate((ObjectNode) JSON.readTree("""
          {"model":"m","messages":[{"role":"user","content":"hi"},
            {"role":"assistant","content":"a","thinking_blocks":%s}]}""".formatted(blocks))))
          .as(blocks).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("thinking_blocks");
          });
    }
  }

  @Test
  void aMessagesThinkingBecomesReasoningContentAndThinkingBlocks() throws Exception {
    JsonNode message = responses.completion(JSON.readTree(AnthropicWire.thinkingToolUseMessage()))
        .path("choices").get(0).path("message");
    assertThat(message.path("content").asText()).isEqualTo("Checking.");
    assertThat(message.path("reasoning_content").asText()).isEqualTo("The user wants Paris weather. ");
    assertThat(message.path("thinking_blocks")).isEqualTo(JSON.readTree("""
        [{"type":"thinking","thinking":"The user wants Paris weather. ","signature":"%s"},
         {"type":"redacted_thinking","data":"%s"}]""".formatted(AnthropicWire.SIGNATURE, AnthropicWire.REDACTED)));
    assertThat(message.path("tool_calls")).hasSize(1);

    JsonNode redactedOnly = responses.completion(JSON.readTree("""
        {"id":"m","model":"x","content":[{"type":"redacted_thinking","data":"ZA=="},{"type":"text","text":"hi"}],
         "stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}""")).path("choices").get(0)
        .path("message");
    assertThat(redactedOnly.path("reasoning_content").isTextual()).isTrue();
    assertThat(redactedOnly.path("reasoning_content").asText()).isEmpty();
    assertThat(redactedOnly.path("thinking_blocks")).hasSize(1);

    JsonNode plain = responses.completion(JSON.readTree(AnthropicWire.toolUseMessage())).path("choices").get(0)
        .path("message");
    assertThat(plain.has("reasoning_content")).isFalse();
    assertThat(plain.has("thinking_blocks")).isFalse();
  }

  @Test
  void streamedThinkingBecomesReasoningDeltasAndToolCallsKeepTheirOwnIndexes() throws Exception {
    AnthropicResponses.StreamState state = responses.new StreamState(false);
    List<JsonNode> deltas = new ArrayList<>();
    for (String event : AnthropicWire.thinkingToolUseStream()) {
      String name = event.substring("event: ".length(), event.indexOf('\n'));
      String data = event.substring(event.indexOf("data: ") + 6).trim();
      for (String chunk : state.on(name, JSON.readTree(data))) {
        deltas.add(JSON.readTree(chunk).path("choices").get(0).path("delta"));
      }
    }
    List<JsonNode> expected = new ArrayList<>();
    for (String delta : AnthropicWire.thinkingToolUseDeltas()) {
      expected.add(JSON.readTree(delta));
    }
    expected.add(JSON.readTree("{}"));
    assertThat(deltas).containsExactlyElementsOf(expected);
    assertThat(state.stopped()).isTrue();
    assertThat(state.usage().completionTokens()).isEqualTo(150);
  }

  private void refused(String fields, String message) {
    assertThatThrownBy(() -> requests.translate(request(fields))).as(fields)
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.type()).isEqualTo("invalid_request_error");
          assertThat(e.code()).isEqualTo("invalid_value");
          assertThat(e.getMessage()).contains(message);
        });
  }

  private static ObjectNode request(String fields) throws Exception {
    return (ObjectNode) JSON.readTree("{\"model\":\"claude-sonnet-4-5\"," + fields
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }
}
