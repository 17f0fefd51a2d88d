package dev.clincher.egress.proxy;

import dev.clincher.common.http1.BadRequestException;
import java.util.Locale;

/**
 * A {@code host:port} pair as written in a CONNECT request-target or an absolute URI, not yet resolved.
 * The host keeps IPv6 brackets; {@link #hostWithoutBrackets()} drops them.
 */
public record Authority(String host, int port) {

  /**
   * Parses {@code host:port} strictly: the port is required, decimal, 1–65535 without leading zeros; an IPv6 host
   * must be bracketed; nothing else may follow.
   */
  public static Authority parse(String text) throws BadRequestException {
    int colon;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw BadRequestException.malformed("IPv6 authority must be [address]:port");
      }
      colon = close + 1;
    } else {
      colon = text.indexOf(':');
      if (colon != text.lastIndexOf(':')) {
        throw BadRequestException.malformed("IPv6 addresses must be bracketed");
      }
    }
    if (colon <= 0) {
      throw BadRequestException.malformed("authority must be host:port");
    }
    return new Authority(text.substring(0, colon), parsePort(text.substring(colon + 1)));
  }

  static int parsePort(String digits) throws BadRequestException {
    boolean valid = !digits.isEmpty() && digits.length() <= 5 && digits.charAt(0) != '0'
        && digits.chars().allMatch(c -> c >= '0' && c <= '9');
    int port = valid ? Integer.parseInt(digits) : -1;
    if (port < 1 || port > 65535) {
      throw BadRequestException.malformed("invalid port");
    }
    return port;
  }

  public String hostWithoutBrackets() {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * Whether a {@code Host} header value names this authority: the same host (ignoring letter case) and either the
   * same port or no port at all.
   */
  public boolean matchesHostHeader(String hostHeader, int defaultPort) {
    String value = hostHeader.toLowerCase(Locale.ROOT);
    String host = this.host.toLowerCase(Locale.ROOT);
    if (value.equals(host)) {
      return port == defaultPort || defaultPort < 0;
    }
    return value.equals(host + ":" + port);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
