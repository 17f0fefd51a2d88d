package dev.clincher.common.http1;

import java.util.List;
import java.util.Optional;

/**
 * A parsed HTTP/1.x request head: request line and header fields, exactly as the client sent them
 * (names keep their case; {@link #header(String)} looks them up case-insensitively).
 *
 * @param method the request method token, e.g. {@code CONNECT}
 * @param target the request-target, e.g. {@code api.openai.com:443} or {@code http://example.com/}
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers the header fields in arrival order
 * @param size the number of bytes the head took on the wire, including the final empty line
 */
public record RequestHead(String method, String target, String version, List<Header> headers, int size) {

  /** One header field. */
  public record Header(String name, String value) {}

  public RequestHead {
    headers = List.copyOf(headers);
  }

  /** The value of the only header field with this name, if present; the parser rejects duplicates of the ones we read. */
  public Optional<String> header(String name) {
    for (Header header : headers) {
      if (header.name().equalsIgnoreCase(name)) {
        return Optional.of(header.value());
      }
    }
    return Optional.empty();
  }

  /** How many header fields carry this name, in any letter case. */
  public long count(String name) {
    long count = 0;
    for (Header header : headers) {
      if (header.name().equalsIgnoreCase(name)) {
        count++;
      }
    }
    return count;
  }
}
