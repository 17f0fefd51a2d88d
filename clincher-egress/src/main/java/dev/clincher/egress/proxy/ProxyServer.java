package dev.clincher.egress.proxy;

import dev.clincher.common.log.RecentRefusals;
import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.HeadReader;
import dev.clincher.common.http1.RequestHead;
import dev.clincher.common.http1.RequestHeadParser;
import dev.clincher.common.net.IpLiterals;
import dev.clincher.egress.decision.Decision;
import dev.clincher.egress.decision.EgressDecider;
import dev.clincher.egress.tunnel.ConnectFailure;
import dev.clincher.egress.tunnel.HeadHandler;
import dev.clincher.egress.tunnel.Tunnel;
import dev.clincher.egress.tunnel.TunnelListener;
import dev.clincher.egress.tunnel.TunnelRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The egress proxy's listener. The {@link TunnelRelay}'s selector threads accept each client connection and read its
 * head; a CONNECT to an address literal is decided and connected there without a thread hand-off. Whatever
 * may block — a DNS lookup, answering an error, local endpoints, plain HTTP — runs on a virtual thread. Connections beyond
 * {@link ProxyLimits#maxConnections()} are answered 429 at once and closed, never queued.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.egress");

  private final ProxyLimits limits;
  private final EgressDecider decider;
  private final LocalEndpoints local;
  private final EgressMetrics metrics;
  private final RecentRefusals refusals;
  private final TunnelRelay relay;
  private final RequestHeadParser parser;
  private final HeadHandler.Limits headLimits;
  private final HeadHandler heads = new Heads();
  private final PlainHttpForwarder plainHttp;
  private final Semaphore permits;
  private final ServerSocketChannel listener;

  /**
   * @param listener the bound listening channel (see {@link #bind})
   * @param limits resource limits
   * @param allowPlainHttp whether absolute-form {@code http://} requests are forwarded (refused otherwise)
   * @param decider the egress policy
   * @param local answers requests addressed to the proxy itself (health, metrics)
   * @param metrics where decisions and tunnels are counted
   * @param relay relays accepted tunnels
   * @param refusals where denials are kept for {@code /refusals/recent}
   */
  public ProxyServer(ServerSocketChannel listener, ProxyLimits limits, boolean allowPlainHttp, EgressDecider decider,
      LocalEndpoints local, EgressMetrics metrics, TunnelRelay relay, RecentRefusals refusals) {
    this.refusals = refusals;
    this.listener = listener;
    this.limits = limits;
    this.decider = decider;
    this.local = local;
    this.metrics = metrics;
    this.relay = relay;
    this.parser = new RequestHeadParser(limits.maxHeaders());
    this.headLimits = new HeadHandler.Limits(limits.maxHeadBytes(), limits.headReadTimeout().toNanos());
    this.plainHttp = allowPlainHttp ? new PlainHttpForwarder(limits) : null;
    this.permits = new Semaphore(limits.maxConnections());
  }

  /**
   * Binds the listening socket. Done before the policy is built, so the policy knows the real port to protect.
   */
  public static ServerSocketChannel bind(InetSocketAddress address) throws IOException {
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      channel.bind(address, 4096);
      return channel;
    } catch (IOException e) {
      channel.close();
      throw new IOException("cannot listen on " + IpLiterals.formatWithPort(address.getAddress(), address.getPort())
          + ": " + e.getMessage(), e);
    }
  }

  /** Starts accepting, on the relay's selector threads. */
  public void start() throws IOException {
    relay.listen(listener, this::admit, heads, headLimits);
  }

  /** The bound address (with the real port when 0 was requested). */
  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) listener.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("listener closed", e);
    }
  }

  /** Connections being served right now (handshakes and tunnels). */
  public int activeConnections() {
    return limits.maxConnections() - permits.availablePermits();
  }

  /** Stops accepting new connections; open tunnels keep running until the relay is closed. */
  public void stopAccepting() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing a listener cannot fail in a way we could act on
    }
    relay.listenerClosed();
  }

  @Override
  public void close() {
    stopAccepting();
    relay.close();
  }

  /**
   * Runs on the accepting selector thread for each new (non-blocking) connection: takes a connection permit, or
   * answers 429 with one non-blocking write and closes.
   */
  private boolean admit(SocketChannel client) {
    if (permits.tryAcquire()) {
      return true;
    }
    logRefused(newRequestId(), peer(client), "too_many_connections", 429);
    try (client) {
      client.write(ByteBuffer.wrap(Responses.error(429, "too_many_connections",
          "the proxy is serving its maximum number of connections")));
    } catch (IOException ignored) {
      // the client will see the connection close
    }
    return false;
  }

  /** Work on a client connection that may block; returns true when the connection now belongs to the relay. */
  private interface Job {
    boolean run() throws IOException, BadRequestException;
  }

  /**
   * Where the relay loops report heads, on their own threads: a CONNECT whose target needs no DNS lookup is decided
   * and opened right there; everything else becomes a job on a virtual thread.
   */
  private final class Heads implements HeadHandler {
    @Override
    public Next received(SocketChannel client, byte[] bytes, int headLength, int length) {
      String id = newRequestId();
      InetAddress clientAddress = peer(client);
      HeadReader.Received received;
      try {
        received = new HeadReader.Received(parser.parse(bytes, headLength),
            Arrays.copyOfRange(bytes, headLength, length));
      } catch (BadRequestException e) {
        return refusal(id, clientAddress, client, e);
      }
      if (received.head().method().equals("CONNECT")) {
        Next opened = openWithoutLookup(id, clientAddress, client, received);
        if (opened != null) {
          return opened;
        }
      }
      return blocking(id, clientAddress, client, () -> route(id, clientAddress, client, received));
    }

    @Override
    public Next failed(SocketChannel client, Exception reason) {
      String id = newRequestId();
      return blocking(id, peer(client), client, () -> {
        if (reason instanceof BadRequestException badRequest) {
          throw badRequest;
        }
        throw reason instanceof IOException io ? io : new IOException(reason);
      });
    }
  }

  /** Decides and opens a CONNECT on the loop thread when no lookup is needed; null when it needs one. */
  private HeadHandler.Next openWithoutLookup(String id, InetAddress clientAddress, SocketChannel client,
      HeadReader.Received received) {
    long started = System.nanoTime();
    RequestHead head = received.head();
    Authority target;
    try {
      target = Authority.parse(head.target());
      checkConnectHead(head, target);
    } catch (BadRequestException e) {
      return refusal(id, clientAddress, client, e);
    }
    if (decider.needsLookup(target.host())) {
      return null;
    }
    Decision decision = decider.decide(clientAddress, target.host(), target.port());
    if (!decision.allowed()) {
      return blocking(id, clientAddress, client, () -> {
        deny(id, clientAddress, client, target, decision);
        return false;
      });
    }
    return new HeadHandler.Next.Open(tunnel(id, clientAddress, client, target, decision, received.extra(), started));
  }

  private HeadHandler.Next refusal(String id, InetAddress clientAddress, SocketChannel client, BadRequestException e) {
    return blocking(id, clientAddress, client, () -> {
      throw e;
    });
  }

  private HeadHandler.Next blocking(String id, InetAddress clientAddress, SocketChannel client, Job job) {
    return new HeadHandler.Next.Blocking(() -> serve(id, clientAddress, client, job));
  }

  private void serve(String id, InetAddress clientAddress, SocketChannel client, Job job) {
    boolean handedOver = false;
    try {
      handedOver = job.run();
    } catch (BadRequestException e) {
      logRefused(id, clientAddress, e.reason(), e.status());
      answer(client, Responses.error(e.status(), e.reason(), e.getMessage()));
    } catch (IOException e) {
      LOG.atDebug().addKeyValue("id", id).addKeyValue("error", e.toString()).log("egress.client_io_error");
    } finally {
      if (!handedOver) {
        closeQuietly(client);
        permits.release();
      }
    }
  }

  /** Returns true when the connection now belongs to the relay. */
  private boolean route(String id, InetAddress clientAddress, SocketChannel client, HeadReader.Received received)
      throws IOException, BadRequestException {
    RequestHead head = received.head();
    String target = head.target();
    if (head.method().equals("CONNECT")) {
      return connect(id, clientAddress, client, head, received.extra());
    }
    if (target.startsWith("/")) {
      serveLocal(client, head);
      return false;
    }
    if (target.regionMatches(true, 0, "http://", 0, 7)) {
      forwardPlainHttp(id, clientAddress, client, received);
      return false;
    }
    if (target.regionMatches(true, 0, "https://", 0, 8)) {
      throw new BadRequestException(400, "use_connect", "send https:// requests through CONNECT");
    }
    throw BadRequestException.malformed("unsupported request target form");
  }

  private boolean connect(String id, InetAddress clientAddress, SocketChannel client, RequestHead head, byte[] extra)
      throws BadRequestException {
    long started = System.nanoTime();
    Authority target = Authority.parse(head.target());
    checkConnectHead(head, target);
    Decision decision = decide(id, clientAddress, client, target);
    if (decision == null) {
      return false;
    }
    relay.start(tunnel(id, clientAddress, client, target, decision, extra, started));
    return true;
  }

  private Tunnel tunnel(String id, InetAddress clientAddress, SocketChannel client, Authority target,
      Decision decision, byte[] extra, long started) {
    Tunnel.Target upstream = new Tunnel.Target(decision.addresses(), target.port(), limits.connectTimeout());
    return new Tunnel(id, client, upstream, Responses.CONNECTION_ESTABLISHED, extra,
        new TunnelOutcome(id, clientAddress, target, decision, started));
  }

  /** The policy decision for an allowed request, or null after answering and logging a denial. */
  private Decision decide(String id, InetAddress clientAddress, SocketChannel client, Authority target) {
    Decision decision = decider.decide(clientAddress, target.host(), target.port());
    if (decision.allowed()) {
      return decision;
    }
    deny(id, clientAddress, client, target, decision);
    return null;
  }

  private void deny(String id, InetAddress clientAddress, SocketChannel client, Authority target, Decision decision) {
    logDecision(id, clientAddress, target, decision, "deny", decision.reason(), addressList(decision));
    answer(client, Responses.error(decision.status(), decision.reason(), denialMessage(decision)));
  }

  /**
   * A CONNECT must name its target once: a Host header that names another authority is an attempt to confuse
   * whoever reads which one, and a body has no meaning before the tunnel exists.
   */
  private static void checkConnectHead(RequestHead head, Authority target) throws BadRequestException {
    String host = head.header("Host").orElse(null);
    if (host == null && head.version().equals("HTTP/1.1")) {
      throw new BadRequestException(400, "missing_host", "HTTP/1.1 requests need a Host header");
    }
    if (host != null && !target.matchesHostHeader(host, -1)) {
      throw new BadRequestException(400, "host_mismatch", "the Host header does not match the CONNECT target");
    }
    boolean hasBody = head.header("Transfer-Encoding").isPresent()
        || head.header("Content-Length").map(length -> !length.equals("0")).orElse(false);
    if (hasBody) {
      throw BadRequestException.malformed("CONNECT requests cannot carry a body");
    }
  }

  private void forwardPlainHttp(String id, InetAddress clientAddress, SocketChannel client,
      HeadReader.Received received) throws IOException, BadRequestException {
    if (plainHttp == null) {
      throw new BadRequestException(403, "plain_http_disabled",
          "plain http:// requests are not forwarded; use https (CONNECT) or enable allow_plain_http");
    }
    PlainHttpForwarder.Request request = plainHttp.prepare(received.head());
    Authority target = request.authority();
    Decision decision = decide(id, clientAddress, client, target);
    if (decision == null) {
      return;
    }
    SocketChannel upstream;
    try {
      upstream = Upstreams.connect(decision.addresses(), target.port(), limits.connectTimeout(), metrics);
    } catch (Upstreams.ConnectFailedException e) {
      logDecision(id, clientAddress, target, decision, "error", e.failure().reason(), addressList(decision));
      answer(client, Responses.error(e.failure().status(), e.failure().reason(), e.failure().message()));
      return;
    }
    logDecision(id, clientAddress, target, decision, decision.reportOnly() ? "report" : "allow", decision.reason(),
        remoteAddress(upstream));
    long started = System.nanoTime();
    try (upstream) {
      PlainHttpForwarder.Transferred moved = plainHttp.forward(request, received.extra(), client, upstream);
      logClosed(id, "completed", moved.up(), moved.down(), Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private void serveLocal(SocketChannel client, RequestHead head) throws IOException {
    if (!head.method().equals("GET") && !head.method().equals("HEAD")) {
      answer(client, Responses.error(405, "method_not_allowed", "only GET and HEAD are served locally"));
      return;
    }
    byte[] response = local.respond(head)
        .orElseGet(() -> Responses.error(404, "not_found", "no such endpoint on the egress proxy"));
    answer(client, response);
  }

  /** What the relay reports about one tunnel: logged as its decision line and its close line. */
  private final class TunnelOutcome implements TunnelListener {
    private final String id;
    private final InetAddress clientAddress;
    private final Authority target;
    private final Decision decision;
    private final long startedNanos;

    TunnelOutcome(String id, InetAddress clientAddress, Authority target, Decision decision, long startedNanos) {
      this.id = id;
      this.clientAddress = clientAddress;
      this.target = target;
      this.decision = decision;
      this.startedNanos = startedNanos;
    }

    @Override
    public void connected(Tunnel tunnel, InetSocketAddress upstream, Duration connectTime) {
      metrics.connected(connectTime, Duration.ofNanos(System.nanoTime() - startedNanos));
      String result = decision.reportOnly() ? "report" : "allow";
      logDecision(id, clientAddress, target, decision, result, decision.reason(),
          upstream.getAddress().getHostAddress());
    }

    @Override
    public void connectFailed(Tunnel tunnel, ConnectFailure failure) {
      logDecision(id, clientAddress, target, decision, "error", failure.reason(), addressList(decision));
      Thread.ofVirtual().name("egress-answer").start(() -> {
        answer(tunnel.client(), Responses.error(failure.status(), failure.reason(), failure.message()));
        closeQuietly(tunnel.client());
        permits.release();
      });
    }

    @Override
    public void closed(Tunnel tunnel, String reason, long bytesUp, long bytesDown, Duration duration) {
      permits.release();
      metrics.tunnelClosed(reason);
      logClosed(tunnel.id(), reason, bytesUp, bytesDown, duration);
    }
  }

  private static String denialMessage(Decision decision) {
    return switch (decision.status()) {
      case 400 -> "the requested host is not a valid host name or canonical IP address";
      case 503 -> "the requested host could not be resolved";
      default -> "egress to this destination is denied by policy (" + decision.reason() + ")";
    };
  }

  private void logDecision(String id, InetAddress client, Authority target, Decision decision, String result,
      String reason, String resolved) {
    metrics.decision(result, reason);
    if (result.equals("deny")) {
      refusals.add("client", client == null ? "" : client.getHostAddress(), "host", target.host(),
          "port", target.port(), "resolved", resolved, "reason", reason, "status", decision.status());
    }
    LoggingEventBuilder line = (result.equals("allow") ? LOG.atInfo() : LOG.atWarn())
        .addKeyValue("id", id)
        .addKeyValue("client", client == null ? "" : client.getHostAddress())
        .addKeyValue("role", decision.role())
        .addKeyValue("project", decision.project())
        .addKeyValue("host", target.host())
        .addKeyValue("port", target.port())
        .addKeyValue("resolved", resolved)
        .addKeyValue("decision", result)
        .addKeyValue("reason", reason);
    line.log("egress.decision");
  }

  private static String addressList(Decision decision) {
    return decision.addresses().stream().map(InetAddress::getHostAddress).collect(Collectors.joining(","));
  }

  private static String remoteAddress(SocketChannel channel) {
    InetAddress address = peer(channel);
    return address == null ? "" : address.getHostAddress();
  }

  /** A request refused before its target was decided (a bad request, no free connection): counted and logged once. */
  private void logRefused(String id, InetAddress client, String reason, int status) {
    metrics.decision("deny", reason);
    refusals.add("client", client == null ? "" : client.getHostAddress(), "reason", reason, "status", status);
    LOG.atWarn()
        .addKeyValue("id", id)
        .addKeyValue("client", client == null ? "" : client.getHostAddress())
        .addKeyValue("decision", "deny")
        .addKeyValue("reason", reason)
        .addKeyValue("status", status)
        .log("egress.decision");
  }

  private static InetAddress peer(SocketChannel channel) {
    try {
      return ((InetSocketAddress) channel.getRemoteAddress()).getAddress();
    } catch (IOException e) {
      return null;
    }
  }

  private static void logClosed(String id, String reason, long bytesUp, long bytesDown, Duration duration) {
    LOG.atInfo()
        .addKeyValue("id", id)
        .addKeyValue("reason", reason)
        .addKeyValue("bytes_up", bytesUp)
        .addKeyValue("bytes_down", bytesDown)
        .addKeyValue("duration_ms", duration.toMillis())
        .log("egress.tunnel_closed");
  }

  /**
   * Sends a final response, then reads and drops what the client still sends (bounded in bytes and time), so closing
   * with unread input does not reset the connection before the client has read the response.
   */
  private static void answer(SocketChannel client, byte[] response) {
    try {
      writeFully(client, ByteBuffer.wrap(response));
      client.shutdownOutput();
      client.socket().setSoTimeout(500);
      byte[] sink = new byte[4096];
      long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      int drained = 0;
      while (drained < 65536 && System.nanoTime() < deadline) {
        int read = client.socket().getInputStream().read(sink);
        if (read < 0) {
          return;
        }
        drained += read;
      }
    } catch (IOException ignored) {
      // the client went away or stayed silent; either way we are done
    }
  }

  static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static String newRequestId() {
    byte[] bytes = new byte[8];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
