package dev.clincher.router.config;

import java.util.Map;
import java.util.Optional;

/**
 * What the router does with each LiteLLM key it does not support yet.
 *
 * <p>The rule: a key is {@link Verdict#FAIL} when ignoring it would let through something the operator meant to stop
 * (spend caps, access control, rate limits, guardrails); it is {@link Verdict#WARN} when ignoring it only changes
 * performance, observability, which deployment serves, or makes the router <em>stricter</em> than asked. Supported
 * keys are not listed here: {@link RouterConfigReader} reads them. A key in neither place is a typo and fails.
 */
final class KeyPolicy {
  /** What happens to a key the router knows of but does not implement. */
  enum Verdict { WARN, FAIL }

  /** One decision with the reason the operator reads. */
  record Entry(Verdict verdict, String reason) {}

  private static final String NOT_YET = "not supported yet; ignored";
  private static final String SPEND = "spend limits are not enforced yet; refusing to run without them";
  private static final String ACCESS = "access control is not enforced yet; refusing to run without it";

  private static final Map<String, Entry> KEYS = Map.ofEntries(
      // top level
      warn("environment_variables", "set provider variables in the process environment instead"),
      warn("credential_list", NOT_YET),
      warn("callback_settings", NOT_YET),
      fail("guardrails", "guardrails are not implemented; refusing to run without them"),
      // model_list[].litellm_params
      warn("litellm_params.max_retries", "retries are governed by num_retries"),
      warn("litellm_params.api_version", NOT_YET),
      warn("litellm_params.drop_params", NOT_YET),
      warn("litellm_params.extra_headers", NOT_YET),
      warn("litellm_params.tags", NOT_YET),
      warn("litellm_params.region_name", NOT_YET),
      // router_settings
      warn("router_settings.allowed_fails_policy", "allowed_fails applies to every error kind"),
      warn("router_settings.routing_strategy_args", NOT_YET),
      warn("router_settings.cache_responses", "the response cache is not implemented yet"),
      warn("router_settings.optional_pre_call_checks", NOT_YET),
      fail("router_settings.provider_budget_config", SPEND),
      // litellm_settings
      warn("litellm_settings.drop_params", NOT_YET),
      warn("litellm_settings.set_verbose", "log level comes from CLINCHER_LOG_LEVEL"),
      warn("litellm_settings.modify_params", NOT_YET),
      warn("litellm_settings.telemetry", "the router sends no telemetry"),
      fail("litellm_settings.default_team_settings", ACCESS),
      fail("litellm_settings.guardrails", "guardrails are not implemented; refusing to run without them"),
      // general_settings
      warn("general_settings.alerting_threshold", NOT_YET),
      warn("general_settings.background_health_checks", NOT_YET),
      warn("general_settings.health_check_interval", NOT_YET),
      warn("general_settings.litellm_key_header_name", "only Authorization: Bearer is read"),
      warn("general_settings.public_routes", "every route but health needs the master key or a virtual key"),
      warn("general_settings.forward_client_headers_to_llm_api", "client headers are never forwarded"),
      warn("general_settings.max_response_size_mb", NOT_YET),
      warn("general_settings.proxy_batch_write_at", NOT_YET),
      warn("general_settings.store_model_in_db", "models come from this file only"),
      warn("general_settings.enable_jwt_auth", "only the master key and virtual keys are accepted"),
      fail("general_settings.allowed_ips", ACCESS),
      fail("general_settings.allowed_routes", ACCESS),
      fail("general_settings.admin_only_routes", ACCESS),
      fail("general_settings.enforce_user_param", ACCESS),
      fail("general_settings.custom_auth", ACCESS),
      fail("general_settings.max_budget", SPEND));

  private KeyPolicy() {}

  /**
   * The verdict for {@code key} in {@code section} ({@code ""} for the top level, else e.g. {@code router_settings}
   * or {@code litellm_params}); empty when the key is unknown.
   */
  static Optional<Entry> lookup(String section, String key) {
    return Optional.ofNullable(KEYS.get(section.isEmpty() ? key : section + "." + key));
  }

  private static Map.Entry<String, Entry> warn(String key, String reason) {
    return Map.entry(key, new Entry(Verdict.WARN, reason));
  }

  private static Map.Entry<String, Entry> fail(String key, String reason) {
    return Map.entry(key, new Entry(Verdict.FAIL, reason));
  }
}
