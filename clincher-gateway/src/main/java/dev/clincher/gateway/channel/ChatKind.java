package dev.clincher.gateway.channel;

/** Whether a conversation is one person talking to the bot or a group the bot is a member of. */
public enum ChatKind {
  DIRECT,
  GROUP
}
