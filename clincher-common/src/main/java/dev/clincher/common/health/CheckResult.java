package dev.clincher.common.health;

/** The outcome of one health check: healthy or not, and a short detail for operators (no secrets). */
public record CheckResult(boolean healthy, String detail) {
  public CheckResult {
    detail = detail == null ? "" : detail;
  }

  public static CheckResult up() {
    return new CheckResult(true, "ok");
  }

  public static CheckResult up(String detail) {
    return new CheckResult(true, detail);
  }

  public static CheckResult down(String detail) {
    return new CheckResult(false, detail);
  }
}
