package dev.clincher.gateway.auth;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * What authentication looks at in a request, independent of the HTTP server: the TCP peer and the raw values of the
 * relevant headers (each list holds every occurrence of the header, in order; empty when absent).
 *
 * @param peer the TCP peer address
 * @param authorization {@code Authorization} header values
 * @param forwardedFor {@code X-Forwarded-For} header values
 * @param origin {@code Origin} header values
 * @param webSocketProtocols {@code Sec-WebSocket-Protocol} header values (only read for a WebSocket upgrade)
 * @param webSocketUpgrade whether the request is a WebSocket upgrade
 */
public record AuthRequest(InetAddress peer, List<String> authorization, List<String> forwardedFor,
    List<String> origin, List<String> webSocketProtocols, boolean webSocketUpgrade) {

  public AuthRequest {
    Objects.requireNonNull(peer, "peer");
    authorization = List.copyOf(authorization);
    forwardedFor = List.copyOf(forwardedFor);
    origin = List.copyOf(origin);
    webSocketProtocols = List.copyOf(webSocketProtocols);
  }

  /** A plain HTTP request. */
  public static AuthRequest http(InetAddress peer, List<String> authorization, List<String> forwardedFor,
      List<String> origin) {
    return new AuthRequest(peer, authorization, forwardedFor, origin, List.of(), false);
  }
}
