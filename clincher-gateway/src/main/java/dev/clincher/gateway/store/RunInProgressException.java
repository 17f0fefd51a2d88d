package dev.clincher.gateway.store;

/** A run was started on a session that already has one running (one run at a time per session). */
public final class RunInProgressException extends StoreException {
  private static final long serialVersionUID = 1L;

  public RunInProgressException(String sessionId) {
    super("session " + sessionId + " already has a run in progress");
  }
}
