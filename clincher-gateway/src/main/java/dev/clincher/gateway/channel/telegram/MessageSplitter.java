package dev.clincher.gateway.channel.telegram;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits a text into parts of at most {@code limit} characters (Telegram's message limit is 4,096), cutting at the
 * last paragraph break, else line break, else sentence end, else space in the second half of a part, else as late as
 * possible. Never inside a surrogate pair; for HTML never inside a tag or an entity, and tags open at a cut are closed
 * at the end of the part and opened again at the start of the next, so every part is well-formed on its own.
 */
public final class MessageSplitter {
  public static final int TELEGRAM_LIMIT = 4096;

  private final int limit;

  public MessageSplitter(int limit) {
    if (limit < 64) {
      throw new IllegalArgumentException("a part must hold at least 64 characters");
    }
    this.limit = limit;
  }

  public List<String> splitPlain(String text) {
    return split(text, false);
  }

  /** Splits HTML as {@link TelegramHtml} writes it (tags nested properly, entities terminated by {@code ;}). */
  public List<String> splitHtml(String html) {
    return split(html, true);
  }

  private List<String> split(String text, boolean html) {
    List<String> parts = new ArrayList<>();
    String reopen = "";
    String rest = text;
    while (reopen.length() + rest.length() > limit) {
      String window = reopen + rest;
      Scan scan = Scan.of(window, html, limit);
      int cut = scan.bestCut(reopen.length());
      Deque<String> open = Scan.openTagsAt(window, html, cut);
      parts.add(window.substring(0, cut) + closers(open));
      reopen = String.join("", open.reversed());
      rest = open.isEmpty() ? window.substring(cut).stripLeading() : window.substring(cut);
    }
    String last = reopen + rest;
    if (!last.isBlank() || parts.isEmpty()) {
      parts.add(last);
    }
    return parts;
  }

  private static String closers(Deque<String> open) {
    StringBuilder closing = new StringBuilder();
    for (String tag : open) { // innermost first
      closing.append("</").append(tagName(tag)).append('>');
    }
    return closing.toString();
  }

  static String tagName(String openingTag) {
    int end = 1;
    while (end < openingTag.length() && Character.isLetter(openingTag.charAt(end))) {
      end++;
    }
    return openingTag.substring(1, end);
  }

  /** Where a part may end within the first {@code limit} characters of a window, and what each cut costs. */
  private record Scan(String window, boolean[] safe, int[] closingLength, int limit) {

    static Scan of(String window, boolean html, int limit) {
      int end = Math.min(window.length(), limit);
      boolean[] safe = new boolean[end + 1];
      int[] closingLength = new int[end + 1];
      Deque<String> open = new ArrayDeque<>();
      int closing = 0;
      int i = 0;
      while (i <= end) {
        safe[i] = i == window.length() || !Character.isLowSurrogate(window.charAt(i));
        closingLength[i] = closing;
        if (i == end) {
          break;
        }
        int next = html ? skipMarkup(window, i) : i;
        if (next > i) { // a tag or an entity: no cut inside
          String markup = window.substring(i, next);
          closing += applyTag(markup, open);
          for (int k = i + 1; k < Math.min(next, end + 1); k++) {
            safe[k] = false;
          }
          i = next;
        } else {
          i++;
        }
      }
      return new Scan(window, safe, closingLength, limit);
    }

    /** The latest acceptable cut, preferring the best kind of boundary; never at or before {@code minimum}. */
    int bestCut(int minimum) {
      int softFloor = Math.max(minimum + 1, limit / 2);
      for (Boundary boundary : Boundary.values()) {
        int floor = boundary == Boundary.ANYWHERE ? minimum + 1 : softFloor;
        for (int i = safe.length - 1; i >= floor; i--) {
          if (safe[i] && i + closingLength[i] <= limit && boundary.endsAt(window, i)) {
            return i;
          }
        }
      }
      throw new IllegalArgumentException("the text cannot be split: markup longer than a part");
    }

    /** The opening tags still open at {@code cut}, innermost first. */
    static Deque<String> openTagsAt(String window, boolean html, int cut) {
      Deque<String> open = new ArrayDeque<>();
      int i = 0;
      while (html && i < cut) {
        int next = skipMarkup(window, i);
        if (next > i) {
          applyTag(window.substring(i, next), open);
          i = next;
        } else {
          i++;
        }
      }
      return open;
    }

    /** The end of the tag or entity starting at {@code i}, or {@code i} when plain text starts there. */
    private static int skipMarkup(String text, int i) {
      char c = text.charAt(i);
      if (c != '<' && c != '&') {
        return i;
      }
      int end = text.indexOf(c == '<' ? '>' : ';', i);
      return end < 0 ? i : end + 1;
    }

    /** Pushes or pops a tag; returns how much the closing tags' length changes. */
    private static int applyTag(String markup, Deque<String> open) {
      if (!markup.startsWith("<")) {
        return 0;
      }
      if (markup.startsWith("</")) {
        String closed = open.poll();
        return closed == null ? 0 : -(tagName(closed).length() + 3);
      }
      open.push(markup);
      return tagName(markup).length() + 3;
    }
  }

  /** Kinds of boundary, best first. */
  private enum Boundary {
    PARAGRAPH, LINE, SENTENCE, WORD, ANYWHERE;

    boolean endsAt(String text, int i) {
      char before = i > 0 ? text.charAt(i - 1) : '\n';
      return switch (this) {
        case PARAGRAPH -> i > 1 && before == '\n' && text.charAt(i - 2) == '\n';
        case LINE -> before == '\n';
        case SENTENCE -> i > 1 && Character.isWhitespace(before) && ".!?".indexOf(text.charAt(i - 2)) >= 0;
        case WORD -> Character.isWhitespace(before);
        case ANYWHERE -> true;
      };
    }
  }
}
