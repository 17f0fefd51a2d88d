package dev.clincher.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.common.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code router_settings.model_group_alias}: {@code {alias: model_name}} or
 * {@code {alias: {model: model_name, hidden: true}}}. An alias may name another alias; chains are resolved here, and
 * an alias naming neither a model_name nor an alias, a cycle, or an alias that is also a model_name fail start-up.
 */
final class ModelAliasReader {
  private static final String KEY = "model_group_alias";
  private static final Set<String> ENTRY_KEYS = Set.of("model", "hidden");

  private final ConfigContext context;

  ModelAliasReader(ConfigContext context) {
    this.context = context;
  }

  ModelAliases read(ConfigSection router, Set<String> groups) throws ConfigException {
    ConfigSection section = router.section(KEY, KEY);
    JsonNode node = router.raw(KEY);
    if (!node.isObject()) {
      return ModelAliases.NONE;
    }
    Map<String, String> targets = new LinkedHashMap<>();
    Map<String, Boolean> hidden = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      String alias = entry.getKey();
      String path = section.childPath(alias);
      if (alias.isBlank()) {
        throw context.error(path, "an alias must not be empty");
      }
      if (groups.contains(alias)) {
        throw context.error(path, "'" + alias + "' is a model_name of model_list; an alias must not shadow it");
      }
      readEntry(section, alias, targets, hidden);
    }
    Map<String, ModelAliases.Alias> resolved = new LinkedHashMap<>();
    for (String alias : targets.keySet()) {
      resolved.put(alias, new ModelAliases.Alias(resolve(section, alias, targets, groups), hidden.get(alias)));
    }
    return new ModelAliases(resolved);
  }

  private void readEntry(ConfigSection section, String alias, Map<String, String> targets, Map<String, Boolean> hidden)
      throws ConfigException {
    JsonNode value = section.raw(alias);
    if (value.isTextual()) {
      targets.put(alias, value.asText().trim());
      hidden.put(alias, false);
      return;
    }
    if (!value.isObject()) {
      throw context.error(section.childPath(alias), "expected a model_name or {model: model_name, hidden: true}");
    }
    ConfigSection entry = section.section(alias, KEY + ".entry");
    entry.checkKeys(ENTRY_KEYS);
    targets.put(alias, entry.requiredString("model").trim());
    hidden.put(alias, entry.bool("hidden", false));
  }

  /** Follows {@code alias} through other aliases to a model_name. */
  private String resolve(ConfigSection section, String alias, Map<String, String> targets, Set<String> groups)
      throws ConfigException {
    List<String> chain = new ArrayList<>(List.of(alias));
    String name = targets.get(alias);
    while (!groups.contains(name)) {
      if (!targets.containsKey(name)) {
        throw context.error(section.childPath(alias),
            "'" + name + "' is neither a model_name of model_list nor another alias");
      }
      if (chain.contains(name)) {
        chain.add(name);
        throw context.error(section.childPath(alias), "aliases form a cycle: " + String.join(" -> ", chain));
      }
      chain.add(name);
      name = targets.get(name);
    }
    return name;
  }
}
