package dev.clincher.common.http;

/**
 * A call to the service upstream (the router for the gateway, a provider for the router) that failed, with what
 * its OpenAI-shaped error said: the HTTP status ({@code 0} when no answer came), the error type and the code.
 */
public abstract class UpstreamException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String code;

  protected UpstreamException(int status, String type, String code, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }
}
