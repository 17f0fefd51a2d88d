package dev.clincher.gateway.session;

/** A message arrived while the session's previous run was still going; runs never interleave. */
public final class SessionBusyException extends Exception {
  public SessionBusyException(String sessionId) {
    super("session " + sessionId + " is busy with a run; wait for it to finish or abort it");
  }
}
