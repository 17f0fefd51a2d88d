package dev.clincher.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.spend.CallEstimate;
import java.io.IOException;
import java.util.Set;

/**
 * A validated {@code POST /v1/chat/completions} body. Everything the client sent passes through to the provider
 * ({@code tools}, {@code tool_choice}, {@code parallel_tool_calls}, {@code response_format}, {@code stop},
 * {@code max_tokens}/{@code max_completion_tokens}, {@code temperature}, {@code top_p}, {@code user}, …) except
 * fields that would steer the router itself, which are refused.
 *
 * @param body         the request as JSON
 * @param model        the public model name asked for
 * @param stream       whether the client wants SSE
 * @param includeUsage {@code stream_options.include_usage}
 * @param estimate     how large the call can get (for budget reservations)
 */
public record ChatRequest(ObjectNode body, String model, boolean stream, boolean includeUsage,
    CallEstimate estimate) {
  /** Output limits above this are refused as absurd (no model writes ten million tokens in one answer). */
  static final long MAX_OUTPUT_LIMIT = 10_000_000;
  /** Fields with which LiteLLM lets a client redirect the call or its key: never accepted from clients here. */
  private static final Set<String> REFUSED = Set.of("api_key", "api_base", "base_url", "api_version",
      "custom_llm_provider", "mock_response");

  /** Parses and checks a body. */
  public static ChatRequest parse(byte[] bytes, ObjectMapper json) throws InvalidRequest {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (IOException e) {
      throw new InvalidRequest(OpenAiError.invalidRequest(null, "the request body is not valid JSON"));
    }
    if (tree == null || !tree.isObject()) {
      throw new InvalidRequest(OpenAiError.invalidRequest(null, "the request body must be a JSON object"));
    }
    ObjectNode body = (ObjectNode) tree;
    for (String field : REFUSED) {
      if (body.has(field)) {
        throw new InvalidRequest(OpenAiError.invalidRequest(field, "'" + field + "' is not accepted by this router"));
      }
    }
    JsonNode model = body.path("model");
    if (!model.isTextual() || model.asText().isBlank()) {
      throw new InvalidRequest(OpenAiError.invalidRequest("model", "'model' is required (a string)"));
    }
    JsonNode messages = body.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      throw new InvalidRequest(OpenAiError.invalidRequest("messages", "'messages' is required (a non-empty array)"));
    }
    JsonNode n = body.path("n");
    if (!n.isMissingNode() && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1)) {
      throw new InvalidRequest(OpenAiError.invalidRequest("n", "only n=1 is supported: send one request per choice"));
    }
    JsonNode stream = body.path("stream");
    if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
      throw new InvalidRequest(OpenAiError.invalidRequest("stream", "'stream' must be true or false"));
    }
    for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
      JsonNode limit = body.path(field);
      if (!limit.isMissingNode() && !limit.isNull()
          && !(limit.isIntegralNumber() && limit.canConvertToLong() && limit.asLong() >= 1
              && limit.asLong() <= MAX_OUTPUT_LIMIT)) {
        throw new InvalidRequest(OpenAiError.invalidValue(field, "'" + field + "' must be a whole number from 1 to "
            + MAX_OUTPUT_LIMIT));
      }
    }
    JsonNode user = body.path("user");
    if (!user.isMissingNode() && !user.isNull()
        && !(user.isTextual() && user.asText().length() <= dev.clincher.router.spend.Payer.MAX_END_USER_CHARS)) {
      throw new InvalidRequest(OpenAiError.invalidValue("user", "'user' must be a string of at most "
          + dev.clincher.router.spend.Payer.MAX_END_USER_CHARS + " characters"));
    }
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    return new ChatRequest(body, model.asText(), stream.asBoolean(false), includeUsage,
        CallEstimate.chat(body, bytes.length));
  }

  /** The body to send to a deployment: a copy with the deployment's upstream model name. */
  public ObjectNode forUpstream(String upstreamModel) {
    // A shallow copy: the fields' values are shared with the client's body and must not be changed in place (replace
    // a field instead, as ModelCalls does with stream_options). A deep copy was a sixth of the allocation per request.
    ObjectNode copy = body.objectNode();
    copy.setAll(body);
    copy.put("model", upstreamModel);
    return copy;
  }

  /** A request the router refuses, with the error to answer. */
  public static final class InvalidRequest extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient OpenAiError error;

    InvalidRequest(OpenAiError error) {
      super(error.message());
      this.error = error;
    }

    public OpenAiError error() {
      return error;
    }
  }
}
