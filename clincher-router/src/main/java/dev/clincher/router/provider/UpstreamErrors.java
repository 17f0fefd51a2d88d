package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;

/**
 * Turns an upstream error answer into a {@link ProviderException} a client may see: the provider's own
 * {@code error.message}/{@code type}/{@code code} when it sent OpenAI's shape, with credentials scrubbed; a generic
 * message for authentication failures (they are the operator's problem, not the client's). An answer carrying an
 * egress proxy's reason header is the proxy refusing a plain-HTTP call, reported as {@link Unreachable}.
 */
final class UpstreamErrors {
  /** Longest upstream error body read. */
  static final int MAX_ERROR_BYTES = 64 * 1024;
  /** Longest upstream message passed on. */
  private static final int MAX_MESSAGE_CHARS = 2000;
  /** A Retry-After beyond this is treated as this: no deployment is waited for longer. */
  private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

  private UpstreamErrors() {}

  static ProviderException from(int status, HttpFields headers, byte[] body, Optional<Secret> apiKey,
      String deploymentId, ObjectMapper json) {
    Optional<Duration> retryAfter = retryAfter(headers);
    if (Unreachable.proxyReason(headers).isPresent()) { // a plain-HTTP call refused by the egress, not the provider
      return ProviderException.unreachable(deploymentId, Unreachable.proxyRefused(status, headers));
    }
    if (status == 401 || status == 403) {
      return new ProviderException(status, "authentication_error", "upstream_auth_failed",
          "the provider rejected the router's credentials for deployment " + deploymentId + " (HTTP " + status
              + " from the provider; check the deployment's api_key)", retryAfter);
    }
    JsonNode error = parse(body, json).path("error");
    String message = error.path("message").isTextual() ? error.path("message").asText()
        : "the provider answered HTTP " + status;
    String type = error.path("type").isTextual() ? error.path("type").asText() : defaultType(status);
    String code = error.path("code").isValueNode() && !error.path("code").isNull() ? error.path("code").asText() : null;
    return new ProviderException(status, type, code, scrub(message, apiKey), retryAfter);
  }

  private static JsonNode parse(byte[] body, ObjectMapper json) {
    try {
      return json.readTree(new String(body, 0, Math.min(body.length, MAX_ERROR_BYTES), StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      return json.createObjectNode();
    }
  }

  static String defaultType(int status) {
    return switch (status) {
      case 400, 404, 409, 413, 422 -> "invalid_request_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  private static String scrub(String message, Optional<Secret> apiKey) {
    String text = message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) : message;
    if (apiKey.isPresent() && !apiKey.get().isEmpty()) {
      text = text.replace(apiKey.get().reveal(), "****");
    }
    return text.replaceAll("(sk|gsk|xai)-[A-Za-z0-9_\\-*]{8,}", "****");
  }

  /** {@code retry-after-ms}, else {@code Retry-After} as seconds or an HTTP date; at most 10 minutes. */
  static Optional<Duration> retryAfter(HttpFields headers) {
    Optional<Duration> value = Optional.ofNullable(headers.get("retry-after-ms")).flatMap(UpstreamErrors::millis)
        .or(() -> Optional.ofNullable(headers.get("retry-after")).flatMap(UpstreamErrors::secondsOrDate));
    return value.map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d);
  }

  private static Optional<Duration> millis(String text) {
    try {
      double ms = Double.parseDouble(text.trim());
      return ms >= 0 && Double.isFinite(ms) ? Optional.of(Duration.ofMillis((long) ms)) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static Optional<Duration> secondsOrDate(String text) {
    try {
      double seconds = Double.parseDouble(text.trim());
      return seconds >= 0 && Double.isFinite(seconds)
          ? Optional.of(Duration.ofMillis((long) (seconds * 1000))) : Optional.empty();
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(text.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration wait = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }
}
