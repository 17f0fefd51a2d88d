package dev.clincher.common.http1;

/**
 * The client sent something the proxy will not interpret: a malformed or ambiguous head, a head that is
 * too large, or one that arrived too slowly. Carries the status to answer and a short machine-readable reason.
 */
public final class BadRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String reason;

  public BadRequestException(int status, String reason, String detail) {
    super(detail);
    this.status = status;
    this.reason = reason;
  }

  public static BadRequestException malformed(String detail) {
    return new BadRequestException(400, "malformed_request", detail);
  }

  /** The HTTP status to answer with (400, 408, 431, 405, 501…). */
  public int status() {
    return status;
  }

  /** A snake_case reason for logs, metrics and the {@code X-Clincher-Error} header. */
  public String reason() {
    return reason;
  }
}
