package dev.clincher.gateway.agent;

/** Text helpers for what the model and the logs see of tool calls. */
public final class ToolOutput {
  /** Longest tool name echoed back or logged. */
  static final int MAX_NAME_CHARS = 64;

  private ToolOutput() {}

  /**
   * {@code text} cut to {@code maxChars} with a notice saying how much was left out; unchanged when it fits. The
   * cut keeps the start and the end (errors tend to be at the end of command output).
   */
  public static String capped(String text, int maxChars) {
    if (text.length() <= maxChars) {
      return text;
    }
    int omitted = text.length() - maxChars;
    String notice = "\n[truncated: " + omitted + " characters omitted]\n";
    int head = Math.max(0, (maxChars - notice.length()) * 2 / 3);
    int tail = Math.max(0, maxChars - notice.length() - head);
    return text.substring(0, head) + notice + text.substring(text.length() - tail);
  }

  /**
   * A model-supplied name made safe to echo and log: control and format characters (zero-width spaces, bidi
   * overrides) shown as {@code \\uXXXX}, and cut to {@link #MAX_NAME_CHARS}.
   */
  public static String printable(String name) {
    StringBuilder out = new StringBuilder();
    name.codePoints().limit(MAX_NAME_CHARS).forEach(cp -> {
      int type = Character.getType(cp);
      if (cp < 0x20 || cp == 0x7f || type == Character.FORMAT || type == Character.CONTROL
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.appendCodePoint(cp);
      }
    });
    if (name.codePointCount(0, name.length()) > MAX_NAME_CHARS) {
      out.append('…');
    }
    return out.toString();
  }
}
