package dev.clincher.gateway.auth;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The origin a request was addressed to, as the browser saw it: {@code scheme://host[:port]}.
 *
 * <p>Directly, the scheme is the connection's ({@code https} only over TLS) and the host the {@code Host} header.
 * Behind a trusted reverse proxy (the TCP peer is in {@code trusted_proxies}), {@code X-Forwarded-Proto} and
 * {@code X-Forwarded-Host} replace them when the proxy sent exactly one plain value; from any other peer those
 * headers are ignored, since a client can write anything there. Several {@code Host} values, or a value that is not
 * a plain host, give no origin (and so no same-origin match).
 */
final class RequestOrigin {
  private RequestOrigin() {}

  static Optional<String> of(AuthRequest request, boolean fromTrustedProxy) {
    String scheme = request.secure() ? "https" : "http";
    List<String> hosts = request.header("Host");
    if (fromTrustedProxy) {
      List<String> proto = request.header("X-Forwarded-Proto");
      if (proto.size() == 1) {
        scheme = proto.get(0).strip().toLowerCase(Locale.ROOT);
      }
      List<String> forwardedHost = request.header("X-Forwarded-Host");
      if (forwardedHost.size() == 1) {
        hosts = forwardedHost;
      }
    }
    if (hosts.size() != 1 || !(scheme.equals("http") || scheme.equals("https"))) {
      return Optional.empty();
    }
    return AllowedOrigins.normalise(scheme + "://" + hosts.get(0).strip());
  }
}
