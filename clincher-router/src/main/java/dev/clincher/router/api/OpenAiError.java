package dev.clincher.router.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.provider.ProviderException;
import dev.clincher.router.routing.RoutingException;
import dev.clincher.router.spend.Refusal;
import java.time.Duration;
import java.util.Optional;

/**
 * An error in OpenAI's shape, {@code {"error":{"message":…,"type":…,"param":…,"code":…}}}, with its HTTP status.
 * Messages never contain keys or request content.
 *
 * @param status     HTTP status
 * @param message    for the client
 * @param type       e.g. {@code invalid_request_error}, {@code authentication_error}, {@code rate_limit_error}
 * @param param      the request field at fault, or null
 * @param code       a machine-readable code, or null
 * @param retryAfter sent as {@code Retry-After} when present
 */
public record OpenAiError(int status, String message, String type, String param, String code,
    Optional<Duration> retryAfter) {

  /** 400 about one request field. */
  public static OpenAiError invalidRequest(String param, String message) {
    return new OpenAiError(400, message, "invalid_request_error", param, null, Optional.empty());
  }

  /** 400 for a value out of range or of the wrong shape (OpenAI's {@code invalid_value}). */
  public static OpenAiError invalidValue(String param, String message) {
    return new OpenAiError(400, message, "invalid_request_error", param, "invalid_value", Optional.empty());
  }

  /** 404 for a model no deployment serves (OpenAI's {@code model_not_found}). */
  public static OpenAiError modelNotFound(String model) {
    return new OpenAiError(404, "The model '" + printable(model) + "' does not exist on this router",
        "invalid_request_error", "model", "model_not_found", Optional.empty());
  }

  /** A budget's or a limit's refusal, as the client sees it. */
  public static OpenAiError from(Refusal refusal) {
    return new OpenAiError(refusal.status(), refusal.message(), refusal.type(), refusal.param(), refusal.code(),
        refusal.retryAfter());
  }

  /** 429 when the router or a group has no room. */
  public static OpenAiError from(RoutingException e) {
    return new OpenAiError(429, e.getMessage(), "rate_limit_error", null, "router_capacity", e.retryAfter());
  }

  /** The provider's error, with the status it answered (502 when it could not be reached). */
  public static OpenAiError from(ProviderException e) {
    if ("budget_exceeded".equals(e.type())) { // every deployment's own budget was spent: LiteLLM answers 400
      return new OpenAiError(400, e.getMessage(), e.type(), null, "400", e.retryAfter());
    }
    return new OpenAiError(e.clientStatus(), e.getMessage(), e.type(), null, e.code(), e.retryAfter());
  }

  /** The JSON body. */
  public ObjectNode toJson(ObjectMapper json) {
    ObjectNode root = json.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", message).put("type", type).put("param", param).put("code", code);
    return root;
  }

  /** A model name as it may appear in a message: bounded, printable ASCII. */
  static String printable(String text) {
    String bounded = text.length() > 200 ? text.substring(0, 200) + "…" : text;
    return bounded.replaceAll("[^\\x20-\\x7E…]", "?");
  }
}
