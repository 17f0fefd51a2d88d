package dev.clincher.router.config;

import dev.clincher.common.config.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of {@code model_list}: a deployment that serves the public {@code modelName}.
 *
 * @param id                  unique id ({@code model_info.id}, else {@code <model_name>#<index>}); shown in headers
 * @param modelName           the name clients ask for; deployments sharing it form a group
 * @param provider            who serves it
 * @param upstreamModel       the model name sent to the provider (prefix removed)
 * @param apiKey              the provider key; empty when not configured (or its variable is unset)
 * @param apiBase             where to send requests ({@code api_base}, else the provider's default)
 * @param organization        OpenAI organization header, if any
 * @param rpm                 requests per minute the deployment may take; 0 = not set
 * @param tpm                 tokens per minute; 0 = not set
 * @param weight              relative share in simple-shuffle; 0 = not set
 * @param timeout             timeout of a non-streamed call, and until a stream's response headers
 * @param streamTimeout       longest wait for each event of a stream (the first included)
 * @param maxParallelRequests requests in flight to this deployment at most
 * @param cost                its own prices and budget
 */
public record DeploymentConfig(
    String id,
    String modelName,
    ProviderKind provider,
    String upstreamModel,
    Optional<Secret> apiKey,
    Optional<URI> apiBase,
    Optional<String> organization,
    long rpm,
    long tpm,
    double weight,
    Duration timeout,
    Duration streamTimeout,
    int maxParallelRequests,
    CostSettings cost) {

  /** A deployment without prices or budget of its own. */
  public DeploymentConfig(String id, String modelName, ProviderKind provider, String upstreamModel,
      Optional<Secret> apiKey, Optional<URI> apiBase, Optional<String> organization, long rpm, long tpm, double weight,
      Duration timeout, Duration streamTimeout, int maxParallelRequests) {
    this(id, modelName, provider, upstreamModel, apiKey, apiBase, organization, rpm, tpm, weight, timeout,
        streamTimeout, maxParallelRequests, CostSettings.NONE);
  }

  public DeploymentConfig {
    Objects.requireNonNull(cost, "cost");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(upstreamModel, "upstreamModel");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(apiBase, "apiBase");
    Objects.requireNonNull(organization, "organization");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(streamTimeout, "streamTimeout");
    if (rpm < 0 || tpm < 0 || weight < 0 || maxParallelRequests < 1) {
      throw new IllegalArgumentException("rpm, tpm and weight must be >= 0 and max_parallel_requests >= 1");
    }
  }
}
