package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A response head from Docker: the status and the header fields the proxy needs for framing. The raw bytes are
 * forwarded to the client unchanged.
 *
 * @param raw the head exactly as received, ending with the empty line
 * @param status the status code
 * @param headers the header fields as name/value pairs, in order
 */
record ResponseHead(byte[] raw, int status, List<String[]> headers) {

  static ResponseHead parse(byte[] raw) throws BadRequestException {
    String text = new String(raw, 0, raw.length - 2, StandardCharsets.ISO_8859_1);
    int lineEnd = text.indexOf("\r\n");
    int status = parseStatus(text.substring(0, lineEnd));
    List<String[]> headers = new ArrayList<>();
    for (int start = lineEnd + 2; start < text.length(); start = lineEnd + 2) {
      lineEnd = text.indexOf("\r\n", start);
      int colon = text.indexOf(':', start);
      if (colon <= start || colon > lineEnd) {
        throw new BadRequestException(502, "bad_upstream_response", "Docker sent a malformed header line");
      }
      headers.add(new String[] {text.substring(start, colon).trim(), text.substring(colon + 1, lineEnd).trim()});
    }
    return new ResponseHead(raw, status, List.copyOf(headers));
  }

  /** The code of a status line {@code HTTP/1.x NNN reason}. */
  private static int parseStatus(String line) throws BadRequestException {
    int space = line.indexOf(' ');
    int codeEnd = space < 0 ? -1 : line.indexOf(' ', space + 1);
    String code = space < 0 ? "" : line.substring(space + 1, codeEnd < 0 ? line.length() : codeEnd);
    if (space < 0 || !line.startsWith("HTTP/1.") || code.length() != 3) {
      throw new BadRequestException(502, "bad_upstream_response", "Docker sent a malformed status line");
    }
    try {
      return Integer.parseInt(code);
    } catch (NumberFormatException e) {
      throw new BadRequestException(502, "bad_upstream_response", "Docker sent a malformed status code");
    }
  }

  Optional<String> header(String name) {
    for (String[] header : headers) {
      if (header[0].equalsIgnoreCase(name)) {
        return Optional.of(header[1]);
      }
    }
    return Optional.empty();
  }

  /** Whether a comma-separated header (Connection, Transfer-Encoding) has this token. */
  boolean hasToken(String name, String token) {
    for (String[] header : headers) {
      if (header[0].equalsIgnoreCase(name) && Tokens.contains(header[1], token)) {
        return true;
      }
    }
    return false;
  }
}
