package dev.clincher.router.spend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.router.keys.VirtualKey;
import java.util.Optional;

/**
 * Who a call's cost is charged to: the caller's virtual key (none for the master key) and the end user the request
 * names in its {@code user} field (LiteLLM's end user), whose budget is {@code litellm_settings.max_end_user_budget}.
 */
public record Payer(Optional<VirtualKey> key, Optional<String> endUser) {
  /** End-user ids longer than this are not a budget's subject (they are refused by the request check anyway). */
  public static final int MAX_END_USER_CHARS = 256;

  public static final Payer NONE = new Payer(Optional.empty(), Optional.empty());

  /** The payer of a request {@code body} sent with {@code key}. */
  public static Payer of(Optional<VirtualKey> key, JsonNode body) {
    JsonNode user = body == null ? null : body.path("user");
    Optional<String> endUser = user != null && user.isTextual() && !user.asText().isBlank()
        && user.asText().length() <= MAX_END_USER_CHARS ? Optional.of(user.asText()) : Optional.empty();
    return new Payer(key, endUser);
  }

  public static Payer of(Optional<VirtualKey> key) {
    return new Payer(key, Optional.empty());
  }
}
