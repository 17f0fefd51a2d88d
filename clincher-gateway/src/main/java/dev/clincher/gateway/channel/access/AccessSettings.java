package dev.clincher.gateway.channel.access;

import java.util.Objects;
import java.util.Set;

/**
 * A channel's access rules.
 *
 * @param dmPolicy what happens to direct messages from senders not on the allowlist
 * @param allowedSenders the platform's user ids always answered in direct chats
 * @param enabledGroups the group chat ids the bot answers in (only when mentioned or replied to); empty: none
 */
public record AccessSettings(DmPolicy dmPolicy, Set<String> allowedSenders, Set<String> enabledGroups) {
  public AccessSettings {
    Objects.requireNonNull(dmPolicy, "dmPolicy");
    allowedSenders = Set.copyOf(allowedSenders);
    enabledGroups = Set.copyOf(enabledGroups);
  }

  /** The default: pairing for direct messages, no groups. */
  public static AccessSettings defaults() {
    return new AccessSettings(DmPolicy.PAIRING, Set.of(), Set.of());
  }
}
