package dev.clincher.router.keys;

import java.util.Objects;
import java.util.Optional;

/**
 * Who sent a request, once their key checked out.
 *
 * @param name for logs: {@code master} for the master key, {@code key:<first 12 hex digits of the key's id>} for a
 *             virtual key; never the key itself
 * @param key  the virtual key's record; empty for the master key
 * @param team the key's team, when it has one and it exists
 * @param user the key's internal user, when it has one and it exists
 */
public record Caller(String name, Optional<VirtualKey> key, Optional<Team> team, Optional<InternalUser> user) {
  public static final Caller MASTER = new Caller("master", Optional.empty());

  public Caller {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(team, "team");
    Objects.requireNonNull(user, "user");
  }

  /** A caller without team or user. */
  public Caller(String name, Optional<VirtualKey> key) {
    this(name, key, Optional.empty(), Optional.empty());
  }

  /** A caller with a virtual key of no team and no user. */
  public static Caller of(VirtualKey key) {
    return of(key, Optional.empty(), Optional.empty());
  }

  /** A caller with a virtual key, its team and its user as found. */
  public static Caller of(VirtualKey key, Optional<Team> team, Optional<InternalUser> user) {
    return new Caller(key.logName(), Optional.of(key), team, user);
  }

  /** True for the master key (admin: management routes, every model, no key limits). */
  public boolean isMaster() {
    return key.isEmpty();
  }

  /**
   * Whether this caller may use the public model {@code modelName}: the key's {@code models}, and the team's for a
   * team key, else the user's for a personal key (LiteLLM's order).
   */
  public boolean allows(String modelName) {
    return deniedBy(modelName).isEmpty();
  }

  /** Which list refuses {@code modelName}: {@code key}, {@code team} or {@code user}; empty when allowed. */
  public Optional<String> deniedBy(String modelName) {
    if (key.isEmpty()) {
      return Optional.empty();
    }
    if (!key.get().allows(modelName)) {
      return Optional.of("key");
    }
    if (team.isPresent()) {
      return team.get().allows(modelName) ? Optional.empty() : Optional.of("team");
    }
    return user.filter(u -> !u.allows(modelName)).map(u -> "user");
  }
}
