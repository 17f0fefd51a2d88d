package dev.clincher.cache.index;

/** The cache's store (Redis) could not be reached or answered an error; callers bypass the cache. */
public final class CacheBackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CacheBackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
