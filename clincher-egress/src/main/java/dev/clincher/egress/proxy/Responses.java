package dev.clincher.egress.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.http1.RawResponses;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's own responses. Errors carry the reason in the {@code X-Clincher-Error} header (and Smokescreen's
 * {@code X-Smokescreen-Error}, for tooling that reads it) and in a JSON body; every error closes the connection.
 */
public final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();
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
    return RawResponses.response(status, contentType, extraHeaders, body, false);
  }
}
