package dev.clincher.common.http1;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Complete HTTP/1.1 responses written as bytes, for the services that speak HTTP/1 on raw sockets (the egress and
 * socket proxies). Every response carries a {@code Content-Length} and closes the connection.
 */
public final class RawResponses {
  private static final Map<Integer, String> PHRASES = Map.ofEntries(
      Map.entry(200, "OK"),
      Map.entry(400, "Bad Request"),
      Map.entry(401, "Unauthorized"),
      Map.entry(403, "Forbidden"),
      Map.entry(404, "Not Found"),
      Map.entry(405, "Method Not Allowed"),
      Map.entry(408, "Request Timeout"),
      Map.entry(411, "Length Required"),
      Map.entry(413, "Content Too Large"),
      Map.entry(417, "Expectation Failed"),
      Map.entry(429, "Too Many Requests"),
      Map.entry(431, "Request Header Fields Too Large"),
      Map.entry(501, "Not Implemented"),
      Map.entry(502, "Bad Gateway"),
      Map.entry(503, "Service Unavailable"),
      Map.entry(504, "Gateway Timeout"),
      Map.entry(505, "HTTP Version Not Supported"));

  private RawResponses() {}

  /** The reason phrase for a status, e.g. {@code Forbidden}; {@code Error} for statuses not listed. */
  public static String phrase(int status) {
    return PHRASES.getOrDefault(status, "Error");
  }

  /**
   * A complete response that closes the connection.
   *
   * @param extraHeaders zero or more {@code Name: value\r\n} lines, chosen by the caller (never client input)
   * @param headOnly answer a HEAD request: the same head, no body
   */
  public static byte[] response(int status, String contentType, String extraHeaders, byte[] body, boolean headOnly) {
    String head = "HTTP/1.1 " + status + " " + phrase(status) + "\r\n"
        + "Content-Type: " + contentType + "\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + extraHeaders
        + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    if (headOnly) {
      return headBytes;
    }
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }
}
