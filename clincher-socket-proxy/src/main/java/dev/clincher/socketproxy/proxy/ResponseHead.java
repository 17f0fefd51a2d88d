package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    String[] lines = text.substring(0, text.length() - 4).split("\r\n", -1);
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.") || statusLine[1].length() != 3) {
      throw new BadRequestException(502, "bad_upstream_response", "Docker sent a malformed status line");
    }
    int status;
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (NumberFormatException e) {
      throw new BadRequestException(502, "bad_upstream_response", "Docker sent a malformed status code");
    }
    List<String[]> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        throw new BadRequestException(502, "bad_upstream_response", "Docker sent a malformed header line");
      }
      headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
    }
    return new ResponseHead(raw, status, List.copyOf(headers));
  }

  Optional<String> header(String name) {
    return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst();
  }

  /** Whether a comma-separated header (Connection, Transfer-Encoding) has this token. */
  boolean hasToken(String name, String token) {
    return headers.stream().filter(h -> h[0].equalsIgnoreCase(name))
        .flatMap(h -> List.of(h[1].split(",")).stream())
        .anyMatch(value -> value.trim().toLowerCase(Locale.ROOT).equals(token));
  }
}
