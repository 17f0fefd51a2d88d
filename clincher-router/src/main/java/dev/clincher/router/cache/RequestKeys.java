package dev.clincher.router.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.cache.semantic.CacheKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the {@link CacheKey} of a chat request.
 *
 * <ul>
 *   <li><b>scope</b> (must be equal for any reuse): the caller (tenant), the request's {@code user}, the model group,
 *       the embedding model, every parameter except the messages and the transport-only fields ({@code stream},
 *       {@code stream_options}, {@code cache}) — so {@code tools}, {@code tool_choice}, {@code response_format},
 *       {@code temperature}, {@code top_p}, {@code seed}, {@code max_tokens}, {@code stop}, … — and every message
 *       before the last one (the system prompt and the conversation so far);</li>
 *   <li><b>request</b>: the last message (exact match = same scope and same last message);</li>
 *   <li><b>question</b>: the last message's text when it is a user message (matched by meaning within the scope).</li>
 * </ul>
 * JSON is written with object keys sorted, so key order and whitespace do not matter.
 */
public final class RequestKeys {
  private static final Set<String> TRANSPORT = Set.of("messages", "stream", "stream_options", "cache", "model", "user");

  private final ObjectMapper json;

  public RequestKeys(ObjectMapper json) {
    this.json = json;
  }

  /** The key of {@code body} (the client's request) sent by {@code tenant} to {@code group}. */
  public CacheKey key(String tenant, String group, String embeddingModel, ObjectNode body) {
    ObjectNode scope = json.createObjectNode();
    scope.put("tenant", tenant).put("group", group).put("embedding", embeddingModel);
    scope.set("user", body.path("user").deepCopy());
    ObjectNode params = scope.putObject("params");
    body.properties().forEach(field -> {
      if (!TRANSPORT.contains(field.getKey())) {
        params.set(field.getKey(), field.getValue());
      }
    });
    JsonNode messages = body.path("messages");
    ArrayNode context = scope.putArray("context");
    for (int i = 0; i < messages.size() - 1; i++) {
      context.add(messages.get(i));
    }
    JsonNode last = messages.get(messages.size() - 1);
    return new CacheKey(canonical(scope), canonical(last), question(last));
  }

  /** The text of a user message (string content, or its text parts joined). */
  static Optional<String> question(JsonNode message) {
    if (!"user".equals(message.path("role").asText())) {
      return Optional.empty();
    }
    JsonNode content = message.path("content");
    if (content.isTextual()) {
      return Optional.of(content.asText());
    }
    if (!content.isArray()) {
      return Optional.empty();
    }
    List<String> texts = new ArrayList<>();
    for (JsonNode part : content) {
      if (!"text".equals(part.path("type").asText())) {
        return Optional.empty(); // images, audio, files: exact matches only
      }
      texts.add(part.path("text").asText());
    }
    return Optional.of(String.join("\n", texts));
  }

  /** JSON text with object keys sorted at every level. */
  static String canonical(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(node, out);
    return out.toString();
  }

  private static void write(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      out.append('{');
      for (int i = 0; i < names.size(); i++) {
        out.append(i == 0 ? "" : ",").append(com.fasterxml.jackson.databind.node.TextNode.valueOf(names.get(i)))
            .append(':');
        write(node.get(names.get(i)), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        out.append(i == 0 ? "" : ",");
        write(node.get(i), out);
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }
}
