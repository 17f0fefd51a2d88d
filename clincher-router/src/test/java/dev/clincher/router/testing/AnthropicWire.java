package dev.clincher.router.testing;

import java.util.ArrayList;
import java.util.List;

/** Anthropic's Messages API wire format for the fake: messages, SSE events, errors. */
public final class AnthropicWire {
  public static final String MODEL = "claude-haiku-4-5-20251001";

  private AnthropicWire() {}

  /** A message with text and two parallel tool calls, and usage with cache reads. */
  public static String toolUseMessage() {
    return """
        {"id":"msg_01ABC","type":"message","role":"assistant","model":"%s","content":[\
        {"type":"text","text":"Let me check both."},\
        {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris","unit":"c"}},\
        {"type":"tool_use","id":"toolu_01B","name":"get_time","input":{"tz":"Europe/Paris"}}],\
        "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":472,\
        "cache_creation_input_tokens":10,"cache_read_input_tokens":100,"output_tokens":89}}""".formatted(MODEL);
  }

  private static String messageStart(String id, int inputTokens, int cacheRead, int outputTokens) {
    return event("message_start", """
        {"type":"message_start","message":{"id":"%s","type":"message","role":"assistant","model":"%s",\
        "content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":%d,\
        "cache_creation_input_tokens":0,"cache_read_input_tokens":%d,"output_tokens":%d}}}"""
        .formatted(id, MODEL, inputTokens, cacheRead, outputTokens));
  }

  public static String event(String name, String data) {
    return "event: " + name + "\ndata: " + data + "\n\n";
  }

  /** Argument fragments of the first streamed tool call; joined they are {@link #WEATHER_ARGUMENTS}. */
  public static final List<String> WEATHER_FRAGMENTS =
      List.of("", "{\\\"city\\\":", " \\\"Par", "is\\\", \\\"unit\\\"", ": \\\"c\\\"}");
  public static final String WEATHER_ARGUMENTS = "{\"city\": \"Paris\", \"unit\": \"c\"}";
  public static final List<String> TIME_FRAGMENTS = List.of("{\\\"tz\\\": \\\"Europe/", "Paris\\\"}");
  public static final String TIME_ARGUMENTS = "{\"tz\": \"Europe/Paris\"}";

  /** A full stream: text, then two tool_use blocks with input_json_delta fragments, pings, stop and usage. */
  public static List<String> toolUseStream() {
    List<String> events = new ArrayList<>();
    events.add(messageStart("msg_01S", 472, 100, 2));
    events.add(event("content_block_start",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    events.add(event("ping", "{\"type\": \"ping\"}"));
    events.add(event("content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking\"}}"));
    events.add(event("content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" now.\"}}"));
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
    toolBlock(events, 1, "toolu_01A", "get_weather", WEATHER_FRAGMENTS);
    toolBlock(events, 2, "toolu_01B", "get_time", TIME_FRAGMENTS);
    events.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}"));
    events.add(event("message_stop", "{\"type\":\"message_stop\"}"));
    return events;
  }

  /** The signature of the thinking block in {@link #thinkingToolUseMessage} and {@link #thinkingToolUseStream}. */
  public static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+abc/==";
  /** The data of their redacted_thinking block. */
  public static final String REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP";

  /** A message with extended thinking: a thinking block (signed), a redacted_thinking block, text, a tool call. */
  public static String thinkingToolUseMessage() {
    return """
        {"id":"msg_01TH","type":"message","role":"assistant","model":"%s","content":[\
        {"type":"thinking","thinking":"The user wants Paris weather. ","signature":"%s"},\
        {"type":"redacted_thinking","data":"%s"},\
        {"type":"text","text":"Checking."},\
        {"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris","unit":"c"}}],\
        "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":300,\
        "cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":150}}"""
        .formatted(MODEL, SIGNATURE, REDACTED);
  }

  /**
   * A stream with extended thinking: a thinking block (two thinking_delta, a ping between, then its signature_delta),
   * a redacted_thinking block, a text block, then a tool_use block with input_json_delta fragments at block index 3.
   */
  public static List<String> thinkingToolUseStream() {
    List<String> events = new ArrayList<>();
    events.add(messageStart("msg_01TS", 300, 0, 1));
    events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
        + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}"));
    events.add(delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"The user wants \"}"));
    events.add(event("ping", "{\"type\": \"ping\"}"));
    events.add(delta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Paris weather. \"}"));
    events.add(delta(0, "{\"type\":\"signature_delta\",\"signature\":\"" + SIGNATURE + "\"}"));
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
    events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,"
        + "\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"}}"));
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"));
    events.add(event("content_block_start",
        "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    events.add(delta(2, "{\"type\":\"text_delta\",\"text\":\"Checking.\"}"));
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"));
    toolBlock(events, 3, "toolu_01A", "get_weather", WEATHER_FRAGMENTS);
    events.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":150}}"));
    events.add(event("message_stop", "{\"type\":\"message_stop\"}"));
    return events;
  }

  /** The OpenAI chunk deltas {@link #thinkingToolUseStream} becomes, before the finish chunk, in order. */
  public static List<String> thinkingToolUseDeltas() {
    List<String> deltas = new ArrayList<>(List.of("{\"role\":\"assistant\",\"content\":\"\"}",
        "{\"reasoning_content\":\"The user wants \",\"thinking_blocks\":[{\"type\":\"thinking\","
            + "\"thinking\":\"The user wants \"}]}",
        "{\"reasoning_content\":\"Paris weather. \",\"thinking_blocks\":[{\"type\":\"thinking\","
            + "\"thinking\":\"Paris weather. \"}]}",
        "{\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"" + SIGNATURE + "\"}]}",
        "{\"thinking_blocks\":[{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"}]}",
        "{\"content\":\"Checking.\"}",
        "{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01A\",\"type\":\"function\",\"function\":{\"name\":"
            + "\"get_weather\",\"arguments\":\"\"}}]}"));
    for (String fragment : WEATHER_FRAGMENTS) {
      deltas.add("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + fragment + "\"}}]}");
    }
    return deltas;
  }

  private static String delta(int index, String delta) {
    return event("content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + delta + "}");
  }

  private static void toolBlock(List<String> events, int index, String id, String name, List<String> fragments) {
    events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
        + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"input\":{}}}"));
    for (String fragment : fragments) {
      events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
          + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" + fragment + "\"}}"));
    }
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
  }

  public static String errorEvent(String type, String message) {
    return event("error", "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}");
  }

  public static String error(String type, String message) {
    return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}";
  }
}
