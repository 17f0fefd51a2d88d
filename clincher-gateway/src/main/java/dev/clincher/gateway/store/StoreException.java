package dev.clincher.gateway.store;

/** A transcript store operation failed (database unreachable, constraint, limit). Never carries credentials. */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
