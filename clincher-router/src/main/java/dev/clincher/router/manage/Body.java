package dev.clincher.router.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.metering.BudgetPeriod;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * One management request's fields, read with LiteLLM's meaning: a field that is absent or {@code null} leaves the
 * setting as it was (the {@code otherwise} argument), so one reader serves creating and partial updates. Every refusal
 * names the field. A GET route's query parameters come as text; the number readers accept that too.
 */
final class Body {
  static final int MAX_TEXT = 256;
  static final int MAX_LIST = 1000;
  static final int MAX_METADATA_BYTES = 16 * 1024;
  private static final String DURATION_HINT = "expected a duration such as 30s, 30m, 24h, 30d, 1w or 1mo";

  private final JsonNode node;

  private Body(JsonNode node) {
    this.node = node;
  }

  /** The fields of {@code node} (a JSON object), refusing any not in {@code supported}. */
  static Body of(JsonNode node, Set<String> supported) throws ManagementException {
    if (node == null || !node.isObject()) {
      throw ManagementException.badRequest(null, "the request body must be a JSON object");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!supported.contains(field.getKey())) {
        throw ManagementException.badRequest(field.getKey(), "'" + printable(field.getKey())
            + "' is not supported by this router (supported: " + String.join(", ", new TreeSet<>(supported)) + ")");
      }
    }
    return new Body(node);
  }

  /** An empty body (a route without fields). */
  static JsonNode empty() {
    return JsonNodeFactory.instance.objectNode();
  }

  boolean has(String field) {
    JsonNode value = node.get(field);
    return value != null && !value.isNull();
  }

  /** Text of at most 256 characters, not blank. */
  Optional<String> text(String field, Optional<String> otherwise) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    JsonNode value = node.get(field);
    if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > MAX_TEXT) {
      throw ManagementException.badRequest(field, "'" + field + "' must be a non-empty string of at most " + MAX_TEXT
          + " characters");
    }
    return Optional.of(value.asText());
  }

  Optional<String> text(String field) throws ManagementException {
    return text(field, Optional.empty());
  }

  String required(String field) throws ManagementException {
    return text(field).orElseThrow(() -> ManagementException.badRequest(field, "'" + field + "' is required"));
  }

  /** A budget in USD: a number above 0. */
  OptionalDouble money(String field, OptionalDouble otherwise) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    JsonNode value = node.get(field);
    if (!value.isNumber() || !Double.isFinite(value.asDouble()) || value.asDouble() <= 0) {
      throw ManagementException.badRequest(field, "'" + field + "' must be a number of USD above 0");
    }
    return OptionalDouble.of(value.asDouble());
  }

  /** A limit: a whole number, 0 or more. */
  OptionalLong limit(String field, OptionalLong otherwise) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    JsonNode value = node.get(field);
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
      throw ManagementException.badRequest(field, "'" + field + "' must be a whole number, 0 or more");
    }
    return OptionalLong.of(value.asLong());
  }

  boolean flag(String field, boolean otherwise) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    if (!node.get(field).isBoolean()) {
      throw ManagementException.badRequest(field, "'" + field + "' must be true or false");
    }
    return node.get(field).asBoolean();
  }

  /** {@code budget_duration}: LiteLLM's duration text. */
  Optional<BudgetPeriod> period(String field, Optional<BudgetPeriod> otherwise) throws ManagementException {
    Optional<String> text = text(field);
    if (text.isEmpty()) {
      return otherwise;
    }
    return Optional.of(BudgetPeriod.parse(text.get())
        .orElseThrow(() -> ManagementException.badRequest(field, "'" + field + "': " + DURATION_HINT)));
  }

  /** A list of non-empty strings of at most 256 characters. */
  List<String> strings(String field, List<String> otherwise) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    JsonNode value = node.get(field);
    if (!value.isArray() || value.size() > MAX_LIST) {
      throw ManagementException.badRequest(field, "'" + field + "' must be a list of at most " + MAX_LIST
          + " strings");
    }
    List<String> items = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual() || item.asText().isEmpty() || item.asText().length() > MAX_TEXT) {
        throw ManagementException.badRequest(field, "'" + field + "' must be a list of non-empty strings of at most "
            + MAX_TEXT + " characters");
      }
      items.add(item.asText());
    }
    return items;
  }

  /** {@code metadata}: a JSON object of at most 16 KiB, as text. */
  String metadata(String field, String otherwise) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    JsonNode value = node.get(field);
    if (!value.isObject()) {
      throw ManagementException.badRequest(field, "'" + field + "' must be a JSON object");
    }
    String text = value.toString();
    if (text.length() > MAX_METADATA_BYTES) {
      throw ManagementException.badRequest(field, "'" + field + "' must be at most " + MAX_METADATA_BYTES + " bytes");
    }
    return text;
  }

  /** When a key stops working: LiteLLM's {@code duration} from now, or {@code expires} (ISO-8601); not both. */
  Optional<Instant> expiry(Instant now, Optional<Instant> otherwise) throws ManagementException {
    Optional<String> duration = text("duration");
    Optional<String> expires = text("expires");
    if (duration.isPresent() && expires.isPresent()) {
      throw ManagementException.badRequest("duration", "give 'duration' or 'expires', not both");
    }
    if (duration.isPresent()) {
      BudgetPeriod period = BudgetPeriod.parse(duration.get())
          .orElseThrow(() -> ManagementException.badRequest("duration", "'duration': " + DURATION_HINT));
      return Optional.of(now.atZone(ZoneOffset.UTC).plus(period.amount(), period.unit()).toInstant());
    }
    if (expires.isEmpty()) {
      return otherwise;
    }
    try {
      return Optional.of(Instant.parse(expires.get()));
    } catch (DateTimeParseException e) {
      throw ManagementException.badRequest("expires", "'expires': expected an ISO-8601 UTC time such as "
          + "2030-01-01T00:00:00Z");
    }
  }

  /** A page number or size: a whole number 1..{@code max} (JSON number or query text). */
  int page(String field, int otherwise, int max) throws ManagementException {
    if (!has(field)) {
      return otherwise;
    }
    String text = node.get(field).asText();
    try {
      int value = Integer.parseInt(text);
      if (value >= 1 && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ManagementException.badRequest(field, "'" + field + "' must be a whole number 1.." + max);
  }

  /** The raw value of {@code field} (for shapes such as LiteLLM's {@code member}). */
  JsonNode raw(String field) {
    return node.path(field);
  }

  /** Query parameters as a body (each parameter's first value, as text). */
  static ObjectNode query(Map<String, String> parameters) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    parameters.forEach(body::put);
    return body;
  }

  /** A field name or value as it may appear in a message: bounded, printable ASCII. */
  static String printable(String text) {
    String bounded = text.length() > 100 ? text.substring(0, 100) + "…" : text;
    return bounded.replaceAll("[^\\x20-\\x7E…]", "?");
  }
}
