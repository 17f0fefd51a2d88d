package dev.clincher.egress.proxy;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.RequestHead;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Forwards one absolute-form {@code http://} request (only when the operator enabled plain HTTP): the request is
 * rewritten to origin form with {@code Connection: close}, its body is forwarded only up to its
 * {@code Content-Length} (chunked request bodies are refused, so nothing after the body can be smuggled to the
 * upstream), and the response is relayed until the upstream closes. One request per connection.
 */
final class PlainHttpForwarder {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "proxy-connection", "keep-alive",
      "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "host");
  private static final int BUFFER_BYTES = 16 * 1024;

  /** A checked request, ready to forward. */
  record Request(Authority authority, byte[] head, long bodyLength) {}

  /** Bytes moved each way. */
  record Transferred(long up, long down) {}

  private final ProxyLimits limits;

  PlainHttpForwarder(ProxyLimits limits) {
    this.limits = limits;
  }

  /** Validates the absolute URI and body framing and builds the origin-form head to send upstream. */
  Request prepare(RequestHead head) throws BadRequestException {
    URI uri = parseUri(head.target());
    int port = uri.getPort() == -1 ? 80 : uri.getPort();
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw BadRequestException.malformed("invalid port");
    }
    Authority authority = new Authority(uri.getHost(), port);
    String hostHeader = head.header("Host").orElse(null);
    if (hostHeader != null && !authority.matchesHostHeader(hostHeader, 80)) {
      throw new BadRequestException(400, "host_mismatch", "the Host header does not match the request URI");
    }
    if (head.header("Transfer-Encoding").isPresent()) {
      throw new BadRequestException(411, "chunked_body_refused", "plain HTTP request bodies need a Content-Length");
    }
    long bodyLength = parseContentLength(head.header("Content-Length").orElse("0"));
    return new Request(authority, rewrite(head, uri, authority), bodyLength);
  }

  private static URI parseUri(String target) throws BadRequestException {
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException e) {
      throw BadRequestException.malformed("invalid absolute URI");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null
        || uri.getRawFragment() != null || !uri.getRawAuthority().equals(hostAndPort(uri))) {
      throw BadRequestException.malformed("absolute URI must be http://host[:port]/path without user info");
    }
    return uri;
  }

  private static String hostAndPort(URI uri) {
    return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
  }

  private static long parseContentLength(String value) throws BadRequestException {
    if (value.isEmpty() || value.length() > 15 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw BadRequestException.malformed("invalid Content-Length");
    }
    return Long.parseLong(value);
  }

  private static byte[] rewrite(RequestHead head, URI uri, Authority authority) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    StringBuilder out = new StringBuilder()
        .append(head.method()).append(' ').append(path).append(query).append(" HTTP/1.1\r\n")
        .append("Host: ").append(authority.port() == 80 ? authority.host() : authority.toString()).append("\r\n");
    Set<String> dropped = new HashSet<>(HOP_BY_HOP);
    head.header("Connection").ifPresent(value -> {
      for (String name : value.split(",")) {
        dropped.add(name.trim().toLowerCase(Locale.ROOT));
      }
    });
    for (RequestHead.Header header : head.headers()) {
      if (!dropped.contains(header.name().toLowerCase(Locale.ROOT))) {
        out.append(header.name()).append(": ").append(header.value()).append("\r\n");
      }
    }
    out.append("Connection: close\r\n\r\n");
    return out.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Sends the head and exactly the declared body, then relays the response until the upstream closes. */
  Transferred forward(Request request, byte[] extra, SocketChannel client, SocketChannel upstream)
      throws IOException {
    long up = request.head().length;
    ProxyServer.writeFully(upstream, ByteBuffer.wrap(request.head()));
    int fromExtra = (int) Math.min(extra.length, request.bodyLength());
    ProxyServer.writeFully(upstream, ByteBuffer.wrap(extra, 0, fromExtra));
    up += fromExtra;
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, limits.tunnelIdleTimeout().toMillis());
    client.socket().setSoTimeout(timeoutMillis);
    upstream.socket().setSoTimeout(timeoutMillis);
    up += copy(client.socket().getInputStream(), upstream.socket().getOutputStream(),
        request.bodyLength() - fromExtra);
    long down = copy(upstream.socket().getInputStream(), client.socket().getOutputStream(), Long.MAX_VALUE);
    return new Transferred(up, down);
  }

  private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buffer = new byte[BUFFER_BYTES];
    long copied = 0;
    try {
      while (copied < limit) {
        int read = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied));
        if (read < 0) {
          break;
        }
        out.write(buffer, 0, read);
        copied += read;
      }
    } catch (SocketTimeoutException e) {
      // idle for too long: stop relaying, the caller closes both sides
    }
    out.flush();
    return copied;
  }
}
