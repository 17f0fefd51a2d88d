package dev.clincher.socketproxy.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The proxy's own responses. Errors carry a JSON body that both Docker clients and Clincher tooling read:
 * {@code message} (what the docker CLI prints after "Error response from daemon:") and
 * {@code error.type}/{@code error.message} (Clincher's error shape), with the deciding rule in {@code rule} and in
 * the {@code X-Clincher-Rule} header. Every error closes the connection.
 */
final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Integer, String> PHRASES = Map.ofEntries(
      Map.entry(200, "OK"),
      Map.entry(400, "Bad Request"),
      Map.entry(401, "Unauthorized"),
      Map.entry(403, "Forbidden"),
      Map.entry(404, "Not Found"),
      Map.entry(405, "Method Not Allowed"),
      Map.entry(408, "Request Timeout"),
      Map.entry(413, "Content Too Large"),
      Map.entry(417, "Expectation Failed"),
      Map.entry(429, "Too Many Requests"),
      Map.entry(431, "Request Header Fields Too Large"),
      Map.entry(501, "Not Implemented"),
      Map.entry(502, "Bad Gateway"),
      Map.entry(503, "Service Unavailable"),
      Map.entry(505, "HTTP Version Not Supported"));

  static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private Responses() {}

  /**
   * An error response; {@code rule} must be a token and {@code reason} text chosen by the proxy.
   *
   * @param headOnly answer a HEAD request: the same head, no body
   */
  static byte[] error(int status, String rule, String reason, boolean headOnly) {
    String phrase = PHRASES.getOrDefault(status, "Error");
    ObjectNode body = JSON.createObjectNode();
    body.put("message", status + " " + phrase + " by clincher socket-proxy (rule " + rule + "): " + reason);
    body.put("rule", rule);
    ObjectNode error = body.putObject("error");
    error.put("type", rule);
    error.put("message", reason);
    byte[] json = (body + "\n").getBytes(StandardCharsets.UTF_8);
    return response(status, "application/json", "X-Clincher-Rule: " + rule + "\r\n", json, headOnly);
  }

  /** A complete response that closes the connection. */
  static byte[] response(int status, String contentType, String extraHeaders, byte[] body, boolean headOnly) {
    String head = "HTTP/1.1 " + status + " " + PHRASES.getOrDefault(status, "Error") + "\r\n"
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
