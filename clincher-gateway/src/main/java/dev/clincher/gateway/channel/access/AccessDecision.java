package dev.clincher.gateway.channel.access;

/**
 * The policy's answer for one message, with the rule that made it and a sentence a person can read.
 *
 * @param verdict what to do with the message
 * @param rule the machine name of the deciding rule (log field, metric label)
 * @param reason the same as a sentence
 */
public record AccessDecision(Verdict verdict, String rule, String reason) {
  /** What to do with a message. */
  public enum Verdict {
    /** Hand the message to the agent. */
    ACCEPT,
    /** Answer with a pairing code and nothing else; no run starts. */
    OFFER_PAIRING,
    /** Drop the message without an answer. */
    IGNORE
  }

  static AccessDecision accept(String rule, String reason) {
    return new AccessDecision(Verdict.ACCEPT, rule, reason);
  }

  static AccessDecision offerPairing(String rule, String reason) {
    return new AccessDecision(Verdict.OFFER_PAIRING, rule, reason);
  }

  static AccessDecision ignore(String rule, String reason) {
    return new AccessDecision(Verdict.IGNORE, rule, reason);
  }

  public boolean accepted() {
    return verdict == Verdict.ACCEPT;
  }
}
