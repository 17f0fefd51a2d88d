package dev.clincher.router.manage;

/**
 * A management request refused, with what the client needs to fix it: the HTTP status, the field at fault and a
 * machine-readable code, for OpenAI's error shape. Messages never contain keys.
 */
public final class ManagementException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String param;
  private final String code;

  private ManagementException(int status, String param, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.param = param;
    this.code = code;
  }

  /** 400 about {@code param} (null when about the body as a whole). */
  public static ManagementException badRequest(String param, String message) {
    return new ManagementException(400, param, null, message);
  }

  /** 404: {@code param} names something that does not exist ({@code code} e.g. {@code team_not_found}). */
  public static ManagementException notFound(String param, String code, String message) {
    return new ManagementException(404, param, code, message);
  }

  public int status() {
    return status;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }
}
