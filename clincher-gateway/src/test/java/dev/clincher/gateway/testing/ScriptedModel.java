package dev.clincher.gateway.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the streamed replies of a scripted model in OpenAI's wire format (as the fake provider sends them): text
 * answers word by word, and tool calls whose arguments arrive in small fragments, as real providers send them.
 */
public final class ScriptedModel {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ScriptedModel() {}

  /** A streamed text answer. */
  public static FakeUpstream.Stream text(String... words) {
    return new FakeUpstream.Stream(OpenAiWire.textStream("chatcmpl-text", escape(words)), Duration.ZERO,
        FakeUpstream.End.DONE);
  }

  /** A streamed answer that calls one tool, with its arguments in fragments of at most 7 characters. */
  public static FakeUpstream.Stream toolCall(String callId, String name, String argumentsJson) {
    return toolCalls(new Call(callId, name, argumentsJson));
  }

  /** One tool call of {@link #toolCalls}. */
  public record Call(String id, String name, String argumentsJson) {}

  /** A streamed answer that calls several tools in one step. */
  public static FakeUpstream.Stream toolCalls(Call... calls) {
    String id = "chatcmpl-tools";
    List<String> events = new ArrayList<>();
    events.add(OpenAiWire.chunk(id, "{\"role\":\"assistant\",\"content\":null}", null));
    for (int index = 0; index < calls.length; index++) {
      Call call = calls[index];
      events.add(OpenAiWire.chunk(id, "{\"tool_calls\":[{\"index\":" + index + ",\"id\":" + quoted(call.id())
          + ",\"type\":\"function\",\"function\":{\"name\":" + quoted(call.name()) + ",\"arguments\":\"\"}}]}", null));
      String arguments = call.argumentsJson();
      for (int start = 0; start < arguments.length(); start += 7) {
        String fragment = arguments.substring(start, Math.min(arguments.length(), start + 7));
        events.add(OpenAiWire.chunk(id, "{\"tool_calls\":[{\"index\":" + index + ",\"function\":{\"arguments\":"
            + quoted(fragment) + "}}]}", null));
      }
    }
    events.add(OpenAiWire.chunk(id, "{}", "tool_calls"));
    events.add(OpenAiWire.usageChunk(id, 40, 12));
    return new FakeUpstream.Stream(events, Duration.ZERO, FakeUpstream.End.DONE);
  }

  private static String[] escape(String[] words) {
    String[] escaped = new String[words.length];
    for (int i = 0; i < words.length; i++) {
      String quoted = quoted(words[i]);
      escaped[i] = quoted.substring(1, quoted.length() - 1);
    }
    return escaped;
  }

  static String quoted(String text) {
    return new TextNode(text).toString();
  }

  /** The JSON text of {@code value} (for building arguments in tests). */
  public static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
