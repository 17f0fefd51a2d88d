package dev.clincher.common.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a config tree to a Java record (or class) with Jackson, strictly:
 *
 * <ul>
 *   <li>YAML keys are {@code snake_case}; record components are {@code camelCase} ({@code allowed_domains} binds to
 *       {@code allowedDomains}); use {@code @JsonProperty} for any other spelling.
 *   <li>Unknown keys fail; {@code null} for a primitive fails; a fraction for an integer fails. Enum values match
 *       case-insensitively. Strings convert to numbers and booleans, so {@code port: ${PORT}} works.
 *   <li>A check in a record's compact constructor that throws {@link IllegalArgumentException} becomes a
 *       {@link ConfigException} with its message as the reason.
 * </ul>
 *
 * Errors name source, key path (e.g. {@code model_list[0].litellm_params.api_key}) and reason, never the value.
 */
public final class ConfigBinder {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .build();

  private ConfigBinder() {}

  /** Binds {@code tree} to {@code type}; {@code source} names the file in errors. */
  public static <T> T bind(JsonNode tree, Class<T> type, String source) throws ConfigException {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (JsonMappingException e) {
      throw new ConfigException(source, keyPath(e.getPath()), reason(e));
    } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ConfigException(source, "", "invalid configuration (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Renders Jackson's path as {@code a.b[0].c}. */
  static String keyPath(List<JsonMappingException.Reference> path) {
    StringBuilder text = new StringBuilder();
    for (JsonMappingException.Reference step : path) {
      if (step.getFieldName() != null) {
        if (!text.isEmpty()) {
          text.append('.');
        }
        text.append(step.getFieldName());
      } else if (step.getIndex() >= 0) {
        text.append('[').append(step.getIndex()).append(']');
      }
    }
    return text.toString();
  }

  private static String reason(JsonMappingException e) {
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown key" + knownKeys(unknown.getKnownPropertyIds());
    }
    if (e instanceof InvalidFormatException invalid) {
      return "expected " + describe(invalid.getTargetType());
    }
    if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
      return "expected " + describe(mismatched.getTargetType());
    }
    if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException invalid) {
      return invalid.getMessage() == null ? "invalid value" : invalid.getMessage();
    }
    return "invalid value";
  }

  private static String knownKeys(Collection<Object> known) {
    if (known == null || known.isEmpty()) {
      return "";
    }
    return " (known keys: " + known.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
  }

  /** A type as an operator would say it: "an integer", "true or false", "one of [enforce, report]". */
  static String describe(Class<?> type) {
    if (type == null) {
      return "a different value";
    }
    if (type.isEnum()) {
      return "one of " + java.util.Arrays.stream(type.getEnumConstants())
          .map(c -> ((Enum<?>) c).name().toLowerCase(java.util.Locale.ROOT))
          .toList();
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class
        || type == short.class || type == Short.class || type == byte.class || type == Byte.class
        || type == BigInteger.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class
        || type == BigDecimal.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class || type == Secret.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping (key: value)";
    }
    return "a " + type.getSimpleName();
  }
}
