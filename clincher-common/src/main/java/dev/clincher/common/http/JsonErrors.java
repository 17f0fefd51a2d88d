package dev.clincher.common.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The project's error body, {@code {"error":{"type":"not_found","message":"..."}}}, and a helper to send it. */
public final class JsonErrors {
  /** Content type of every JSON body the services send. */
  public static final String JSON_CONTENT_TYPE = "application/json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonErrors() {}

  /** The JSON error body. {@code message} must not contain secrets or request content. */
  public static String body(String type, String message) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("error").put("type", type).put("message", message);
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings always serializes", e);
    }
  }

  /** The error type for an HTTP status: {@code 404} is {@code not_found}, {@code 503} {@code service_unavailable}. */
  public static String typeFor(int status) {
    String reason = HttpStatus.getMessage(status);
    if (reason == null || reason.isBlank() || reason.equals(String.valueOf(status))) {
      return status >= 500 ? "server_error" : "client_error";
    }
    return reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
  }

  /** Sends {@code status} with the JSON error body, completing {@code callback}. */
  public static void send(Response response, Callback callback, int status, String type, String message) {
    sendJson(response, callback, status, body(type, message));
  }

  /** Sends {@code status} with the error type derived from the status, see {@link #typeFor(int)}. */
  public static void send(Response response, Callback callback, int status, String message) {
    send(response, callback, status, typeFor(status), message);
  }

  /** Sends a JSON body with {@code Cache-Control: no-store}. */
  public static void sendJson(Response response, Callback callback, int status, String json) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_CONTENT_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), callback);
  }
}
