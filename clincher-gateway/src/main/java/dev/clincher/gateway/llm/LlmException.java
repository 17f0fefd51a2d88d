package dev.clincher.gateway.llm;

import dev.clincher.common.http.UpstreamException;

/**
 * The router refused or failed a call. {@link #status()} is the HTTP status (0 when the connection failed), and
 * {@link #type()}/{@link #code()} come from the OpenAI error body when there was one.
 */
public final class LlmException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  public LlmException(int status, String type, String code, String message) {
    super(status, type == null ? "" : type, code == null ? "" : code, message);
  }

  /** Whether the router refused because a budget is spent (LiteLLM: {@code budget_exceeded}). */
  public boolean isBudgetRefusal() {
    return type().contains("budget") || code().contains("budget");
  }
}
