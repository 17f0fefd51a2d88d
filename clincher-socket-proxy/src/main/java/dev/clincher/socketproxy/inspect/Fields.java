package dev.clincher.socketproxy.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a body parsed by {@link StrictJson} the way Go fills a struct: field names match case-insensitively (the
 * parser has already refused two keys for one field), and {@code null} means "not set".
 */
final class Fields {
  private Fields() {}

  /** The value of {@code name} in {@code object}, in any letter case; empty when missing or null. */
  static Optional<JsonNode> get(JsonNode object, String name) {
    if (object == null || !object.isObject()) {
      return Optional.empty();
    }
    String wanted = GoFold.fold(name);
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      if (GoFold.fold(field.getKey()).equals(wanted)) {
        return field.getValue().isNull() ? Optional.empty() : Optional.of(field.getValue());
      }
    }
    return Optional.empty();
  }

  /** An object-valued field; a value of another type is refused, as Docker would fail to decode it. */
  static Optional<ObjectNode> object(JsonNode object, String name) throws BodyDeniedException {
    Optional<JsonNode> value = get(object, name);
    if (value.isPresent() && !value.get().isObject()) {
      throw new BodyDeniedException("invalid_field", name + " must be an object");
    }
    return value.map(ObjectNode.class::cast);
  }

  /** A string field; empty string when missing. */
  static String text(JsonNode object, String name) throws BodyDeniedException {
    Optional<JsonNode> value = get(object, name);
    if (value.isEmpty()) {
      return "";
    }
    if (!value.get().isTextual()) {
      throw new BodyDeniedException("invalid_field", name + " must be a string");
    }
    return value.get().textValue();
  }

  /** A list of strings; empty when missing. */
  static List<String> strings(JsonNode object, String name) throws BodyDeniedException {
    Optional<JsonNode> value = get(object, name);
    List<String> strings = new ArrayList<>();
    if (value.isEmpty()) {
      return strings;
    }
    if (!value.get().isArray()) {
      throw new BodyDeniedException("invalid_field", name + " must be a list");
    }
    for (JsonNode item : value.get()) {
      if (!item.isTextual()) {
        throw new BodyDeniedException("invalid_field", name + " must be a list of strings");
      }
      strings.add(item.textValue());
    }
    return strings;
  }

  /** A whole number; 0 when missing. */
  static long number(JsonNode object, String name) throws BodyDeniedException {
    Optional<JsonNode> value = get(object, name);
    if (value.isEmpty()) {
      return 0;
    }
    if (!value.get().isIntegralNumber() || !value.get().canConvertToLong()) {
      throw new BodyDeniedException("invalid_field", name + " must be an integer");
    }
    return value.get().longValue();
  }

  /** Whether the field is set to anything other than its zero value (null, false, 0, "", empty list or map). */
  static boolean isSet(JsonNode object, String name) {
    return get(object, name).map(value -> !isZeroOrEmpty(value)).orElse(false);
  }

  /** Zero values, where an empty list or object also counts (for fields where empty means "none"). */
  static boolean isZeroOrEmpty(JsonNode value) {
    return isZero(value) || (value.isContainerNode() && value.isEmpty());
  }

  /**
   * Strict zero: null, false, 0, "" or {}. An empty list is not zero, since for some fields ({@code MaskedPaths})
   * Docker reads an empty list as "override the default with nothing".
   */
  static boolean isZero(JsonNode value) {
    return value.isNull()
        || (value.isBoolean() && !value.booleanValue())
        || (value.isNumber() && value.decimalValue().signum() == 0)
        || (value.isTextual() && value.textValue().isEmpty())
        || (value.isObject() && value.isEmpty());
  }

  /** Refuses keys outside {@code known} unless their value is a strict zero (new Docker fields a client zeroes). */
  static void onlyKnown(JsonNode object, Set<String> known, String where) throws BodyDeniedException {
    if (object == null) {
      return;
    }
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      if (!known.contains(GoFold.fold(field.getKey())) && !isZero(field.getValue())) {
        throw new BodyDeniedException("unknown_field",
            where + " field '" + StrictJson.printable(field.getKey()) + "' is not known to the proxy");
      }
    }
  }

  /** Folds a list of field names for {@link #onlyKnown}. */
  static Set<String> foldedSet(String... names) {
    Set<String> set = new java.util.HashSet<>();
    for (String name : names) {
      set.add(GoFold.fold(name));
    }
    return Set.copyOf(set);
  }
}
