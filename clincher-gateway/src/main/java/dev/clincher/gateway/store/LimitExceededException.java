package dev.clincher.gateway.store;

/** A value or a count is over one of the store's {@link StoreLimits}; the message names the limit. */
public final class LimitExceededException extends StoreException {
  private static final long serialVersionUID = 1L;

  public LimitExceededException(String message) {
    super(message);
  }
}
