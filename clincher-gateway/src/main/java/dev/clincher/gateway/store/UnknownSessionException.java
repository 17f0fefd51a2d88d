package dev.clincher.gateway.store;

/** The session does not exist (never did, or was deleted). */
public final class UnknownSessionException extends StoreException {
  private static final long serialVersionUID = 1L;

  public UnknownSessionException(String sessionId) {
    super("no session " + sessionId);
  }
}
