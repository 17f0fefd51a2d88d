package dev.clincher.app.rotate;

/** A rotation that was not started or not finished, with the rule that stopped it and a sentence for the operator. */
public final class RotationRefused extends Exception {
  private final String rule;

  RotationRefused(String rule, String message) {
    super(message);
    this.rule = rule;
  }

  public String rule() {
    return rule;
  }
}
