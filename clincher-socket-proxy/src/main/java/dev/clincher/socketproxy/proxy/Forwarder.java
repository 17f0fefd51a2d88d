package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.RequestHead;
import dev.clincher.socketproxy.policy.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Sends one allowed request to Docker and relays the answer: a response delimited by Content-Length, chunked
 * (flushed chunk by chunk, so {@code /events} and logs stream live and without a timeout) or by close, or a
 * hijacked raw stream after {@code 101 UPGRADED}.
 *
 * <p>The request head is rebuilt from the parsed fields with the framing the proxy decided, so Docker reads the
 * body exactly as the proxy did: an inspected body goes out with its own Content-Length, a streamed chunked body
 * is re-chunked.
 */
final class Forwarder {
  /** Hop-by-hop framing fields that the proxy sets itself. */
  private static final List<String> REPLACED = List.of("content-length", "transfer-encoding", "expect");
  private static final int MAX_RESPONSE_HEAD = 64 * 1024;

  /** Opens (or reuses) the upstream connection. */
  @FunctionalInterface
  interface UpstreamSource {
    Upstream get() throws IOException;
  }

  private final ProxyContext context;
  private final Socket client;
  private final ClientSource source;
  private final ByteInput in;
  private final OutputStream out;

  Forwarder(ProxyContext context, Socket client, ClientSource source, ByteInput in, OutputStream out) {
    this.context = context;
    this.client = client;
    this.source = source;
    this.in = in;
    this.out = out;
  }

  /**
   * Forwards and relays; returns whether the client connection can carry another request.
   *
   * @param body the inspected body to send, or null to stream the client's body (if any) as it arrives
   */
  boolean forward(UpstreamSource upstreams, Runnable dropUpstream, RequestHead head, Endpoint endpoint,
      String target, Framing framing, byte[] body, boolean clientKeepAlive) throws IOException, BadRequestException {
    Upstream upstream = connect(upstreams);
    try {
      send(upstream, head, target, framing, body);
      ResponseHead response = readResponse(upstream);
      if (response.status() == 101) {
        relayHijacked(response, upstream);
        dropUpstream.run();
        return false;
      }
      boolean reusable = relayResponse(head, endpoint, response, upstream);
      if (!reusable) {
        dropUpstream.run();
      }
      return reusable && clientKeepAlive;
    } catch (IOException | BadRequestException | RuntimeException e) {
      dropUpstream.run();
      throw e;
    }
  }

  private static Upstream connect(UpstreamSource upstreams) throws BadRequestException {
    try {
      return upstreams.get();
    } catch (IOException e) {
      throw new BadRequestException(502, "docker_unreachable", "cannot connect to the Docker socket");
    }
  }

  private void send(Upstream upstream, RequestHead head, String target, Framing framing, byte[] body)
      throws IOException, BadRequestException {
    OutputStream docker = upstream.output();
    byte[] requestHead = upstreamHead(head, target, framing, body);
    if (body != null || !framing.hasBody()) {
      byte[] message = body == null ? requestHead : concat(requestHead, body);
      docker.write(message);
      return;
    }
    ClientConnection.acceptExpectation(head, out);
    docker.write(requestHead);
    source.idle(context.limits().idleTimeout());
    if (framing.chunked()) {
      Chunked.relayRequest(in, docker);
    } else {
      in.copyExactly(framing.length(), docker);
    }
  }

  private static ResponseHead readResponse(Upstream upstream) throws IOException, BadRequestException {
    ResponseHead response = readHead(upstream);
    while (response.status() >= 100 && response.status() < 200 && response.status() != 101) {
      response = readHead(upstream);
    }
    return response;
  }

  private static ResponseHead readHead(Upstream upstream) throws IOException, BadRequestException {
    try {
      return ResponseHead.parse(upstream.input().readHead(MAX_RESPONSE_HEAD));
    } catch (BadRequestException e) {
      throw new BadRequestException(502, "bad_upstream_response", "Docker closed or sent a malformed response");
    }
  }

  /** Relays a normal response; returns whether the upstream connection can be reused. */
  private boolean relayResponse(RequestHead head, Endpoint endpoint, ResponseHead response, Upstream upstream)
      throws IOException, BadRequestException {
    out.write(response.raw());
    int status = response.status();
    if (head.method().equals("HEAD") || status == 204 || status == 304) {
      out.flush();
    } else if (response.hasToken("Transfer-Encoding", "chunked")) {
      Chunked.relayResponse(upstream.input(), out);
    } else if (response.header("Content-Length").isPresent()) {
      upstream.input().copyExactly(contentLength(response), out);
      out.flush();
    } else if (endpoint.hijacks() && status == 200) {
      out.flush();
      relayRaw(upstream);
      return false;
    } else {
      upstream.input().copyToEnd(out);
      return false;
    }
    return !response.hasToken("Connection", "close");
  }

  private void relayHijacked(ResponseHead response, Upstream upstream) throws IOException {
    out.write(response.raw());
    out.flush();
    relayRaw(upstream);
  }

  private void relayRaw(Upstream upstream) throws IOException {
    source.idle(Duration.ZERO);
    Hijack.relay(client, in, out, upstream);
  }

  private static long contentLength(ResponseHead response) throws BadRequestException {
    try {
      return Long.parseLong(response.header("Content-Length").orElseThrow());
    } catch (NumberFormatException e) {
      throw new BadRequestException(502, "bad_upstream_response", "Docker sent an invalid Content-Length");
    }
  }

  /** The head sent to Docker: the client's fields, with the target and framing the proxy decided. */
  static byte[] upstreamHead(RequestHead head, String target, Framing framing, byte[] body) {
    StringBuilder text = new StringBuilder(256);
    text.append(head.method()).append(' ').append(target).append(' ').append(head.version()).append("\r\n");
    for (RequestHead.Header header : head.headers()) {
      if (!isReplaced(header.name())) {
        text.append(header.name()).append(": ").append(header.value()).append("\r\n");
      }
    }
    if (body != null) {
      text.append("Content-Length: ").append(body.length).append("\r\n");
    } else if (framing.chunked()) {
      text.append("Transfer-Encoding: chunked\r\n");
    } else if (framing.declared()) {
      text.append("Content-Length: ").append(framing.length()).append("\r\n");
    }
    return text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static boolean isReplaced(String name) {
    for (String replaced : REPLACED) {
      if (replaced.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] all = new byte[first.length + second.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }
}
