package dev.clincher.egress.address;

/**
 * A requested host that Clincher refuses to interpret: malformed, or ambiguous in a way that could
 * reach an address the policy would deny (for example {@code 127.1} or {@code 0x7f000001}).
 *
 * <p>{@link #reason()} is a short, stable, machine-readable code for logs and metrics; the message is
 * for humans and quotes the offending input with control characters escaped.
 *
 * <p>Carries no stack trace: it is an expected outcome that any client can trigger at will, so it must
 * be cheap, and the reason code says everything a stack trace would.
 */
public final class InvalidHostException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Syntax error: empty, too long, bad characters or labels, stray brackets. */
  public static final String INVALID_HOST = "invalid_host";
  /** A numeric host that is not a canonical dotted quad ({@code 127.1}, {@code 2130706433}, ...). */
  public static final String AMBIGUOUS_NUMERIC_HOST = "ambiguous_numeric_host";
  /** Bracketed or colon-containing text that is not a valid IPv6 literal. */
  public static final String INVALID_IP_LITERAL = "invalid_ip_literal";
  /** An IPv6 literal with a zone id ({@code fe80::1%eth0}, {@code %25eth0}). */
  public static final String IPV6_ZONE_ID = "ipv6_zone_id";

  private static final int MAX_QUOTED = 80;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String reason;

  /**
   * @param reason one of the constants of this class
   * @param host the offending input (quoted safely in the message)
   * @param detail why it was refused
   */
  public InvalidHostException(String reason, String host, String detail) {
    super(reason + ": " + quote(host) + ": " + detail, null, false, false);
    this.reason = reason;
  }

  /** The machine-readable reason code, e.g. {@code ambiguous_numeric_host}. */
  public String reason() {
    return reason;
  }

  /** The input in double quotes, truncated, with anything outside printable ASCII escaped. */
  static String quote(String host) {
    if (host == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    int end = Math.min(host.length(), MAX_QUOTED);
    for (int i = 0; i < end; i++) {
      char c = host.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        out.append(c);
      } else {
        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
            .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      }
    }
    if (host.length() > MAX_QUOTED) {
      out.append("...(").append(host.length()).append(" chars)");
    }
    return out.append('"').toString();
  }
}
