package dev.clincher.socketproxy.proxy;

/**
 * Thrown inside one exchange when the request is refused: carries what the client is told and what is logged.
 */
final class Denied extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String rule;

  Denied(int status, String rule, String reason) {
    super(reason, null, false, false);
    this.status = status;
    this.rule = rule;
  }

  static Denied forbidden(String rule, String reason) {
    return new Denied(403, rule, reason);
  }

  int status() {
    return status;
  }

  String rule() {
    return rule;
  }
}
