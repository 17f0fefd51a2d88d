package dev.clincher.router.config;

import dev.clincher.common.config.RotatingSecret;
import dev.clincher.router.tls.CaBundle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A LiteLLM {@code config.yaml} as the router uses it, read by {@link RouterConfigReader}.
 *
 * @param deployments    every {@code model_list} entry, in file order
 * @param masterKey      the key clients present as {@code Authorization: Bearer ...}; re-read on SIGHUP from its file
 * @param routing        strategy, retries and cooldown
 * @param maxRequestBytes largest request body accepted ({@code general_settings.max_request_size_mb})
 * @param maxParallelRequests requests in flight at most, over all deployments
 * @param fallbacks      {@code fallbacks}/{@code context_window_fallbacks}/...: group → groups to try next
 * @param aliases        {@code model_group_alias}: other names for groups
 * @param notices        unsupported keys that were ignored, one line each (logged once at start-up)
 * @param spend          where virtual keys and spend counters are kept
 * @param caBundle       the CAs provider connections trust instead of the JDK's ({@code litellm_settings.ssl_verify}
 *                       as a path, else {@code SSL_CERT_FILE})
 * @param rotationGrace  how long a replaced master key or metrics token keeps working after SIGHUP re-read its file
 *                       ({@code general_settings.rotation_grace}, seconds; default 3600)
 */
public record RouterConfig(
    List<DeploymentConfig> deployments,
    RotatingSecret masterKey,
    RoutingSettings routing,
    FallbackSettings fallbacks,
    long maxRequestBytes,
    int maxParallelRequests,
    List<String> notices,
    SpendSettings spend,
    ModelAliases aliases,
    Optional<CaBundle> caBundle,
    java.time.Duration rotationGrace) {

  public RouterConfig {
    Objects.requireNonNull(spend, "spend");
    Objects.requireNonNull(aliases, "aliases");
    Objects.requireNonNull(caBundle, "caBundle");
    deployments = List.copyOf(deployments);
    notices = List.copyOf(notices);
    Objects.requireNonNull(masterKey, "masterKey");
    Objects.requireNonNull(routing, "routing");
    Objects.requireNonNull(fallbacks, "fallbacks");
  }

  /**
   * Retries, cooldown and strategy.
   *
   * @param strategy      how a deployment is picked in a group
   * @param numRetries    retries after the first attempt ({@code num_retries})
   * @param retryAfter    least wait before a retry ({@code router_settings.retry_after})
   * @param allowedFails  failures within a minute before a deployment cools down ({@code allowed_fails})
   * @param cooldownTime  how long a failing deployment is skipped ({@code cooldown_time})
   * @param cooldowns     false when {@code disable_cooldowns} is set
   * @param retryPolicy   {@code retry_policy}: retries per error kind, over {@code num_retries}
   * @param groupRetryPolicies {@code model_group_retry_policy}: model_name → its policy, over {@code retry_policy}
   */
  public record RoutingSettings(
      RoutingStrategy strategy,
      int numRetries,
      Duration retryAfter,
      int allowedFails,
      Duration cooldownTime,
      boolean cooldowns,
      RetryPolicy retryPolicy,
      Map<String, RetryPolicy> groupRetryPolicies) {

    public RoutingSettings {
      Objects.requireNonNull(strategy, "strategy");
      Objects.requireNonNull(retryPolicy, "retryPolicy");
      groupRetryPolicies = Map.copyOf(groupRetryPolicies);
      if (numRetries < 0 || numRetries > 10 || allowedFails < 1) {
        throw new IllegalArgumentException("num_retries must be 0..10 and allowed_fails >= 1");
      }
    }

    /** Without retry policies: {@code num_retries} for every error kind. */
    public RoutingSettings(RoutingStrategy strategy, int numRetries, Duration retryAfter, int allowedFails,
        Duration cooldownTime, boolean cooldowns) {
      this(strategy, numRetries, retryAfter, allowedFails, cooldownTime, cooldowns, RetryPolicy.NONE, Map.of());
    }

    /** The retries a policy sets for {@code kind} in {@code group}: the group's own, else {@code retry_policy}'s. */
    public OptionalInt policyRetries(String group, ErrorKind kind) {
      OptionalInt own = groupRetryPolicies.getOrDefault(group, RetryPolicy.NONE).retries(kind);
      return own.isPresent() ? own : retryPolicy.retries(kind);
    }

    /** LiteLLM's defaults: simple-shuffle, no retries, 3 allowed fails, 5 s cooldown. */
    public static RoutingSettings defaults() {
      return new RoutingSettings(RoutingStrategy.SIMPLE_SHUFFLE, 0, Duration.ZERO, 3, Duration.ofSeconds(5), true);
    }
  }
}
