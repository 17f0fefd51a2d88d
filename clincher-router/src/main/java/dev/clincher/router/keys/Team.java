package dev.clincher.router.keys;

import dev.clincher.router.metering.BudgetPeriod;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A team (LiteLLM's {@code LiteLLM_TeamTable}): keys of the team call only models the team may call, and share its
 * budget and limits.
 *
 * @param teamId              its id (given, or a random UUID)
 * @param alias               {@code team_alias}, unique
 * @param models              public model names its keys may call; empty = every model
 * @param maxBudget           USD the team may spend per {@code budgetDuration} (or in total without one)
 * @param budgetDuration      the budget's window, if it resets
 * @param rpmLimit            requests per minute at most, over all its keys
 * @param tpmLimit            tokens per minute at most, over all its keys
 * @param maxParallelRequests calls in flight at once over all its keys, at most (across routers sharing Redis)
 * @param blocked             every key of the team is refused while blocked
 * @param metadataJson        {@code metadata}, a JSON object as text
 * @param members             its members and their roles
 * @param createdAt           when it was created
 * @param updatedAt           when it last changed
 */
public record Team(String teamId, Optional<String> alias, List<String> models, OptionalDouble maxBudget,
    Optional<BudgetPeriod> budgetDuration, OptionalLong rpmLimit, OptionalLong tpmLimit,
    OptionalLong maxParallelRequests, boolean blocked, String metadataJson, List<TeamMember> members,
    Instant createdAt, Instant updatedAt) {
  public Team {
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(alias, "alias");
    models = List.copyOf(models);
    Objects.requireNonNull(maxBudget, "maxBudget");
    Objects.requireNonNull(budgetDuration, "budgetDuration");
    Objects.requireNonNull(metadataJson, "metadataJson");
    members = List.copyOf(members);
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /** Whether the team's keys may call {@code modelName}. */
  public boolean allows(String modelName) {
    return ModelAccess.allows(models, modelName);
  }

  /** The same team with {@code members}. */
  public Team withMembers(List<TeamMember> members) {
    return new Team(teamId, alias, models, maxBudget, budgetDuration, rpmLimit, tpmLimit, maxParallelRequests, blocked,
        metadataJson, members, createdAt, updatedAt);
  }
}
