package dev.clincher.gateway.agent;

/** Why a run ended: the {@code reason} of its final {@code done} event and the status recorded for the run. */
public enum RunEnd {
  COMPLETED,
  STEP_LIMIT,
  TIMED_OUT,
  ABORTED,
  BUDGET,
  ERROR;

  /** The wire name, e.g. {@code step_limit}. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
