package dev.clincher.socketproxy.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.http1.RawResponses;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's own responses. Errors carry a JSON body that both Docker clients and Clincher tooling read:
 * {@code message} (what the docker CLI prints after "Error response from daemon:") and
 * {@code error.type}/{@code error.message} (Clincher's error shape), with the deciding rule in {@code rule} and in
 * the {@code X-Clincher-Rule} header. Every error closes the connection.
 */
final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private Responses() {}

  /**
   * An error response; {@code rule} must be a token and {@code reason} text chosen by the proxy.
   *
   * @param headOnly answer a HEAD request: the same head, no body
   */
  static byte[] error(int status, String rule, String reason, boolean headOnly) {
    String phrase = RawResponses.phrase(status);
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
    return RawResponses.response(status, contentType, extraHeaders, body, headOnly);
  }
}
