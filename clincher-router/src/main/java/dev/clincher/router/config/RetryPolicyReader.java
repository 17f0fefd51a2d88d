package dev.clincher.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.common.config.ConfigException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads {@code router_settings.retry_policy} ({@code {RateLimitErrorRetries: 3, ...}}) and
 * {@code router_settings.model_group_retry_policy} ({@code {model_name: {same keys}}}). Unknown keys, values that
 * are not whole numbers 0..10 and groups that are not a model_name fail start-up, naming the key.
 */
final class RetryPolicyReader {
  static final int MAX_RETRIES = 10;
  private static final Set<String> POLICY_KEYS =
      Arrays.stream(ErrorKind.values()).map(ErrorKind::policyKey).collect(Collectors.toUnmodifiableSet());

  private final ConfigContext context;

  RetryPolicyReader(ConfigContext context) {
    this.context = context;
  }

  RetryPolicy policy(ConfigSection router) throws ConfigException {
    return router.has("retry_policy") ? read(router.section("retry_policy", "retry_policy")) : RetryPolicy.NONE;
  }

  Map<String, RetryPolicy> groupPolicies(ConfigSection router, Set<String> groups) throws ConfigException {
    String key = "model_group_retry_policy";
    ConfigSection section = router.section(key, key);
    JsonNode node = router.raw(key);
    Map<String, RetryPolicy> policies = new LinkedHashMap<>();
    if (!node.isObject()) {
      return policies;
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      if (!groups.contains(entry.getKey())) {
        throw context.error(section.childPath(entry.getKey()),
            "'" + entry.getKey() + "' is not a model_name of model_list");
      }
      policies.put(entry.getKey(), read(section.section(entry.getKey(), "retry_policy")));
    }
    return policies;
  }

  private RetryPolicy read(ConfigSection policy) throws ConfigException {
    policy.checkKeys(POLICY_KEYS);
    Map<ErrorKind, Integer> retries = new EnumMap<>(ErrorKind.class);
    for (ErrorKind kind : ErrorKind.values()) {
      if (!policy.has(kind.policyKey())) {
        continue;
      }
      long value = policy.wholeNumber(kind.policyKey(), 0);
      if (value > MAX_RETRIES) {
        throw context.error(policy.childPath(kind.policyKey()), "at most " + MAX_RETRIES);
      }
      retries.put(kind, (int) value);
    }
    return new RetryPolicy(retries);
  }
}
