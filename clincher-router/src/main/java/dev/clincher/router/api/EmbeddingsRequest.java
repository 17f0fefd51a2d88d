package dev.clincher.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Checks a {@code POST /v1/embeddings} body: {@code model} (a string) and {@code input} (a string, or a non-empty
 * array of strings or token arrays) are required; {@code encoding_format}, {@code dimensions} and {@code user} pass
 * through.
 */
final class EmbeddingsRequest {
  private EmbeddingsRequest() {}

  static ObjectNode parse(byte[] bytes, ObjectMapper json) throws ChatRequest.InvalidRequest {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (IOException e) {
      throw new ChatRequest.InvalidRequest(OpenAiError.invalidRequest(null, "the request body is not valid JSON"));
    }
    if (tree == null || !tree.isObject()) {
      throw new ChatRequest.InvalidRequest(OpenAiError.invalidRequest(null, "the request body must be a JSON object"));
    }
    if (!tree.path("model").isTextual() || tree.path("model").asText().isBlank()) {
      throw new ChatRequest.InvalidRequest(OpenAiError.invalidRequest("model", "'model' is required (a string)"));
    }
    JsonNode input = tree.path("input");
    boolean valid = input.isTextual() || (input.isArray() && !input.isEmpty());
    if (!valid) {
      throw new ChatRequest.InvalidRequest(OpenAiError.invalidRequest("input",
          "'input' is required (a string or a non-empty array)"));
    }
    for (String refused : new String[] {"api_key", "api_base", "base_url", "api_version", "custom_llm_provider"}) {
      if (tree.has(refused)) {
        throw new ChatRequest.InvalidRequest(OpenAiError.invalidRequest(refused,
            "'" + refused + "' is not accepted by this router"));
      }
    }
    return (ObjectNode) tree;
  }
}
