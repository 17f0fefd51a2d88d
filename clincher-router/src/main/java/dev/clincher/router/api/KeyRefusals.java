package dev.clincher.router.api;

import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import java.time.Instant;
import java.util.Optional;

/**
 * LiteLLM's refusals of a virtual key, in its words: before any route (expired, blocked, its team blocked or gone)
 * and for a model its key, team or user may not call.
 */
final class KeyRefusals {
  private KeyRefusals() {}

  /**
   * One refusal of a key.
   *
   * @param rule  what decided, for the log line and the refusals counter: {@code expired_key}, {@code key_blocked},
   *              {@code key_team_missing}, {@code key_user_missing}, {@code team_blocked}, or the error type of a
   *              model refusal ({@code key_model_access_denied}, ...)
   * @param error LiteLLM's error for it
   */
  record KeyRefusal(String rule, OpenAiError error) {}

  /** Why {@code caller} may not use any route now, if it may not. */
  static Optional<KeyRefusal> of(Caller caller, Instant now) {
    if (caller.key().isEmpty()) {
      return Optional.empty();
    }
    VirtualKey key = caller.key().get();
    if (key.expired(now)) {
      return Optional.of(new KeyRefusal("expired_key", new OpenAiError(400, "Authentication Error - Expired Key. "
          + "Key Expiry time " + key.expires().orElseThrow(), "expired_key", null, "400", Optional.empty())));
    }
    if (key.blocked()) {
      return Optional.of(auth("key_blocked",
          "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin."));
    }
    if (key.teamId().isPresent() && caller.team().isEmpty()) {
      return Optional.of(auth("key_team_missing", "Authentication Error, the key's team no longer exists"));
    }
    if (key.userId().isPresent() && caller.user().isEmpty()) {
      return Optional.of(auth("key_user_missing", "Authentication Error, the key's user no longer exists"));
    }
    Optional<Team> team = caller.team().filter(Team::blocked);
    return team.map(t -> auth("team_blocked", "Authentication Error, Team=" + OpenAiError.printable(t.teamId())
        + " is blocked. Update via `/team/unblock` if you're an admin."));
  }

  /** 401 when the key, its team or its user may not call {@code model} (LiteLLM's types); empty when allowed. */
  static Optional<KeyRefusal> model(Caller caller, String model) {
    return caller.deniedBy(model).map(by -> switch (by) {
      case "team" -> denied("team_model_access_denied", "Team not allowed to access model. Team="
          + caller.team().orElseThrow().teamId() + ", Model=" + model + ". Allowed team models = "
          + caller.team().orElseThrow().models());
      case "user" -> denied("user_model_access_denied", "User not allowed to access model. User="
          + caller.user().orElseThrow().userId() + ", Model=" + model + ". Allowed user models = "
          + caller.user().orElseThrow().models());
      default -> denied("key_model_access_denied", "key not allowed to access model. This key can only access models="
          + caller.key().orElseThrow().models() + ". Tried to access " + model);
    });
  }

  private static KeyRefusal denied(String type, String message) {
    return new KeyRefusal(type,
        new OpenAiError(401, OpenAiError.printable(message), type, "model", "401", Optional.empty()));
  }

  private static KeyRefusal auth(String rule, String message) {
    return new KeyRefusal(rule, new OpenAiError(401, message, "auth_error", null, "401", Optional.empty()));
  }
}
