package dev.clincher.socketproxy.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Narrows {@code GET /containers/json} and {@code GET /events} to sandbox containers by adding a label filter to
 * the {@code filters} query parameter. Docker ANDs label filters, so whatever the client asked for, it only sees
 * containers (and events of containers) that carry the label.
 *
 * <p>The query is decoded the way Go decodes it ({@code +} is a space, {@code %XX} escapes, also in names), then
 * rebuilt from scratch, so nothing the client wrote reaches Docker unread: unknown parameters, repeated
 * parameters, semicolons and malformed escapes are refused; {@code filters} is parsed strictly (either Docker form:
 * {@code {"label":{"a":true}}} or {@code {"label":["a"]}}) and re-serialized in the map form.
 */
public final class ListingFilter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PARAMETERS = Set.of("all", "limit", "size", "since", "until", "before",
      "filters");

  private ListingFilter() {}

  /** Returns the rewritten query (without the leading {@code ?}). */
  public static String withLabel(String rawQuery, String label) throws BodyDeniedException {
    Map<String, String> parameters = parse(rawQuery);
    Map<String, Set<String>> filters = filters(parameters.getOrDefault("filters", ""));
    filters.computeIfAbsent("label", key -> new LinkedHashSet<>()).add(label);
    parameters.put("filters", serialize(filters));
    List<String> pairs = new ArrayList<>();
    parameters.forEach((name, value) -> pairs.add(encode(name) + "=" + encode(value)));
    return String.join("&", pairs);
  }

  private static Map<String, String> parse(String rawQuery) throws BodyDeniedException {
    Map<String, String> parameters = new LinkedHashMap<>();
    if (rawQuery.isEmpty()) {
      return parameters;
    }
    if (rawQuery.indexOf(';') >= 0) {
      throw new BodyDeniedException("query", "semicolons in the query are ambiguous");
    }
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (!PARAMETERS.contains(name)) {
        throw new BodyDeniedException("query", "unknown query parameter for a listing");
      }
      if (parameters.put(name, value) != null) {
        throw new BodyDeniedException("query", "a query parameter appears twice");
      }
    }
    return parameters;
  }

  private static Map<String, Set<String>> filters(String json) throws BodyDeniedException {
    Map<String, Set<String>> filters = new LinkedHashMap<>();
    if (json.isEmpty()) {
      return filters;
    }
    ObjectNode root = StrictJson.parseObject(json.getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, JsonNode> filter : root.properties()) {
      filters.put(filter.getKey(), values(filter.getValue()));
    }
    return filters;
  }

  private static Set<String> values(JsonNode node) throws BodyDeniedException {
    Set<String> values = new LinkedHashSet<>();
    if (node.isObject()) {
      node.properties().forEach(entry -> values.add(entry.getKey()));
      return values;
    }
    if (node.isArray()) {
      for (JsonNode item : node) {
        if (!item.isTextual()) {
          throw new BodyDeniedException("query", "filter values must be strings");
        }
        values.add(item.textValue());
      }
      return values;
    }
    throw new BodyDeniedException("query", "filters must map names to lists or sets of values");
  }

  private static String serialize(Map<String, Set<String>> filters) {
    ObjectNode root = JSON.createObjectNode();
    filters.forEach((name, values) -> {
      ObjectNode set = root.putObject(name);
      values.forEach(value -> set.put(value, true));
    });
    return root.toString();
  }

  private static String decode(String raw) throws BodyDeniedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
            || Character.digit(raw.charAt(i + 2), 16) < 0) {
          throw new BodyDeniedException("query", "malformed percent-encoding in the query");
        }
        bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      } else {
        bytes.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new BodyDeniedException("query", "the query is not valid UTF-8");
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
