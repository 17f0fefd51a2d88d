package dev.clincher.gateway.tools;

/**
 * What a tool call gave back to the model.
 *
 * @param content the text the model reads (already capped by the tool, with a notice when truncated)
 * @param error whether the call failed; the content then says why
 * @param refusedBy the rule of the tool's own checks that refused the call (e.g. {@code workspace_path}), logged
 *     and counted by the runner; empty when the call ran, or failed for another reason
 */
public record ToolResult(String content, boolean error, String refusedBy) {

  public ToolResult {
    if (content == null || refusedBy == null) {
      throw new IllegalArgumentException("content and refusedBy must not be null");
    }
  }

  public ToolResult(String content, boolean error) {
    this(content, error, "");
  }

  public static ToolResult ok(String content) {
    return new ToolResult(content, false);
  }

  public static ToolResult error(String message) {
    return new ToolResult(message, true);
  }

  /** Refused by one of the tool's own checks ({@code rule}), before anything ran. */
  public static ToolResult refused(String rule, String message) {
    return new ToolResult(message, true, rule);
  }
}
