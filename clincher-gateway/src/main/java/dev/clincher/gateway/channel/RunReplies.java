package dev.clincher.gateway.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.events.EventSubscription;
import dev.clincher.gateway.events.EventTypes;
import dev.clincher.gateway.events.StreamedEvent;
import java.time.Duration;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one run's events as one growing reply, on a virtual thread of its own: the assistant's text as it streams,
 * each tool call as one compact line ({@code ⚙ exec ls -la}), a denied tool with the rule that denied it, an error as
 * a short line; {@code done} finishes the reply (with the reason when the run did not complete).
 */
final class RunReplies {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.channels");
  /** How long to wait for the next event before checking that the run is still going. */
  static final Duration WAIT = Duration.ofSeconds(5);
  /** The longest argument text shown on a tool line. */
  static final int MAX_ARGUMENT_CHARS = 80;

  /** Reads tool arguments only (a plain mapper: no state besides its configuration). */
  private static final ObjectMapper ARGUMENTS = new ObjectMapper();

  private final StringBuilder text = new StringBuilder();

  private RunReplies() {}

  /** Starts copying the run's events of {@code session} into {@code reply}; {@code running} says if it still goes. */
  static void start(String session, EventSubscription events, ReplyStream reply, Predicate<String> running) {
    Thread.ofVirtual().name("channel-reply-" + session).start(() -> {
      try {
        new RunReplies().copy(session, events, reply, running);
      } catch (InterruptedException e) {
        reply.finish("(the gateway is stopping)");
      }
    });
  }

  private void copy(String session, EventSubscription events, ReplyStream reply, Predicate<String> running)
      throws InterruptedException {
    while (true) {
      StreamedEvent event = events.next(WAIT);
      if (event == null) {
        if (!running.test(session)) { // the run ended without a done we could read (it lagged): say what we have
          LOG.atWarn().addKeyValue("session", session).log("channel.reply.no_done");
          reply.finish(finalText("(the run ended)"));
          return;
        }
        continue;
      }
      if (event.type().equals(EventTypes.DONE)) {
        reply.finish(finalText(endNote(event.data())));
        return;
      }
      if (add(event)) {
        reply.progress(text.toString());
      }
    }
  }

  /** Adds what the user should see of an event; whether the text changed. */
  private boolean add(StreamedEvent event) {
    JsonNode data = event.data();
    String line = switch (event.type()) {
      case EventTypes.ASSISTANT_DELTA -> {
        text.append(data.path("text").asText());
        yield null;
      }
      case EventTypes.TOOL_CALL -> "⚙ " + data.path("name").asText() + shortArguments(data.path("arguments").asText());
      case EventTypes.TOOL_DENIED -> "⛔ " + data.path("name").asText() + " denied by rule "
          + data.path("rule").asText() + " (" + data.path("layer").asText() + " policy)";
      case EventTypes.ERROR -> "⚠ " + firstLine(data.path("message").asText("error"));
      default -> "";
    };
    if (line == null) {
      return true;
    }
    if (line.isEmpty()) {
      return false;
    }
    if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') {
      text.append('\n');
    }
    text.append(line).append('\n');
    return true;
  }

  /** The {@code command} of {@code exec} (or of any tool that has one), else the arguments, on one line, cut short. */
  static String shortArguments(String argumentsJson) {
    String shown = argumentsJson;
    try {
      JsonNode command = ARGUMENTS.readTree(argumentsJson).path("command");
      shown = command.isTextual() ? command.asText() : shown;
    } catch (JsonProcessingException e) {
      // not JSON: shown as it came
    }
    shown = firstLine(shown);
    if (shown.isBlank() || shown.equals("{}")) {
      return "";
    }
    return " " + (shown.length() > MAX_ARGUMENT_CHARS ? shown.substring(0, MAX_ARGUMENT_CHARS) + "…" : shown);
  }

  private static String firstLine(String text) {
    String stripped = text.strip();
    int newline = stripped.indexOf('\n');
    return newline < 0 ? stripped : stripped.substring(0, newline) + " …";
  }

  /** Nothing for a completed run; else why it ended. */
  private static String endNote(JsonNode done) {
    String reason = done.path("reason").asText();
    if (reason.equals("completed")) {
      return "";
    }
    String message = done.path("message").asText("");
    return "(run " + reason.replace('_', ' ') + (message.isBlank() ? "" : ": " + firstLine(message)) + ")";
  }

  private String finalText(String note) {
    String answer = text.toString().strip();
    if (note.isEmpty()) {
      return answer.isEmpty() ? "(no answer)" : answer;
    }
    return answer.isEmpty() ? note : answer + "\n\n" + note;
  }
}
