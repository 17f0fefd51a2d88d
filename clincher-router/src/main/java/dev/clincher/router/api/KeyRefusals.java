package dev.clincher.router.api;

import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.Refusal;
import java.time.Instant;
import java.util.Optional;

/**
 * LiteLLM's refusals of a key, in its words: an unknown key, a virtual key before any route (expired, blocked, its
 * team blocked or gone) or on a master-key route, and for a model its key, team or user may not call. Each names its
 * rule ({@link Refusal#scope}).
 */
final class KeyRefusals {
  private KeyRefusals() {}

  /** No key, or one the router does not know: OpenAI's {@code invalid_api_key}. */
  static Refusal unknownKey() {
    return new Refusal(401, "invalid_request_error", "invalid_api_key",
        "a valid API key is required: Authorization: Bearer <key>", "invalid_key", Optional.empty());
  }

  /** A virtual key on a route only the master key may use. */
  static Refusal masterKeyOnly(String message) {
    return auth("master_key_only", message);
  }

  /** Why {@code caller} may not use any route now, if it may not. */
  static Optional<Refusal> of(Caller caller, Instant now) {
    if (caller.key().isEmpty()) {
      return Optional.empty();
    }
    VirtualKey key = caller.key().get();
    if (key.expired(now)) {
      return Optional.of(new Refusal(400, "expired_key", "400", "Authentication Error - Expired Key. Key Expiry time "
          + key.expires().orElseThrow(), "expired_key", Optional.empty()));
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
  static Optional<Refusal> model(Caller caller, String model) {
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

  private static Refusal denied(String type, String message) {
    return new Refusal(401, type, "401", OpenAiError.printable(message), type, Optional.empty(), "model");
  }

  private static Refusal auth(String rule, String message) {
    return new Refusal(401, "auth_error", "401", message, rule, Optional.empty());
  }
}
