package dev.clincher.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;

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

  /** A JSON answer (the tree as text). */
  public static ToolResult json(JsonNode answer) {
    return ok(answer.toString());
  }

  /** {@code text} cut to {@code maxChars} with a visible notice when it was longer. */
  public static String capped(String text, int maxChars) {
    if (text.length() <= maxChars) {
      return text;
    }
    return text.substring(0, maxChars) + "…[truncated, " + (text.length() - maxChars) + " more characters]";
  }

  /** Refused by one of the tool's own checks ({@code rule}), before anything ran. */
  public static ToolResult refused(String rule, String message) {
    return new ToolResult(message, true, rule);
  }
}
