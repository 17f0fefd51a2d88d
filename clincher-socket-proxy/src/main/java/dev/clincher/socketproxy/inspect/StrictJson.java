package dev.clincher.socketproxy.inspect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Parses a JSON request body so that the proxy sees exactly what Docker will execute, or refuses it.
 *
 * <p>Docker decodes with Go's {@code encoding/json}: keys match fields case-insensitively and the last duplicate
 * wins, so {@code {"Privileged":false,"privileged":true}} runs privileged. This parser refuses any object with two
 * keys that fold to the same name ({@link GoFold}), at any depth; keys that are ambiguous between Go versions;
 * anything that is not one valid UTF-8 JSON document (trailing data, comments, NaN, a byte order mark, NUL bytes);
 * and nesting deeper than {@link #MAX_DEPTH}.
 */
public final class StrictJson {
  /** Deepest nesting accepted; Docker's create body needs about 6. */
  public static final int MAX_DEPTH = 32;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
      .build();

  private StrictJson() {}

  /** Parses a body whose top level must be an object. */
  public static ObjectNode parseObject(byte[] body) throws BodyDeniedException {
    checkBytes(body);
    try (JsonParser parser = FACTORY.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new BodyDeniedException("invalid_json", "the body must be a JSON object");
      }
      ObjectNode root = readObject(parser, 1);
      if (parser.nextToken() != null) {
        throw new BodyDeniedException("invalid_json", "data after the JSON object");
      }
      return root;
    } catch (IOException e) {
      throw new BodyDeniedException("invalid_json", "the body is not valid JSON");
    }
  }

  private static void checkBytes(byte[] body) throws BodyDeniedException {
    for (byte b : body) {
      if (b == 0) {
        throw new BodyDeniedException("invalid_json", "NUL byte in the body");
      }
    }
    if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
      throw new BodyDeniedException("invalid_json", "byte order mark before the JSON");
    }
  }

  private static ObjectNode readObject(JsonParser parser, int depth) throws IOException, BodyDeniedException {
    checkDepth(depth);
    ObjectNode object = JsonNodeFactory.instance.objectNode();
    Set<String> folded = new HashSet<>();
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      if (GoFold.isAmbiguous(key)) {
        throw new BodyDeniedException("ambiguous_key", "a key uses a non-ASCII letter that Docker may read as ASCII");
      }
      if (!folded.add(GoFold.fold(key))) {
        throw new BodyDeniedException("duplicate_key",
            "the key '" + printable(key) + "' appears twice (Docker ignores letter case and keeps the last)");
      }
      object.set(key, readValue(parser, parser.nextToken(), depth));
    }
    if (token != JsonToken.END_OBJECT) {
      throw new BodyDeniedException("invalid_json", "unterminated object");
    }
    return object;
  }

  private static ArrayNode readArray(JsonParser parser, int depth) throws IOException, BodyDeniedException {
    checkDepth(depth);
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (token == null) {
        throw new BodyDeniedException("invalid_json", "unterminated array");
      }
      array.add(readValue(parser, token, depth));
    }
    return array;
  }

  private static JsonNode readValue(JsonParser parser, JsonToken token, int depth)
      throws IOException, BodyDeniedException {
    if (token == null) {
      throw new BodyDeniedException("invalid_json", "truncated JSON");
    }
    return switch (token) {
      case START_OBJECT -> readObject(parser, depth + 1);
      case START_ARRAY -> readArray(parser, depth + 1);
      case VALUE_STRING -> JsonNodeFactory.instance.textNode(parser.getText());
      case VALUE_NUMBER_INT -> JsonNodeFactory.instance.numberNode(parser.getBigIntegerValue());
      case VALUE_NUMBER_FLOAT -> JsonNodeFactory.instance.numberNode(parser.getDecimalValue());
      case VALUE_TRUE -> JsonNodeFactory.instance.booleanNode(true);
      case VALUE_FALSE -> JsonNodeFactory.instance.booleanNode(false);
      case VALUE_NULL -> JsonNodeFactory.instance.nullNode();
      default -> throw new BodyDeniedException("invalid_json", "unexpected JSON token");
    };
  }

  private static void checkDepth(int depth) throws BodyDeniedException {
    if (depth > MAX_DEPTH) {
      throw new BodyDeniedException("invalid_json", "JSON nested too deeply");
    }
  }

  /** A key for a message: ASCII letters, digits and a few marks only, at most 40 characters. */
  static String printable(String key) {
    String kept = key.replaceAll("[^A-Za-z0-9_.-]", "?");
    return kept.length() > 40 ? kept.substring(0, 40) + "…" : kept;
  }
}
