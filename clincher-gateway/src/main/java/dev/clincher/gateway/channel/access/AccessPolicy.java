package dev.clincher.gateway.channel.access;

import dev.clincher.gateway.channel.ChatKind;

/**
 * Decides whether a channel message reaches the agent, from the settings and the request alone. A stranger gets at
 * most a pairing code (and only while the unknown-sender rate limit has room); groups are answered only when enabled
 * by id and only when the bot is addressed.
 */
public final class AccessPolicy {
  private final AccessSettings settings;

  public AccessPolicy(AccessSettings settings) {
    this.settings = settings;
  }

  public AccessDecision decide(AccessRequest request) {
    return request.kind() == ChatKind.GROUP ? decideGroup(request) : decideDirect(request);
  }

  private AccessDecision decideGroup(AccessRequest request) {
    if (!settings.enabledGroups().contains(request.chatId())) {
      return AccessDecision.ignore("group_not_enabled", "the group is not enabled for this bot");
    }
    if (!request.addressedToBot()) {
      return AccessDecision.ignore("group_not_addressed", "the message neither mentions the bot nor replies to it");
    }
    return AccessDecision.accept("group_enabled", "the group is enabled and the message addresses the bot");
  }

  private AccessDecision decideDirect(AccessRequest request) {
    if (settings.dmPolicy() == DmPolicy.DISABLED) {
      return AccessDecision.ignore("dm_disabled", "direct messages are disabled");
    }
    if (settings.allowedSenders().contains(request.senderId())) {
      return AccessDecision.accept("dm_allowlist", "the sender is on the allowlist");
    }
    if (settings.dmPolicy() == DmPolicy.ALLOWLIST) {
      return AccessDecision.ignore("dm_not_allowlisted", "the sender is not on the allowlist");
    }
    if (request.senderPaired()) {
      return AccessDecision.accept("dm_paired", "the sender's pairing was approved");
    }
    if (!request.unknownSenderWithinRate()) {
      return AccessDecision.ignore("unknown_sender_rate_limited", "too many messages from unknown senders");
    }
    return AccessDecision.offerPairing("dm_pairing", "an unknown sender gets a pairing code and nothing else");
  }
}
