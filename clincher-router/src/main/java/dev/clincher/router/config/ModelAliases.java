package dev.clincher.router.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code router_settings.model_group_alias}: other names for model groups. A request for an alias is served by its
 * group; {@code /v1/models} lists the aliases that are not hidden.
 *
 * @param aliases alias → its group (a {@code model_name}, chains of aliases already resolved)
 */
public record ModelAliases(Map<String, Alias> aliases) {
  public static final ModelAliases NONE = new ModelAliases(Map.of());

  /**
   * One alias.
   *
   * @param group  the {@code model_name} that serves it
   * @param hidden true when {@code /v1/models} does not list it
   */
  public record Alias(String group, boolean hidden) {}

  public ModelAliases {
    aliases = Map.copyOf(aliases);
  }

  /** The group serving {@code alias}, when it is one. */
  public Optional<String> group(String alias) {
    return Optional.ofNullable(aliases.get(alias)).map(Alias::group);
  }

  /** The aliases {@code /v1/models} lists, sorted. */
  public List<String> listed() {
    return aliases.entrySet().stream().filter(entry -> !entry.getValue().hidden()).map(Map.Entry::getKey).sorted()
        .toList();
  }
}
