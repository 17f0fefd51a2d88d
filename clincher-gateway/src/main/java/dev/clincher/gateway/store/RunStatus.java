package dev.clincher.gateway.store;

import java.util.Locale;

/** The state of a run: {@link #RUNNING} while the agent loop works on it, one of the others once it has ended. */
public enum RunStatus {
  RUNNING,
  COMPLETED,
  FAILED,
  ABORTED,
  TIMED_OUT,
  STEP_LIMIT,
  /** The gateway stopped (crash, kill -9, power loss) while the run was going; set at the next start-up. */
  INTERRUPTED,
  REFUSED;

  /** The value stored in the database and shown in the API, e.g. {@code timed_out}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status of a stored value. */
  public static RunStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
