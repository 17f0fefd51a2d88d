package dev.clincher.gateway.llm;

/**
 * The router refused or failed a call. {@link #status()} is the HTTP status (0 when the connection failed), and
 * {@link #type()}/{@link #code()} come from the OpenAI error body when there was one.
 */
public final class LlmException extends Exception {
  private final int status;
  private final String type;
  private final String code;

  public LlmException(int status, String type, String code, String message) {
    super(message);
    this.status = status;
    this.type = type == null ? "" : type;
    this.code = code == null ? "" : code;
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

  /** Whether the router refused because a budget is spent (LiteLLM: {@code budget_exceeded}). */
  public boolean isBudgetRefusal() {
    return type.contains("budget") || code.contains("budget");
  }
}
