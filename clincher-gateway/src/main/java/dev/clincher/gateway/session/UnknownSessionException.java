package dev.clincher.gateway.session;

/** No session has that id (or it belongs to no configured agent). */
public final class UnknownSessionException extends Exception {
  public UnknownSessionException(String what) {
    super(what);
  }
}
