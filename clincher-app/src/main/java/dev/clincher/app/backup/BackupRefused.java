package dev.clincher.app.backup;

/** A backup, restore or key that is refused, with a message naming what is wrong; the command exits 1. */
public final class BackupRefused extends Exception {
  private final String rule;

  public BackupRefused(String rule, String message) {
    super(message);
    this.rule = rule;
  }

  public BackupRefused(String rule, String message, Throwable cause) {
    super(message, cause);
    this.rule = rule;
  }

  /** The machine name of the rule that refused, for the log line ({@code key.mode}, {@code blob.tampered}, …). */
  public String rule() {
    return rule;
  }
}
