package dev.clincher.socketproxy.inspect;

/** A request body (or query) the policy refuses: names the rule that refused it and why. */
public final class BodyDeniedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String rule;

  public BodyDeniedException(String rule, String reason) {
    super(reason);
    this.rule = rule;
  }

  /** The rule, e.g. {@code privileged}, {@code duplicate_key}. */
  public String rule() {
    return rule;
  }
}
