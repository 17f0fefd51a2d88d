package dev.clincher.router.keys;

import java.util.List;

/** LiteLLM's model lists of keys, teams and users: empty, {@code all-proxy-models} or {@code *} mean every model. */
public final class ModelAccess {
  /** LiteLLM's names for "every model". */
  public static final List<String> EVERY_MODEL = List.of("all-proxy-models", "*");
  /** In a team key's {@code models}: whatever the team may call. */
  public static final String ALL_TEAM_MODELS = "all-team-models";

  private ModelAccess() {}

  /** Whether {@code models} allows {@code modelName}. */
  public static boolean allows(List<String> models, String modelName) {
    return models.isEmpty() || models.contains(modelName) || models.stream().anyMatch(EVERY_MODEL::contains);
  }

  /** Whether {@code models} names every model. */
  public static boolean everyModel(List<String> models) {
    return models.isEmpty() || models.stream().anyMatch(EVERY_MODEL::contains);
  }
}
