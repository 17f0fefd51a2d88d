package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import java.util.concurrent.CompletableFuture;

/**
 * Calls one provider's API with an OpenAI-shaped chat request and answers in OpenAI's shape. The OpenAI-compatible
 * implementation passes requests through; an Anthropic one translates both ways behind the same two methods.
 */
public interface Provider {
  /**
   * Sends a non-streamed completion. The future fails with {@link ProviderException}; cancelling it cancels the
   * upstream call.
   *
   * @param request the client's request with {@code model} already set to the deployment's upstream model
   */
  CompletableFuture<Completion> complete(DeploymentConfig deployment, ObjectNode request);

  /**
   * Opens a streamed completion, returning once the upstream answered with a success status.
   *
   * @throws ProviderException when the upstream answered an error or could not be reached
   */
  ChunkStream stream(DeploymentConfig deployment, ObjectNode request) throws ProviderException, InterruptedException;

  /**
   * Computes embeddings for an OpenAI-shaped {@code /v1/embeddings} request, answering OpenAI's list shape.
   * Providers without embeddings keep this default: 501.
   */
  default CompletableFuture<Completion> embed(DeploymentConfig deployment, ObjectNode request) {
    return CompletableFuture.failedFuture(new ProviderException(501, "invalid_request_error", "provider_not_supported",
        "provider " + deployment.provider().prefix() + " (deployment " + deployment.id() + ") has no embeddings",
        java.util.Optional.empty()));
  }
}
