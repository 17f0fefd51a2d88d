package dev.clincher.router.keys;

import java.util.Objects;
import java.util.Optional;

/**
 * A member of a team (LiteLLM's {@code Member}).
 *
 * @param userId    the internal user
 * @param userEmail the user's e-mail, if known
 * @param role      {@code admin} or {@code user} (recorded; management stays with the master key)
 */
public record TeamMember(String userId, Optional<String> userEmail, String role) {
  /** LiteLLM's team roles. */
  public static final java.util.Set<String> ROLES = java.util.Set.of("admin", "user");

  public TeamMember {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(userEmail, "userEmail");
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("role must be admin or user");
    }
  }
}
