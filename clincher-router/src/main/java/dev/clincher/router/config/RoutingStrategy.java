package dev.clincher.router.config;

import java.util.Optional;

/** {@code router_settings.routing_strategy}: how a deployment is chosen inside a group. */
public enum RoutingStrategy {
  /** Random, weighted by {@code weight}, else {@code rpm}, else {@code tpm} (LiteLLM's default). */
  SIMPLE_SHUFFLE("simple-shuffle"),
  /**
   * Skips deployments whose rpm or tpm is used up over the last minute (counted on the shared rate limiter, so exact
   * across routers on one Redis), then takes the one with the fewest tokens in that minute.
   */
  USAGE_BASED_ROUTING_V2("usage-based-routing-v2"),
  /** The deployment with the fewest requests in flight. */
  LEAST_BUSY("least-busy"),
  /** The deployment with the lowest recent latency (time to answer, or to the first chunk of a stream). */
  LATENCY_BASED_ROUTING("latency-based-routing");

  private final String configName;

  RoutingStrategy(String configName) {
    this.configName = configName;
  }

  /** The spelling in LiteLLM's config. */
  public String configName() {
    return configName;
  }

  /** The strategy spelled {@code name} in LiteLLM's config, if supported. */
  public static Optional<RoutingStrategy> byConfigName(String name) {
    for (RoutingStrategy strategy : values()) {
      if (strategy.configName.equals(name)) {
        return Optional.of(strategy);
      }
    }
    return Optional.empty();
  }
}
