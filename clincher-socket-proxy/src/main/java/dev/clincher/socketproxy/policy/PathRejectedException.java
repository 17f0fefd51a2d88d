package dev.clincher.socketproxy.policy;

/** A request path or query the proxy will not interpret, because Docker could read it differently than we do. */
public final class PathRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  public PathRejectedException(String message) {
    super(message);
  }
}
