package dev.clincher.common.health;

/**
 * The outcome of one health check and a short detail for operators (no secrets).
 *
 * @param healthy the check does not stop readiness
 * @param degraded healthy for readiness, but something an operator should fix is wrong (an optional part of the
 *     service, such as a chat channel, does not work); reported as {@code "degraded"}
 * @param detail what the check saw
 */
public record CheckResult(boolean healthy, boolean degraded, String detail) {
  public CheckResult {
    detail = detail == null ? "" : detail;
    if (degraded && !healthy) {
      throw new IllegalArgumentException("a degraded check is healthy for readiness");
    }
  }

  public static CheckResult up() {
    return new CheckResult(true, false, "ok");
  }

  public static CheckResult up(String detail) {
    return new CheckResult(true, false, detail);
  }

  public static CheckResult down(String detail) {
    return new CheckResult(false, false, detail);
  }

  /** A non-fatal problem: readiness stays up (the rest of the service works) and the check says what is wrong. */
  public static CheckResult degraded(String detail) {
    return new CheckResult(true, true, detail);
  }

  /** {@code healthy}, {@code degraded} or {@code unhealthy}, as the health endpoints write it. */
  public String status() {
    if (!healthy) {
      return "unhealthy";
    }
    return degraded ? "degraded" : "healthy";
  }
}
