package dev.clincher.router.spendlog;

import java.util.Objects;

/** Why the spend log could not do what was asked; {@link #reason()} for metrics and decisions, the message for people. */
public final class SpendLogException extends Exception {
  /** What went wrong. */
  public enum Reason {
    /** The queue was full: refused at once, not written. */
    QUEUE_FULL,
    /** The commit was not confirmed within the commit timeout: the record may still be written later. */
    TIMEOUT,
    /** The batch's transaction failed (see the cause): not written, unless the connection broke during COMMIT. */
    COMMIT_FAILED,
    /** The log was closed (or closed before the record was written). */
    CLOSED,
    /** The waiting thread was interrupted: the record may still be written later. */
    INTERRUPTED,
    /** Opening the log, a query or a report failed (see the cause). */
    DATABASE,
    /** A report or sum would have more groups than allowed. */
    TOO_MANY_ROWS
  }

  private final Reason reason;

  public SpendLogException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public SpendLogException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
