package dev.clincher.gateway.channel.telegram;

import java.net.URI;
import java.util.Locale;

/**
 * Renders the Markdown a model writes into the HTML subset Telegram reads, strictly: every character of the input is
 * escaped ({@code &}, {@code <}, {@code >}, and {@code "} inside attributes), and the only tags written are
 * {@code b}, {@code i}, {@code code}, {@code pre} and {@code a href} with an http(s) URL, each opened and closed here.
 * So nothing in the model's text can become a tag or a link of another scheme. Understood: fenced code blocks,
 * headings (bold), {@code **bold**}, {@code __bold__}, {@code *italic*}, {@code _italic_}, {@code `code`} and
 * {@code [text](url)}; anything else is shown as written.
 */
public final class TelegramHtml {
  /** Longest URL made into a link; a longer one is shown as text. */
  static final int MAX_URL_CHARS = 2048;

  private TelegramHtml() {}

  public static String render(String markdown) {
    StringBuilder html = new StringBuilder(markdown.length() + 64);
    String[] lines = markdown.split("\n", -1);
    StringBuilder prose = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      if (!lines[i].strip().startsWith("```")) {
        prose.append(lines[i]).append(i < lines.length - 1 ? "\n" : "");
        continue;
      }
      html.append(renderProse(prose.toString()));
      prose.setLength(0);
      StringBuilder code = new StringBuilder();
      int j = i + 1;
      while (j < lines.length && !lines[j].strip().startsWith("```")) {
        code.append(code.isEmpty() ? "" : "\n").append(lines[j]);
        j++;
      }
      html.append("<pre>").append(escape(code.toString())).append("</pre>");
      i = j; // the closing fence (or the end)
      if (i < lines.length - 1) {
        html.append("\n");
      }
    }
    return html.append(renderProse(prose.toString())).toString();
  }

  /** Escapes text for Telegram HTML, in text and in attribute values alike. */
  public static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static String renderProse(String text) {
    StringBuilder out = new StringBuilder();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String heading = line.replaceFirst("^#{1,6}\\s+", "");
      out.append(heading.length() < line.length() ? "<b>" + inline(heading) + "</b>" : inline(line));
      if (i < lines.length - 1) {
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** Inline spans of one line: code, links, bold, italic; everything else escaped. */
  static String inline(String text) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int next = span(text, i, out);
      if (next > i) {
        i = next;
      } else {
        out.append(escape(String.valueOf(text.charAt(i))));
        i++;
      }
    }
    return out.toString();
  }

  /** Renders the span starting at {@code at} into {@code out}; returns the index after it, or {@code at} if none. */
  private static int span(String text, int at, StringBuilder out) {
    char c = text.charAt(at);
    if (c == '`') {
      int end = text.indexOf('`', at + 1);
      if (end > at + 1) {
        out.append("<code>").append(escape(text.substring(at + 1, end))).append("</code>");
        return end + 1;
      }
    } else if (c == '[') {
      return link(text, at, out);
    } else if (text.startsWith("**", at) || text.startsWith("__", at)) {
      return wrapped(text, at, text.substring(at, at + 2), "b", out);
    } else if ((c == '*' || c == '_') && (at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1)))) {
      return wrapped(text, at, String.valueOf(c), "i", out);
    }
    return at;
  }

  private static int wrapped(String text, int at, String delimiter, String tag, StringBuilder out) {
    int start = at + delimiter.length();
    int end = text.indexOf(delimiter, start);
    if (end <= start || Character.isWhitespace(text.charAt(start))) {
      return at;
    }
    out.append('<').append(tag).append('>').append(inline(text.substring(start, end))).append("</").append(tag)
        .append('>');
    return end + delimiter.length();
  }

  private static int link(String text, int at, StringBuilder out) {
    int close = text.indexOf("](", at);
    int end = close < 0 ? -1 : closingParenthesis(text, close + 2);
    if (close <= at + 1 || end < 0) {
      return at;
    }
    String label = inline(text.substring(at + 1, close));
    String url = text.substring(close + 2, end).strip();
    if (isWebUrl(url)) {
      out.append("<a href=\"").append(escape(url)).append("\">").append(label).append("</a>");
    } else {
      out.append(label); // another scheme (javascript:, data:, tg:…) is never linked
    }
    return end + 1;
  }

  /** The {@code )} that closes a link's URL, counting parentheses inside it; -1 if none. */
  private static int closingParenthesis(String text, int from) {
    int depth = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && depth-- == 0) {
        return i;
      }
    }
    return -1;
  }

  static boolean isWebUrl(String url) {
    if (url.length() > MAX_URL_CHARS || url.chars().anyMatch(ch -> ch <= ' ' || ch == '"' || ch == '<' || ch == '>')) {
      return false;
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      return (scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }
}
