package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.RequestHead;

/**
 * How a request body is delimited, decided once from the head so the proxy and Docker cannot disagree: either no
 * body, a Content-Length, or {@code Transfer-Encoding: chunked} alone. Both together, any other coding, and
 * malformed lengths are refused (the classic request-smuggling ambiguities).
 *
 * @param chunked whether the body is chunked
 * @param length the Content-Length when not chunked (0 when there is no body)
 * @param declared whether the client sent a Content-Length header at all
 */
record Framing(boolean chunked, long length, boolean declared) {
  private static final int MAX_LENGTH_DIGITS = 15;

  static Framing of(RequestHead head) throws BadRequestException {
    String encoding = head.header("Transfer-Encoding").orElse(null);
    String length = head.header("Content-Length").orElse(null);
    if (encoding != null) {
      if (length != null) {
        throw BadRequestException.malformed("both Content-Length and Transfer-Encoding");
      }
      if (!encoding.equalsIgnoreCase("chunked") || head.version().equals("HTTP/1.0")) {
        throw new BadRequestException(501, "unsupported_transfer_encoding", "only Transfer-Encoding: chunked");
      }
      return new Framing(true, -1, false);
    }
    if (length == null) {
      return new Framing(false, 0, false);
    }
    if (length.isEmpty() || length.length() > MAX_LENGTH_DIGITS || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw BadRequestException.malformed("invalid Content-Length");
    }
    return new Framing(false, Long.parseLong(length), true);
  }

  boolean hasBody() {
    return chunked || length > 0;
  }
}
