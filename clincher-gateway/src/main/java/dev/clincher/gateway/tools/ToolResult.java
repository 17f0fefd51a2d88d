package dev.clincher.gateway.tools;

/**
 * What a tool call gave back to the model.
 *
 * @param content the text the model reads (already capped by the tool, with a notice when truncated)
 * @param error whether the call failed; the content then says why
 */
public record ToolResult(String content, boolean error) {

  public ToolResult {
    if (content == null) {
      throw new IllegalArgumentException("content must not be null");
    }
  }

  public static ToolResult ok(String content) {
    return new ToolResult(content, false);
  }

  public static ToolResult error(String message) {
    return new ToolResult(message, true);
  }
}
