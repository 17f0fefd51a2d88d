package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.http.BlockingExchange;
import java.io.IOException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** A gateway API exchange: JSON in, JSON or server-sent events out, errors as {@code {"error":{type,message}}}. */
final class ApiExchange extends BlockingExchange {
  private final ObjectMapper json;

  ApiExchange(Request request, Response response, Callback callback, ObjectMapper json) {
    super(request, response, callback);
    this.json = json;
  }

  /** The body as one JSON object, or empty after answering 413 (too large) or 400 (not one JSON object). */
  java.util.Optional<com.fasterxml.jackson.databind.JsonNode> readJsonObject(long maxBytes) throws IOException {
    java.util.Optional<byte[]> bytes = readBody(maxBytes);
    if (bytes.isEmpty()) {
      sendError(413, "request_too_large", "the request body is larger than " + maxBytes + " bytes");
      return java.util.Optional.empty();
    }
    try {
      com.fasterxml.jackson.databind.JsonNode body = json.readTree(bytes.get());
      if (body != null && body.isObject()) {
        return java.util.Optional.of(body);
      }
    } catch (IOException malformed) {
      // answered below
    }
    sendError(400, "invalid_request", "the body must be one JSON object");
    return java.util.Optional.empty();
  }

  void sendJson(int status, ObjectNode body) {
    sendJson(status, bytes(body));
  }

  void sendError(int status, String type, String message) {
    drainUnreadBody();
    ObjectNode body = json.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("type", type);
    error.put("message", message);
    if (status == 401) {
      header("WWW-Authenticate", "Bearer");
    }
    sendJson(status, body);
  }

  void sendRefusal(ApiAccess.Refusal refusal) {
    if (refusal.retryAfterSeconds() > 0) {
      header("Retry-After", String.valueOf(refusal.retryAfterSeconds()));
    }
    sendError(refusal.status(), refusal.type(), refusal.message());
  }

  /** Writes one SSE event with its id and type. */
  void writeEvent(long id, String type, ObjectNode data) throws IOException {
    write("id: " + id + "\nevent: " + type + "\ndata: " + text(data) + "\n\n");
  }

  /** Writes one {@code data:} line (the OpenAI streaming format). */
  void writeData(String data) throws IOException {
    write("data: " + data + "\n\n");
  }

  byte[] bytes(ObjectNode body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  String text(ObjectNode body) {
    return new String(bytes(body), java.nio.charset.StandardCharsets.UTF_8);
  }
}
