package dev.clincher.router.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.Vectors;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.provider.Providers;
import java.util.concurrent.TimeUnit;

/**
 * Embeds through one of the router's own deployments (e.g. the seed's {@code voyage/voyage-3-lite}), with the
 * provider code the {@code /v1/embeddings} route uses. Failures surface as runtime exceptions: the cache then treats
 * the request as exact-match only.
 */
final class RouterEmbedder implements Embedder {
  /** Longest wait for an embedding: the request waits on it, so it is far shorter than a completion's timeout. */
  static final java.time.Duration MAX_WAIT = java.time.Duration.ofSeconds(10);
  private final DeploymentConfig deployment;
  private final Providers providers;
  private final ObjectMapper json;
  private volatile int dimensions;

  RouterEmbedder(DeploymentConfig deployment, Providers providers, ObjectMapper json) {
    this.deployment = deployment;
    this.providers = providers;
    this.json = json;
  }

  @Override
  public float[] embed(String text) {
    ObjectNode request = json.createObjectNode().put("model", deployment.upstreamModel());
    request.putArray("input").add(text);
    long waitMillis = Math.min(MAX_WAIT.toMillis(), deployment.timeout().toMillis());
    JsonNode vector;
    var call = providers.forKind(deployment.provider()).embed(deployment, request);
    try {
      vector = call.get(waitMillis, TimeUnit.MILLISECONDS).body().path("data").path(0).path("embedding");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while embedding", e);
    } catch (Exception e) {
      call.cancel(true); // the provider call itself has no timeout: the wait above bounds it
      throw new IllegalStateException("embedding through " + deployment.id() + " failed", e);
    }
    if (!vector.isArray() || vector.isEmpty()) {
      throw new IllegalStateException("deployment " + deployment.id() + " answered no embedding");
    }
    float[] values = new float[vector.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) vector.get(i).asDouble();
    }
    dimensions = values.length;
    return Vectors.normalised(values);
  }

  @Override
  public int dimensions() {
    return dimensions;
  }

  @Override
  public String modelName() {
    return deployment.modelName();
  }
}
