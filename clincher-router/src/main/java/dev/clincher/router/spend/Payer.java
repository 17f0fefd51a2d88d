package dev.clincher.router.spend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a call's cost is charged to: the caller's virtual key (none for the master key), the key's team and internal
 * user (each with its own budget), and the end user the request names in its {@code user} field (LiteLLM's end
 * user), whose budget is {@code litellm_settings.max_end_user_budget}.
 */
public record Payer(Optional<VirtualKey> key, Optional<Team> team, Optional<InternalUser> user,
    Optional<String> endUser) {
  /** End-user ids longer than this are not a budget's subject (they are refused by the request check anyway). */
  public static final int MAX_END_USER_CHARS = 256;

  public static final Payer NONE = new Payer(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public Payer {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(team, "team");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(endUser, "endUser");
  }

  /** The payer of a request {@code body} sent by {@code caller}. */
  public static Payer of(Caller caller, JsonNode body) {
    JsonNode user = body == null ? null : body.path("user");
    Optional<String> endUser = user != null && user.isTextual() && !user.asText().isBlank()
        && user.asText().length() <= MAX_END_USER_CHARS ? Optional.of(user.asText()) : Optional.empty();
    return new Payer(caller.key(), caller.team(), caller.user(), endUser);
  }

  /** A key's calls, without team, user or end user. */
  public static Payer of(Optional<VirtualKey> key) {
    return new Payer(key, Optional.empty(), Optional.empty(), Optional.empty());
  }
}
