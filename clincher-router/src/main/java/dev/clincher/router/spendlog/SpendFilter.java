package dev.clincher.router.spendlog;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which records {@link SpendLog#query} returns: every present condition must hold.
 *
 * @param keyHash    the virtual key's SHA-256
 * @param team       the team
 * @param endUser    the end user
 * @param modelGroup the model group
 * @param from       records at or after this instant
 * @param to         records before this instant
 */
public record SpendFilter(Optional<String> keyHash, Optional<String> team, Optional<String> endUser,
    Optional<String> modelGroup, Optional<Instant> from, Optional<Instant> to) {
  /** Every record. */
  public static final SpendFilter ALL = new SpendFilter(Optional.empty(), Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty());

  public SpendFilter {
    Objects.requireNonNull(keyHash, "keyHash");
    Objects.requireNonNull(team, "team");
    Objects.requireNonNull(endUser, "endUser");
    Objects.requireNonNull(modelGroup, "modelGroup");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
      throw new IllegalArgumentException("from must be before to");
    }
  }

  public SpendFilter withKeyHash(String hash) {
    return new SpendFilter(Optional.of(hash), team, endUser, modelGroup, from, to);
  }

  public SpendFilter withTeam(String name) {
    return new SpendFilter(keyHash, Optional.of(name), endUser, modelGroup, from, to);
  }

  public SpendFilter withEndUser(String user) {
    return new SpendFilter(keyHash, team, Optional.of(user), modelGroup, from, to);
  }

  public SpendFilter withModelGroup(String model) {
    return new SpendFilter(keyHash, team, endUser, Optional.of(model), from, to);
  }

  /** Records in [{@code start}, {@code end}). */
  public SpendFilter between(Instant start, Instant end) {
    return new SpendFilter(keyHash, team, endUser, modelGroup, Optional.of(start), Optional.of(end));
  }
}
