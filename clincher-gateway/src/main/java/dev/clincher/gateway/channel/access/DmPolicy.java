package dev.clincher.gateway.channel.access;

import java.util.Locale;

/** What happens to a direct message from someone who is not on the allowlist. */
public enum DmPolicy {
  /** The sender gets a one-time pairing code and nothing else until the owner approves the code (the default). */
  PAIRING,
  /** Only allowlisted senders are answered; everyone else gets nothing. */
  ALLOWLIST,
  /** No direct message is answered. */
  DISABLED;

  /** Reads the config value ({@code pairing}, {@code allowlist}, {@code disabled}). */
  public static DmPolicy parse(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "pairing" -> PAIRING;
      case "allowlist" -> ALLOWLIST;
      case "disabled" -> DISABLED;
      default -> throw new IllegalArgumentException("dm_policy must be pairing, allowlist or disabled");
    };
  }
}
