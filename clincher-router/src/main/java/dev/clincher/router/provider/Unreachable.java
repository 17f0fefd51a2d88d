package dev.clincher.router.provider;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;

/**
 * Why a provider could not be reached, read from the failure the HTTP client reported: a {@code code} for machines
 * (the OpenAI error's {@code code}, the log's {@code error_code}) and a sentence for people. It never holds a URL or
 * a key.
 *
 * <pre>
 *   dns_failure          the provider's host name did not resolve
 *   egress_refused       the egress proxy (HTTPS_PROXY/HTTP_PROXY) refused the connection, with its reason
 *   tls_failure          the TLS handshake failed (e.g. a certificate the router does not trust)
 *   connection_refused   nothing listens on the provider's port
 *   no_route             the network has no route to the provider
 *   timeout              no answer in time
 *   connect_failed       anything else
 * </pre>
 */
public record Unreachable(String code, String sentence, boolean timedOut) {
  /** The headers in which Clincher's egress (and Smokescreen) name why they refused. */
  static final List<String> PROXY_REASON_HEADERS = List.of("X-Clincher-Error", "X-Smokescreen-Error");
  private static final Pattern REASON = Pattern.compile("[a-z0-9_.-]{1,64}");
  private static final int MAX_DETAIL_CHARS = 200;

  /** Classifies {@code failure} by the first cause in its chain that says something. */
  public static Unreachable of(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      Optional<Unreachable> known = classify(cause);
      if (known.isPresent()) {
        return known.get();
      }
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new Unreachable("connect_failed", "the connection failed (" + root.getClass().getSimpleName() + ")", false);
  }

  /** An HTTP proxy answered a non-2xx status instead of connecting (its reason header, if any, is named). */
  public static Unreachable proxyRefused(int status, HttpFields headers) {
    Optional<String> reason = proxyReason(headers);
    return new Unreachable("egress_refused", "the egress proxy refused the connection (HTTP " + status
        + reason.map(r -> ", reason " + r).orElse("") + ")", false);
  }

  /** The proxy's reason token, when it sent one that is a plain token. */
  static Optional<String> proxyReason(HttpFields headers) {
    for (String name : PROXY_REASON_HEADERS) {
      String value = headers.get(name);
      if (value != null && REASON.matcher(value.trim().toLowerCase(Locale.ROOT)).matches()) {
        return Optional.of(value.trim().toLowerCase(Locale.ROOT));
      }
    }
    return Optional.empty();
  }

  /** A timeout, said by {@code sentence}. */
  public static Unreachable timeout(String sentence) {
    return new Unreachable("timeout", sentence, true);
  }

  /** No answer within the deployment's {@code timeout}. */
  public static Unreachable noAnswerWithin(java.time.Duration timeout) {
    return timeout("the provider did not answer within " + timeout.toMillis() + " ms (the deployment's timeout)");
  }

  private static Optional<Unreachable> classify(Throwable cause) {
    return Optional.ofNullable(switch (cause) {
      case UnknownHostException e -> dns();
      case UnresolvedAddressException e -> dns();
      case HttpResponseException e when answersConnect(e.getResponse()) -> proxyRefused(e.getResponse());
      case SSLException e -> tls(e);
      case ConnectException e -> new Unreachable("connection_refused",
          "the provider refused the connection (nothing listens on its port?)", false);
      case NoRouteToHostException e -> new Unreachable("no_route", "there is no network route to the provider",
          false);
      case SocketTimeoutException e -> timeout("connecting to the provider timed out");
      case TimeoutException e -> timeout("the provider did not answer in time");
      default -> null;
    });
  }

  private static Unreachable dns() {
    return new Unreachable("dns_failure", "the provider's host name could not be resolved (DNS)", false);
  }

  /** Whether {@code response} is a proxy's answer to the router's {@code CONNECT} (the tunnel to an https base). */
  private static boolean answersConnect(Response response) {
    return response != null && response.getRequest() != null
        && "CONNECT".equals(response.getRequest().getMethod());
  }

  private static Unreachable proxyRefused(Response response) {
    return proxyRefused(response.getStatus(), response.getHeaders());
  }

  /** A failed handshake; an untrusted certificate says where trust is configured. */
  private static Unreachable tls(SSLException error) {
    boolean untrusted = false;
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      untrusted |= cause instanceof CertificateException || cause instanceof CertPathValidatorException;
    }
    String detail = error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    detail = detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) + "…" : detail;
    return new Unreachable("tls_failure", "the TLS handshake with the provider failed"
        + (untrusted ? ", its certificate is not trusted (see SSL_CERT_FILE and ssl_verify)" : "")
        + " (" + detail + ")", false);
  }
}
