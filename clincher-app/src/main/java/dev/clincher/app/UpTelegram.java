package dev.clincher.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The Telegram bot under {@code up}: enabled when a token file is given ({@code --telegram-token-file FILE}, else
 * {@code $CLINCHER_TELEGRAM_TOKEN_FILE}). Then the generated gateway section gets {@code channels.telegram}
 * {@code enabled: true} and that {@code token_file} (every other key of a {@code channels.telegram} in
 * {@code clincher.yaml} is kept: dm_policy, allow_from, …), and the generated egress allowlist gets
 * {@code api.telegram.org}, the one host the bot calls (through the egress, like every gateway call out).
 *
 * @param tokenFile the bot token's file, absolute; empty: Telegram as {@code clincher.yaml} says (off by default)
 */
record UpTelegram(Optional<Path> tokenFile) {
  static final String TOKEN_VARIABLE = "CLINCHER_TELEGRAM_TOKEN_FILE";
  static final String API_HOST = "api.telegram.org";

  /** The flag's file, else the environment's; a blank variable counts as none. */
  static UpTelegram choose(Path flag, Map<String, String> env) {
    if (flag != null) {
      return new UpTelegram(Optional.of(flag.toAbsolutePath()));
    }
    String file = env.getOrDefault(TOKEN_VARIABLE, "");
    return new UpTelegram(file.isBlank() ? Optional.empty() : Optional.of(Path.of(file).toAbsolutePath()));
  }

  boolean enabled() {
    return tokenFile.isPresent();
  }

  /** The gateway section with the bot enabled on the token file (a copy; unchanged when no file is given). */
  ObjectNode applyToGateway(ObjectNode gateway) {
    ObjectNode config = gateway.deepCopy();
    tokenFile.ifPresent(file -> {
      ObjectNode channels = config.path("channels").isObject() ? (ObjectNode) config.get("channels")
          : config.putObject("channels");
      ObjectNode telegram = channels.path("telegram").isObject() ? (ObjectNode) channels.get("telegram")
          : channels.putObject("telegram");
      telegram.put("enabled", true).put("token_file", file.toString());
    });
    return config;
  }

  /** The egress allowlist with {@link #API_HOST} in the default rule's domains (a copy; once). */
  ObjectNode applyToEgressAcl(ObjectNode acl) {
    ObjectNode config = acl.deepCopy();
    if (enabled() && config.path("default").isObject()) {
      ObjectNode rule = (ObjectNode) config.get("default");
      ArrayNode domains = rule.path("allowed_domains").isArray() ? (ArrayNode) rule.get("allowed_domains")
          : rule.putArray("allowed_domains");
      boolean listed = false;
      for (JsonNode domain : domains) {
        listed |= domain.asText().equals(API_HOST) || domain.asText().equals("*.telegram.org");
      }
      if (!listed) {
        domains.add(API_HOST);
      }
    }
    return config;
  }
}
