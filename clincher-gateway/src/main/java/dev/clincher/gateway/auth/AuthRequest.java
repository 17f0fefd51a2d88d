package dev.clincher.gateway.auth;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What authentication looks at in a request, independent of the HTTP server: the TCP peer, the method, whether the
 * connection is TLS, and the raw values of the headers (each list holds every occurrence of a header, in order).
 *
 * @param peer the TCP peer address
 * @param method the HTTP method ({@code GET}, {@code POST}, …)
 * @param secure whether the connection to the gateway itself is TLS
 * @param headers header values by lower-case name
 * @param webSocketUpgrade whether the request is a WebSocket upgrade
 */
public record AuthRequest(InetAddress peer, String method, boolean secure, Map<String, List<String>> headers,
    boolean webSocketUpgrade) {
  /** The header a cookie-authenticated request that changes state must carry (any value). */
  public static final String CSRF_HEADER = "X-Clincher-CSRF";

  public AuthRequest {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(method, "method");
    Map<String, List<String>> copy = new HashMap<>();
    headers.forEach((name, values) -> copy.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    headers = Map.copyOf(copy);
  }

  /** A plain {@code GET} over plain HTTP with these headers (for tests and non-browser clients). */
  public static AuthRequest http(InetAddress peer, List<String> authorization, List<String> forwardedFor,
      List<String> origin) {
    return new AuthRequest(peer, "GET", false, Map.of("authorization", authorization,
        "x-forwarded-for", forwardedFor, "origin", origin), false);
  }

  /** The same request with {@code name} set to {@code values}. */
  public AuthRequest withHeader(String name, String... values) {
    Map<String, List<String>> changed = new HashMap<>(headers);
    changed.put(name.toLowerCase(Locale.ROOT), List.of(values));
    return new AuthRequest(peer, method, secure, changed, webSocketUpgrade);
  }

  /** The same request with another method. */
  public AuthRequest withMethod(String newMethod) {
    return new AuthRequest(peer, newMethod, secure, headers, webSocketUpgrade);
  }

  /** Every value of header {@code name} (case-insensitive); empty when absent. */
  public List<String> header(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  public List<String> authorization() {
    return header("Authorization");
  }

  public List<String> forwardedFor() {
    return header("X-Forwarded-For");
  }

  public List<String> origin() {
    return header("Origin");
  }

  public List<String> webSocketProtocols() {
    return header("Sec-WebSocket-Protocol");
  }

  /** Whether the method may change state (everything but GET, HEAD and OPTIONS). */
  public boolean changesState() {
    return !List.of("GET", "HEAD", "OPTIONS").contains(method);
  }
}
