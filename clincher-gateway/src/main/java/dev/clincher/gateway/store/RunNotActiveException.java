package dev.clincher.gateway.store;

/** An event was appended for a run that is not running (finished, interrupted, or of another session). */
public final class RunNotActiveException extends StoreException {
  private static final long serialVersionUID = 1L;

  public RunNotActiveException(String runId) {
    super("run " + runId + " is not running in this session");
  }
}
