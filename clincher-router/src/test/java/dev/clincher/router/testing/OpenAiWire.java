package dev.clincher.router.testing;

import java.util.List;

/** OpenAI's exact wire JSON for the fakes: completions, chunks with tool-call deltas, errors. */
public final class OpenAiWire {
  public static final String UPSTREAM_MODEL = "gpt-4.1-2025-04-14";

  private OpenAiWire() {}

  public static String completion(String id, String content) {
    return """
        {"id":"%s","object":"chat.completion","created":1731000000,"model":"%s","choices":[{"index":0,\
        "message":{"role":"assistant","content":"%s","refusal":null,"annotations":[]},"logprobs":null,\
        "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,\
        "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,\
        "audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default",\
        "system_fingerprint":"fp_fake"}""".formatted(id, UPSTREAM_MODEL, content);
  }

  /** A completion that calls two tools in parallel. */
  public static String toolCallCompletion() {
    return """
        {"id":"chatcmpl-tools","object":"chat.completion","created":1731000000,"model":"%s","choices":[{"index":0,\
        "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function","function":\
        {"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\",\\"unit\\":\\"c\\"}"}},{"id":"call_def",\
        "type":"function","function":{"name":"get_time","arguments":"{\\"tz\\":\\"Europe/Paris\\"}"}}],\
        "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":80,\
        "completion_tokens":40,"total_tokens":120},"system_fingerprint":"fp_fake"}""".formatted(UPSTREAM_MODEL);
  }

  public static String chunk(String id, String deltaJson, String finishReason) {
    String finish = finishReason == null ? "null" : "\"" + finishReason + "\"";
    return """
        {"id":"%s","object":"chat.completion.chunk","created":1731000000,"model":"%s","system_fingerprint":"fp_fake",\
        "choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}""".formatted(id, UPSTREAM_MODEL,
        deltaJson, finish);
  }

  public static String usageChunk(String id, int prompt, int completion) {
    return """
        {"id":"%s","object":"chat.completion.chunk","created":1731000000,"model":"%s","system_fingerprint":"fp_fake",\
        "choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}"""
        .formatted(id, UPSTREAM_MODEL, prompt, completion, prompt + completion);
  }

  /** A text stream: role, the words, the stop, and usage. */
  public static List<String> textStream(String id, String... words) {
    List<String> events = new java.util.ArrayList<>();
    events.add(chunk(id, "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
    for (String word : words) {
      events.add(chunk(id, "{\"content\":\"" + word + "\"}", null));
    }
    events.add(chunk(id, "{}", "stop"));
    events.add(usageChunk(id, 10, words.length));
    return events;
  }

  /** The argument fragments of the streamed tool call; joined they make {@link #TOOL_ARGUMENTS}. */
  public static final List<String> ARGUMENT_FRAGMENTS =
      List.of("{\\\"", "city", "\\\":\\\"", "Par", "is\\\",\\\"unit", "\\\":\\\"c\\\"}");
  public static final String TOOL_ARGUMENTS = "{\"city\":\"Paris\",\"unit\":\"c\"}";

  /** A streamed tool call, OpenAI-style: id and name first, then argument deltas, then finish and usage. */
  public static List<String> toolCallStream(String id) {
    List<String> events = new java.util.ArrayList<>();
    events.add(chunk(id, "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\","
        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}],\"refusal\":null}", null));
    for (String fragment : ARGUMENT_FRAGMENTS) {
      events.add(chunk(id, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + fragment + "\"}}]}", null));
    }
    events.add(chunk(id, "{}", "tool_calls"));
    events.add(usageChunk(id, 50, 20));
    return events;
  }

  public static String error(String message, String type, String code) {
    return """
        {"error":{"message":"%s","type":"%s","param":null,"code":"%s"}}""".formatted(message, type, code);
  }
}
