package dev.clincher.egress.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The proxy's own responses. Errors carry the reason in the {@code X-Clincher-Error} header (and Smokescreen's
 * {@code X-Smokescreen-Error}, for tooling that reads it) and in a JSON body; every error closes the connection.
 */
public final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Integer, String> PHRASES = Map.ofEntries(
      Map.entry(200, "OK"),
      Map.entry(400, "Bad Request"),
      Map.entry(401, "Unauthorized"),
      Map.entry(403, "Forbidden"),
      Map.entry(404, "Not Found"),
      Map.entry(405, "Method Not Allowed"),
      Map.entry(408, "Request Timeout"),
      Map.entry(411, "Length Required"),
      Map.entry(429, "Too Many Requests"),
      Map.entry(431, "Request Header Fields Too Large"),
      Map.entry(501, "Not Implemented"),
      Map.entry(502, "Bad Gateway"),
      Map.entry(503, "Service Unavailable"),
      Map.entry(504, "Gateway Timeout"),
      Map.entry(505, "HTTP Version Not Supported"));

  /** What a client gets when its CONNECT is accepted; the tunnel starts right after. */
  public static final byte[] CONNECTION_ESTABLISHED =
      "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private Responses() {}

  /**
   * An error response. {@code reason} must be a snake_case token and {@code message} plain text chosen by the proxy
   * (never raw client input), since the reason goes into a header.
   */
  public static byte[] error(int status, String reason, String message) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("type", reason);
    error.put("message", message);
    byte[] json = (body + "\n").getBytes(StandardCharsets.UTF_8);
    String extra = "X-Clincher-Error: " + reason + "\r\nX-Smokescreen-Error: " + reason + "\r\n"
        + (status == 429 || status == 503 ? "Retry-After: 1\r\n" : "");
    return response(status, "application/json", extra, json);
  }

  /** A complete response with a body, closing the connection. */
  public static byte[] response(int status, String contentType, String extraHeaders, byte[] body) {
    String head = "HTTP/1.1 " + status + " " + PHRASES.getOrDefault(status, "Error") + "\r\n"
        + "Content-Type: " + contentType + "\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + extraHeaders
        + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, all, 0, headBytes.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }
}
