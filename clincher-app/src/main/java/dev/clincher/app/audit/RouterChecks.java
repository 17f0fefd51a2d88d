package dev.clincher.app.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The router, which holds the provider keys and the money: a strong master key read from a file, provider keys only
 * as files of the router (never in its config or another service), the way out through the egress proxy, and a
 * budget somewhere.
 */
public final class RouterChecks implements Check {
  static final int MIN_MASTER_KEY_CHARS = 32;
  private static final String ENV_REFERENCE = "os.environ/";

  @Override
  public List<Finding> run(Deployment deployment) {
    List<Finding> findings = new ArrayList<>();
    Optional<Map<String, Object>> config = deployment.text(deployment.configPath("router.yaml", "router.yaml")).flatMap(RouterChecks::parse);
    if (config.isEmpty()) {
      findings.add(Finding.critical("router.config.invalid", "config/router.yaml is missing or not YAML",
          "the router will not start", "write it again: clincher deploy init " + deployment.directory()));
      return findings;
    }
    masterKey(deployment, ComposeFile.mapping(config.get().get("general_settings")), findings);
    providerKeys(deployment, config.get(), findings);
    budgets(config.get(), findings);
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    deployment.service("router").forEach(part -> environment.putAll(ComposeFile.environmentOf(part)));
    if (deployment.kind() == Deployment.Kind.COMPOSE
        && !environment.getOrDefault("HTTPS_PROXY", "").contains("egress")) {
      findings.add(Finding.critical("router.egress.proxy", "the router's HTTPS_PROXY is "
          + environment.getOrDefault("HTTPS_PROXY", "unset"), "provider calls must leave through the egress "
          + "proxy, the only service with a way out", "services.router.environment.HTTPS_PROXY: http://egress:4750"));
    }
    return findings;
  }

  static Optional<Map<String, Object>> parse(String text) {
    try {
      Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
      return parsed instanceof Map<?, ?> ? Optional.of(ComposeFile.mapping(parsed)) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void masterKey(Deployment deployment, Map<String, Object> general, List<Finding> findings) {
    String configured = String.valueOf(general.getOrDefault("master_key", ""));
    if (!configured.isEmpty() && !configured.startsWith(ENV_REFERENCE)) {
      findings.add(Finding.critical("router.master_key.in_config", "general_settings.master_key is written in "
          + "config/router.yaml", "a key in a config file ends up in backups, diffs and support tickets",
          "config/router.yaml: master_key: os.environ/LITELLM_MASTER_KEY, the key in secrets/litellm_master_key"));
      return;
    }
    Optional<String> key = deployment.secretFile("router", deployment.kind() == Deployment.Kind.UP
        ? deployment.env().get("LITELLM_MASTER_KEY_FILE") : "/run/secrets/litellm_master_key")
        .flatMap(SecretChecks::read);
    if (key.isPresent() && key.get().length() < MIN_MASTER_KEY_CHARS) {
      findings.add(Finding.critical("router.master_key.strength", "the router's master key has "
          + key.get().length() + " characters", "the master key creates keys and reads all spend",
          "replace secrets/litellm_master_key with sk- and at least 32 random characters, and "
              + "secrets/gateway_router_key with the same"));
    }
  }

  private static void providerKeys(Deployment deployment, Map<String, Object> config, List<Finding> findings) {
    Object models = config.get("model_list");
    if (models instanceof List<?> list) {
      for (Object model : list) {
        Map<String, Object> params = ComposeFile.mapping(ComposeFile.mapping(model).get("litellm_params"));
        Object apiKey = params.get("api_key");
        if (apiKey != null && looksLikeAKey(String.valueOf(apiKey))) {
          findings.add(Finding.critical("router.provider_key.in_config", "model "
              + ComposeFile.mapping(model).get("model_name") + " has its api_key written in config/router.yaml",
              "a provider key in a config file ends up in backups and diffs", "config/router.yaml: api_key: "
                  + "os.environ/NAME, the key in secrets/providers/ and NAME_FILE in config/router.env"));
        }
      }
    }
    for (ComposeFile file : deployment.composeFiles()) {
      file.services().forEach((service, settings) -> {
        boolean mountsKeys = ComposeFile.strings(settings.get("volumes")).stream()
            .anyMatch(volume -> volume.contains("secrets/providers"));
        if (mountsKeys && !service.equals("router")) {
          findings.add(Finding.critical("router.provider_key.only_router", "service " + service
              + " mounts secrets/providers", "provider keys belong to the router alone: the gateway runs "
              + "untrusted text and the others have no use for them", "remove the secrets/providers volume from "
              + "services." + service));
        }
      });
    }
  }

  /** Not a reference, and not a placeholder such as {@code dummy} or {@code ollama} that local servers ignore. */
  private static boolean looksLikeAKey(String value) {
    return !value.startsWith(ENV_REFERENCE) && (value.startsWith("sk-") || value.length() >= 16);
  }

  private static void budgets(Map<String, Object> config, List<Finding> findings) {
    boolean global = ComposeFile.mapping(config.get("litellm_settings")).containsKey("max_budget");
    boolean perModel = config.get("model_list") instanceof List<?> list && list.stream().anyMatch(model ->
        ComposeFile.mapping(ComposeFile.mapping(model).get("litellm_params")).containsKey("max_budget"));
    if (!global && !perModel) {
      findings.add(Finding.warn("router.budget.none", "no global or per-model budget in config/router.yaml",
          "an agent in a loop spends until the provider's own limit stops it; keys' budgets still apply",
          "config/router.yaml: litellm_settings.max_budget (USD) with budget_duration, e.g. 30d"));
    }
  }
}
