package dev.clincher.app.audit;

/** How bad a finding is: a critical one fails the audit (exit status 1). */
public enum Severity {
  /** A layer does not hold: prompt injection gets further than it should. */
  CRITICAL,
  /** Weaker than recommended, or a layer holds only because another does. */
  WARN,
  /** Worth knowing; nothing to fix. */
  INFO;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
