package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Voyage AI embeddings ({@code POST <api_base>/embeddings}): OpenAI's {@code dimensions} becomes Voyage's
 * {@code output_dimension}, {@code encoding_format: base64} passes through, {@code user} is dropped, and the answer's
 * {@code usage.total_tokens} is also reported as {@code prompt_tokens}. Voyage has no chat: chat answers 501.
 */
public final class VoyageProvider implements Provider {
  private final org.eclipse.jetty.client.HttpClient http;
  private final ObjectMapper json;

  public VoyageProvider(org.eclipse.jetty.client.HttpClient http, ObjectMapper json) {
    this.http = http;
    this.json = json;
  }

  @Override
  public CompletableFuture<Completion> embed(DeploymentConfig deployment, ObjectNode request) {
    ObjectNode voyage = json.createObjectNode();
    voyage.set("input", request.get("input"));
    voyage.put("model", request.path("model").asText());
    if (request.path("dimensions").canConvertToInt()) {
      voyage.put("output_dimension", request.path("dimensions").asInt());
    }
    if ("base64".equals(request.path("encoding_format").asText())) {
      voyage.put("encoding_format", "base64");
    }
    org.eclipse.jetty.client.Request call = HttpCalls.post(http, deployment,
        OpenAiProvider.endpoint(deployment, "/embeddings"), json, voyage, false);
    deployment.apiKey().ifPresent(key -> call.headers(headers ->
        headers.put(org.eclipse.jetty.http.HttpHeader.AUTHORIZATION, "Bearer " + key.reveal())));
    return HttpCalls.send(call, deployment, json, VoyageProvider::toOpenAi);
  }

  private static ObjectNode toOpenAi(ObjectNode answer) {
    JsonNode usage = answer.path("usage");
    if (usage.isObject() && !usage.has("prompt_tokens")) {
      ((ObjectNode) usage).put("prompt_tokens", usage.path("total_tokens").asLong(0));
    }
    answer.put("object", "list");
    return answer;
  }

  @Override
  public CompletableFuture<Completion> complete(DeploymentConfig deployment, ObjectNode request) {
    return CompletableFuture.failedFuture(noChat(deployment));
  }

  @Override
  public ChunkStream stream(DeploymentConfig deployment, ObjectNode request) throws ProviderException {
    throw noChat(deployment);
  }

  private static ProviderException noChat(DeploymentConfig deployment) {
    return new ProviderException(501, "invalid_request_error", "provider_not_supported",
        "deployment " + deployment.id() + " is a Voyage embeddings model: it has no chat", Optional.empty());
  }
}
