package dev.clincher.gateway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventTypes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The conversation as the model sees it: built from the transcript, kept in memory during a run, and bounded.
 *
 * <p>Rebuilding from events: the latest {@code summary} replaces every event it covers; {@code user_message},
 * {@code assistant_message}, {@code tool_result} and {@code tool_denied} become messages. A tool call left without a
 * result (the gateway was killed mid-run) gets a synthetic one, since providers refuse a dangling call.
 *
 * <p>Bounding: sizes are estimated at four characters per token. Over budget, the oldest tool results are replaced by
 * a short notice first; if that is not enough, {@link #olderTurns} names what a summary should replace.
 */
public final class ContextWindow {
  static final String PRUNED_NOTICE = "[tool result removed to fit the context window]";
  static final String INTERRUPTED_NOTICE = "[no result: the run was interrupted before this tool call finished]";
  /** Messages (from the end) that are never pruned or summarised: the current exchange. */
  static final int KEEP_RECENT = 6;

  private final ObjectMapper json;
  private final String systemPrompt;
  private final List<Entry> entries = new ArrayList<>();
  private String summary = "";

  /** One message and the transcript position it came from. */
  record Entry(long seq, ObjectNode message) {}

  public ContextWindow(ObjectMapper json, String systemPrompt) {
    this.json = json;
    this.systemPrompt = systemPrompt;
  }

  /** Builds the window from a session's transcript (in sequence order). */
  public static ContextWindow fromTranscript(ObjectMapper json, String systemPrompt, List<TranscriptEvent> events) {
    ContextWindow window = new ContextWindow(json, systemPrompt);
    long coveredUntil = -1;
    for (TranscriptEvent event : events) {
      if (event.type().equals(EventTypes.SUMMARY)) {
        coveredUntil = event.data().path("covers_until_seq").asLong();
        window.summary = event.data().path("content").asText();
      }
    }
    Set<String> answered = new HashSet<>();
    for (TranscriptEvent event : events) {
      if (event.seq() > coveredUntil) {
        window.addFromEvent(event, answered);
      }
    }
    window.closeDanglingCalls(answered, Long.MAX_VALUE);
    return window;
  }

  private void addFromEvent(TranscriptEvent event, Set<String> answered) {
    JsonNode data = event.data();
    switch (event.type()) {
      case EventTypes.USER_MESSAGE -> {
        closeDanglingCalls(answered, event.seq());
        addUser(event.seq(), data.path("content").asText());
      }
      case EventTypes.ASSISTANT_MESSAGE -> {
        closeDanglingCalls(answered, event.seq());
        entries.add(new Entry(event.seq(), assistantMessage(data)));
      }
      case EventTypes.TOOL_RESULT, EventTypes.TOOL_DENIED -> {
        String id = data.path("id").asText();
        if (answered.add(id)) {
          addToolResult(event.seq(), id, data.path("content").asText());
        }
      }
      default -> { } // deltas, tool_call announcements, done, errors: not part of the model's context
    }
  }

  /** Adds a synthetic result for each tool call of the last assistant message that has none. */
  private void closeDanglingCalls(Set<String> answered, long seq) {
    for (int i = entries.size() - 1; i >= 0; i--) {
      ObjectNode message = entries.get(i).message();
      if (message.path("role").asText().equals("assistant")) {
        for (JsonNode call : message.path("tool_calls")) {
          String id = call.path("id").asText();
          if (answered.add(id)) {
            addToolResult(seq, id, INTERRUPTED_NOTICE);
          }
        }
        return;
      }
      if (message.path("role").asText().equals("user")) {
        return;
      }
    }
  }

  private ObjectNode assistantMessage(JsonNode data) {
    ObjectNode message = json.createObjectNode();
    message.put("role", "assistant");
    String content = data.path("content").asText("");
    if (content.isEmpty() && data.path("tool_calls").size() > 0) {
      message.putNull("content");
    } else {
      message.put("content", content);
    }
    if (data.path("tool_calls").size() > 0) {
      ArrayNode calls = message.putArray("tool_calls");
      for (JsonNode call : data.path("tool_calls")) {
        ObjectNode wire = calls.addObject();
        wire.put("id", call.path("id").asText());
        wire.put("type", "function");
        ObjectNode function = wire.putObject("function");
        function.put("name", call.path("name").asText());
        function.put("arguments", call.path("arguments").asText());
      }
    }
    return message;
  }

  public void addUser(long seq, String content) {
    ObjectNode message = json.createObjectNode();
    message.put("role", "user");
    message.put("content", content);
    entries.add(new Entry(seq, message));
  }

  public void addAssistant(long seq, JsonNode assistantEventData) {
    entries.add(new Entry(seq, assistantMessage(assistantEventData)));
  }

  public void addToolResult(long seq, String callId, String content) {
    ObjectNode message = json.createObjectNode();
    message.put("role", "tool");
    message.put("tool_call_id", callId);
    message.put("content", content);
    entries.add(new Entry(seq, message));
  }

  /** The {@code messages} array for the next model call. */
  public ArrayNode messages() {
    ArrayNode messages = json.createArrayNode();
    ObjectNode system = messages.addObject();
    system.put("role", "system");
    system.put("content", summary.isEmpty() ? systemPrompt
        : systemPrompt + "\n\nSummary of the earlier conversation:\n" + summary);
    for (Entry entry : entries) {
      messages.add(entry.message());
    }
    return messages;
  }

  /** Estimated tokens of {@link #messages()}: four characters per token plus a little per message. */
  public int estimatedTokens() {
    long chars = systemPrompt.length() + summary.length();
    for (Entry entry : entries) {
      chars += entry.message().toString().length();
    }
    return (int) Math.min(Integer.MAX_VALUE, chars / 4 + 4L * (entries.size() + 1));
  }

  /**
   * Replaces the oldest tool results (outside the recent messages) with a notice until the estimate fits
   * {@code budget}; returns how many were pruned.
   */
  public int pruneToolResults(int budget) {
    int pruned = 0;
    int protectedFrom = Math.max(0, entries.size() - KEEP_RECENT);
    for (int i = 0; i < protectedFrom && estimatedTokens() > budget; i++) {
      ObjectNode message = entries.get(i).message();
      if (message.path("role").asText().equals("tool") && !message.path("content").asText().equals(PRUNED_NOTICE)) {
        message.put("content", PRUNED_NOTICE);
        pruned++;
      }
    }
    return pruned;
  }

  /**
   * The messages a summary should replace: everything before the recent ones, cut at a user message so that no
   * tool call is separated from its result. Empty when there is nothing old enough.
   */
  public List<ObjectNode> olderTurns() {
    int cut = cutIndex();
    List<ObjectNode> older = new ArrayList<>();
    for (int i = 0; i < cut; i++) {
      older.add(entries.get(i).message());
    }
    return older;
  }

  /** The sequence number up to which a summary of {@link #olderTurns()} covers the transcript. */
  public long olderTurnsEndSeq() {
    int cut = cutIndex();
    return cut == 0 ? -1 : entries.get(cut).seq() - 1;
  }

  /** Replaces {@link #olderTurns()} by {@code text}. */
  public void applySummary(String text) {
    int cut = cutIndex();
    entries.subList(0, cut).clear();
    summary = text;
  }

  /** The current summary text, empty when there is none. */
  public String summary() {
    return summary;
  }

  private int cutIndex() {
    for (int i = Math.max(0, entries.size() - KEEP_RECENT); i > 0; i--) {
      if (entries.get(i).message().path("role").asText().equals("user")) {
        return i;
      }
    }
    return 0;
  }

  int size() {
    return entries.size();
  }
}
