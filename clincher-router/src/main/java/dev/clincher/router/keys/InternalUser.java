package dev.clincher.router.keys;

import dev.clincher.router.metering.BudgetPeriod;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * An internal user (LiteLLM's {@code LiteLLM_UserTable}): the owner of personal keys, and a member of teams.
 *
 * @param userId         its id (given, or a random UUID)
 * @param email          {@code user_email}, unique when given
 * @param role           LiteLLM's {@code user_role} (recorded; it grants nothing here: management is the master key's)
 * @param maxBudget      USD the user may spend per {@code budgetDuration} (or in total without one)
 * @param budgetDuration the budget's window, if it resets
 * @param models         public model names the user's personal keys may call; empty = every model
 * @param metadataJson   {@code metadata}, a JSON object as text
 * @param teams          the ids of the teams it is a member of
 * @param createdAt      when it was created
 * @param updatedAt      when it last changed
 */
public record InternalUser(String userId, Optional<String> email, String role, OptionalDouble maxBudget,
    Optional<BudgetPeriod> budgetDuration, List<String> models, String metadataJson, List<String> teams,
    Instant createdAt, Instant updatedAt) {
  /** LiteLLM's user roles. */
  public static final List<String> ROLES =
      List.of("proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer");
  /** LiteLLM's default role. */
  public static final String DEFAULT_ROLE = "internal_user";

  public InternalUser {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(email, "email");
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("unknown user_role");
    }
    Objects.requireNonNull(maxBudget, "maxBudget");
    Objects.requireNonNull(budgetDuration, "budgetDuration");
    models = List.copyOf(models);
    Objects.requireNonNull(metadataJson, "metadataJson");
    teams = List.copyOf(teams);
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** Whether the user's personal keys may call {@code modelName}. */
  public boolean allows(String modelName) {
    return ModelAccess.allows(models, modelName);
  }
}
