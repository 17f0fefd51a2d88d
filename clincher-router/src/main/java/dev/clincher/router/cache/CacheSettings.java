package dev.clincher.router.cache;

import dev.clincher.cache.index.IndexBounds;
import dev.clincher.cache.store.RedisClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The response cache as configured by LiteLLM's {@code litellm_settings.cache: true} and {@code cache_params}.
 *
 * @param type           where entries live
 * @param semantic       whether questions also match by meaning (redis-semantic; local with a threshold)
 * @param redis          the Redis endpoint ({@code host}/{@code port}/{@code password}, else {@code REDIS_HOST}/
 *                       {@code REDIS_PORT}/{@code REDIS_PASSWORD}); empty for {@code local}
 * @param keyPrefix      Redis key prefix ({@code clincher:cache:} plus LiteLLM's {@code namespace})
 * @param ttl            entry lifetime ({@code ttl}, default 3600 s)
 * @param threshold      least similarity of a semantic candidate ({@code similarity_threshold}; default 0.80 with
 *                       the in-process model, whose candidates the verification stage then checks, 0.96 with another)
 * @param embeddingModel a {@code model_name} of {@code model_list} to embed with, through the router's own providers;
 *                       empty: the in-process ONNX all-MiniLM-L6-v2 (the default)
 * @param verificationThreshold least probability of the verification stage for a semantic hit
 *                       ({@code verification_threshold}, default the shipped model's); empty: no verification stage
 *                       (not semantic, or an embedding model other than the in-process one)
 * @param maxEntryBytes  largest answer stored
 * @param bounds         entries and bytes of vectors kept per namespace ({@code max_entries_per_namespace},
 *                       {@code max_bytes_per_namespace}) and namespaces kept ({@code max_namespaces})
 * @param directory      where the embedded ({@code local}) cache keeps its index and answers across restarts
 *                       ({@code disk_cache_dir}); empty: in memory only
 * @param warnings       settings worth a warning at start-up (a threshold below the calibrated one, …)
 */
public record CacheSettings(Type type, boolean semantic, Optional<RedisClients.Endpoint> redis, String keyPrefix, Duration ttl,
    float threshold, Optional<String> embeddingModel, Optional<Double> verificationThreshold, int maxEntryBytes,
    IndexBounds bounds, Optional<Path> directory,
    List<String> warnings) {

  /** LiteLLM's cache types the router implements. */
  public enum Type {
    /** Exact matches in this process's memory; semantic too when {@code similarity_threshold} is set. */
    LOCAL,
    /** Exact matches in Redis. */
    REDIS,
    /** Exact and semantic matches in Redis. */
    REDIS_SEMANTIC;

    boolean semantic(boolean thresholdSet) {
      return this == REDIS_SEMANTIC || (this == LOCAL && thresholdSet);
    }
  }

  public CacheSettings {
    warnings = List.copyOf(warnings);
  }
}
