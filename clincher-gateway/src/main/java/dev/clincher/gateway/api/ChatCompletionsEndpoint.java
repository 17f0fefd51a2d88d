package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventTypes;
import dev.clincher.gateway.agent.RunEnd;
import dev.clincher.gateway.events.EventSubscription;
import dev.clincher.gateway.session.SessionBusyException;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.events.StreamedEvent;
import dev.clincher.gateway.session.UnknownSessionException;
import dev.clincher.gateway.store.SessionRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code POST /v1/chat/completions} for OpenAI clients: {@code model} names the agent ({@code clincher:<agent>}),
 * the last user message is the new input (earlier messages are ignored: the session's transcript is the history),
 * and the answer is the run's assistant text. Without the {@code X-Clincher-Session} header a new session is
 * created; its id comes back in that header so the client can continue it. Tool activity shows in streams as SSE
 * comments, which OpenAI clients skip.
 */
final class ChatCompletionsEndpoint {
  static final String MODEL_PREFIX = "clincher:";
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final SessionService sessions;
  private final ObjectMapper json;

  ChatCompletionsEndpoint(SessionService sessions, ObjectMapper json) {
    this.sessions = sessions;
    this.json = json;
  }

  void handle(ApiExchange exchange, JsonNode body) throws Exception {
    String model = body.path("model").asText("");
    if (!model.startsWith(MODEL_PREFIX) || model.length() == MODEL_PREFIX.length()) {
      exchange.sendError(400, "invalid_request_error", "model must be \"clincher:<agent>\"");
      return;
    }
    Optional<String> input = lastUserText(body.path("messages"));
    if (input.isEmpty()) {
      exchange.sendError(400, "invalid_request_error", "messages must end with a user message with text content");
      return;
    }
    if (body.path("n").asInt(1) != 1) {
      exchange.sendError(400, "invalid_request_error", "only n=1 is supported");
      return;
    }
    String agent = model.substring(MODEL_PREFIX.length());
    String sessionId = exchange.request().getHeaders().get(GatewayHandler.SESSION_HEADER);
    EventSubscription subscription;
    try {
      if (sessionId == null || sessionId.isBlank()) {
        sessionId = sessions.create(agent, "").id();
      } else if (!sessions.get(sessionId).map(SessionRecord::agent).orElse("").equals(agent)) {
        exchange.sendError(404, "invalid_request_error", "no session " + sessionId + " for agent " + agent);
        return;
      }
      subscription = sessions.send(sessionId, input.get());
    } catch (UnknownSessionException e) {
      exchange.sendError(404, "invalid_request_error", e.getMessage());
      return;
    } catch (SessionBusyException e) {
      exchange.sendError(409, "session_busy", e.getMessage());
      return;
    }
    exchange.header(GatewayHandler.SESSION_HEADER, sessionId);
    String id = "chatcmpl-" + sessionId + "-" + System.nanoTime();
    if (body.path("stream").asBoolean(false)) {
      stream(exchange, subscription, id, model);
    } else {
      answer(exchange, subscription, id, model);
    }
  }

  private void answer(ApiExchange exchange, EventSubscription subscription, String id, String model)
      throws InterruptedException {
    StringBuilder text = new StringBuilder();
    long promptTokens = 0;
    long completionTokens = 0;
    while (true) {
      StreamedEvent event = subscription.next(WAIT);
      if (event == null) {
        continue;
      }
      switch (event.type()) {
        case EventTypes.ASSISTANT_DELTA -> text.append(event.data().path("text").asText());
        case EventTypes.ASSISTANT_MESSAGE -> {
          promptTokens += event.data().path("usage").path("prompt_tokens").asLong();
          completionTokens += event.data().path("usage").path("completion_tokens").asLong();
        }
        case EventTypes.DONE -> {
          sendAnswer(exchange, event.data(), text.toString(), id, model, promptTokens, completionTokens);
          return;
        }
        default -> { }
      }
    }
  }

  private void sendAnswer(ApiExchange exchange, JsonNode done, String text, String id, String model,
      long promptTokens, long completionTokens) {
    String reason = done.path("reason").asText();
    if (!reason.equals(RunEnd.COMPLETED.wireName()) && !reason.equals(RunEnd.STEP_LIMIT.wireName())) {
      exchange.sendError(statusFor(reason), "run_" + reason, done.path("message").asText(reason));
      return;
    }
    ObjectNode response = json.createObjectNode();
    response.put("id", id);
    response.put("object", "chat.completion");
    response.put("created", System.currentTimeMillis() / 1000);
    response.put("model", model);
    ObjectNode choice = response.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text);
    choice.put("finish_reason", reason.equals(RunEnd.COMPLETED.wireName()) ? "stop" : "length");
    response.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    exchange.sendJson(200, response);
  }

  static int statusFor(String reason) {
    return switch (reason) {
      case "budget" -> 429;
      case "timed_out" -> 504;
      case "aborted" -> 409;
      default -> 502;
    };
  }

  private void stream(ApiExchange exchange, EventSubscription subscription, String id, String model)
      throws InterruptedException, IOException {
    exchange.startEvents();
    long created = System.currentTimeMillis() / 1000;
    exchange.writeData(exchange.text(chunk(id, model, created, json.createObjectNode().put("role", "assistant"),
        null)));
    while (true) {
      StreamedEvent event = subscription.next(WAIT);
      if (event == null) {
        exchange.write(": keep-alive\n\n");
        continue;
      }
      switch (event.type()) {
        case EventTypes.ASSISTANT_DELTA -> exchange.writeData(exchange.text(chunk(id, model, created,
            json.createObjectNode().put("content", event.data().path("text").asText()), null)));
        case EventTypes.TOOL_CALL, EventTypes.TOOL_DENIED -> exchange.write(": " + event.type() + " "
            + event.data().path("name").asText().replaceAll("[\\r\\n]", " ") + "\n\n");
        case EventTypes.DONE -> {
          finishStream(exchange, event.data(), id, model, created);
          return;
        }
        default -> { }
      }
    }
  }

  private void finishStream(ApiExchange exchange, JsonNode done, String id, String model, long created)
      throws IOException {
    String reason = done.path("reason").asText();
    if (reason.equals(RunEnd.COMPLETED.wireName()) || reason.equals(RunEnd.STEP_LIMIT.wireName())) {
      String finish = reason.equals(RunEnd.COMPLETED.wireName()) ? "stop" : "length";
      exchange.writeData(exchange.text(chunk(id, model, created, json.createObjectNode(), finish)));
    } else {
      ObjectNode error = json.createObjectNode();
      error.putObject("error").put("type", "run_" + reason).put("message", done.path("message").asText(reason));
      exchange.writeData(exchange.text(error));
    }
    exchange.finish("data: [DONE]\n\n");
  }

  private ObjectNode chunk(String id, String model, long created, ObjectNode delta, String finishReason) {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model);
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk;
  }

  /** The text of the last message when it is the user's: a string, or the text parts of a content array. */
  static Optional<String> lastUserText(JsonNode messages) {
    if (!messages.isArray() || messages.isEmpty()) {
      return Optional.empty();
    }
    JsonNode last = messages.get(messages.size() - 1);
    if (!last.path("role").asText().equals("user")) {
      return Optional.empty();
    }
    JsonNode content = last.path("content");
    if (content.isTextual()) {
      return content.asText().isBlank() ? Optional.empty() : Optional.of(content.asText());
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("type").asText().equals("text")) {
        text.append(part.path("text").asText());
      }
    }
    return text.isEmpty() ? Optional.empty() : Optional.of(text.toString());
  }
}
