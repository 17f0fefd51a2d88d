package dev.clincher.router.testing;

import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Reply;
import dev.clincher.router.testing.FakeUpstream.Stream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A fake OpenAI provider on a real Jetty server that can speak HTTP/2: TLS with ALPN offering {@code h2} and
 * {@code http/1.1} (as the big providers' edges do), TLS offering only {@code http/1.1} or no ALPN at all, or plain
 * http that also accepts h2c (upgrade and prior knowledge). Replies are {@link FakeUpstream}'s ({@link Json},
 * {@link Stream}, {@link Delayed}) taken from a queue in order, then a default; every request is recorded with the
 * HTTP version it arrived in and the client port of its TCP connection, every accepted TCP connection is counted, and
 * an answer the client abandoned (an HTTP/2 stream reset, or a closed HTTP/1.1 connection) is counted as aborted.
 */
public final class H2Upstream implements AutoCloseable {
  /** A request as the fake received it. */
  public record Call(HttpVersion version, int clientPort, String method, String target, Map<String, String> headers,
      String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final boolean tls;
  private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final List<Throwable> abortCauses = new CopyOnWriteArrayList<>();
  private final Set<EndPoint> endPoints = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger maxActive = new AtomicInteger();
  private volatile Reply fallback = new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-default", "hello"));
  private volatile boolean fallbackSet;

  private H2Upstream(boolean tls, java.util.function.Function<HttpConfiguration, ConnectionFactory[]> factories)
      throws Exception {
    this.tls = tls;
    QueuedThreadPool threads = new QueuedThreadPool(200, 4);
    threads.setName("h2-upstream");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    connector = new ServerConnector(server, 1, 1, factories.apply(config));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.addBean(new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        // TLS and ALPN stack connections on one socket, and h2c replaces one: count sockets, not connections.
        EndPoint endPoint = connection.getEndPoint();
        if (endPoint instanceof SocketChannelEndPoint && endPoints.add(endPoint)) {
          connections.incrementAndGet();
        }
      }
    });
    server.addConnector(connector);
    server.setHandler(new Answers());
    server.start();
  }

  /** TLS with {@code tls}'s certificate, ALPN offering {@code h2} then {@code http/1.1}. */
  public static H2Upstream startTls(SSLContext tls) throws Exception {
    return startTls(tls, "h2", "http/1.1");
  }

  /** TLS with ALPN offering {@code protocols} ({@code h2}, {@code http/1.1}) in that order of preference. */
  public static H2Upstream startTls(SSLContext tls, String... protocols) throws Exception {
    return new H2Upstream(true, config -> {
      List<ConnectionFactory> offered = new ArrayList<>();
      for (String protocol : protocols) {
        offered.add(switch (protocol) {
          case "h2" -> new HTTP2ServerConnectionFactory(config);
          case "http/1.1" -> new HttpConnectionFactory(config);
          default -> throw new IllegalArgumentException(protocol);
        });
      }
      ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(protocols);
      alpn.setDefaultProtocol(protocols[protocols.length - 1]);
      List<ConnectionFactory> all = new ArrayList<>(List.of(new SslConnectionFactory(serverTls(tls), alpn.getProtocol()),
          alpn));
      all.addAll(offered);
      return all.toArray(ConnectionFactory[]::new);
    });
  }

  /** TLS without ALPN: the server ignores the client's offer and speaks HTTP/1.1 (older edges and proxies do). */
  public static H2Upstream startTlsWithoutAlpn(SSLContext tls) throws Exception {
    return new H2Upstream(true, config -> new ConnectionFactory[] {
        new SslConnectionFactory(serverTls(tls), "http/1.1"), new HttpConnectionFactory(config)});
  }

  /** Plain http that would speak h2c if asked (by {@code Upgrade: h2c} or the HTTP/2 preface). */
  public static H2Upstream startPlain() throws Exception {
    return new H2Upstream(false, config -> new ConnectionFactory[] {
        new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config)});
  }

  private static SslContextFactory.Server serverTls(SSLContext tls) {
    SslContextFactory.Server factory = new SslContextFactory.Server();
    factory.setSslContext(tls);
    return factory;
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** {@code https://<host>:<port>/v1} (or http), what {@code api_base} should say. */
  public String apiBase(String host) {
    return (tls ? "https" : "http") + "://" + host + ":" + port() + "/v1";
  }

  /** Answers the next requests with {@code replies}, in order. */
  public H2Upstream then(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /** Answers requests the script does not cover with {@code reply} (streamed or not). */
  public void setDefault(Reply reply) {
    fallback = reply;
    fallbackSet = true;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** TCP connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Answers that broke off because the client abandoned them (stream reset or connection closed). */
  public int aborted() {
    return abortCauses.size();
  }

  /** The most requests being answered at the same time so far. */
  public int maxConcurrent() {
    return maxActive.get();
  }

  /** What the server reported as request failures (e.g. the client's stream reset). */
  public List<Throwable> failures() {
    return List.copyOf(failures);
  }

  /** Why each aborted answer's write failed (e.g. the client's stream reset). */
  public List<Throwable> abortCauses() {
    return List.copyOf(abortCauses);
  }

  /** Forgets the script, the calls and the counts; open connections stay open and are not counted again. */
  public void reset() {
    script.clear();
    calls.clear();
    failures.clear();
    abortCauses.clear();
    connections.set(0);
    maxActive.set(0);
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  private final class Answers extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      request.addFailureListener(failures::add);
      Map<String, String> headers = new LinkedHashMap<>();
      for (HttpField field : request.getHeaders()) {
        headers.put(field.getLowerCaseName(), field.getValue());
      }
      String body = Content.Source.asString(request, StandardCharsets.UTF_8);
      SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
      int clientPort = remote instanceof InetSocketAddress address ? address.getPort() : -1;
      calls.add(new Call(request.getConnectionMetaData().getHttpVersion(), clientPort, request.getMethod(),
          request.getHttpURI().getPathQuery(), headers, body));
      Reply reply = script.poll();
      if (reply == null && !fallbackSet && body.replace(" ", "").contains("\"stream\":true")) {
        reply = new Stream(OpenAiWire.textStream("chatcmpl-default", "hello"), Duration.ZERO, End.DONE);
      }
      maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      try {
        answer(reply == null ? fallback : reply, response, callback);
      } finally {
        active.decrementAndGet();
      }
      return true;
    }

    private void answer(Reply reply, Response response, Callback callback) {
      switch (reply) {
        case Delayed delayed -> {
          pause(delayed.delay());
          answer(delayed.reply(), response, callback);
        }
        case Json json -> {
          response.setStatus(json.status());
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
          json.headers().forEach(response.getHeaders()::put);
          Content.Sink.write(response, true, json.body(), callback);
        }
        case Stream stream -> stream(stream, response, callback);
        default -> throw new UnsupportedOperationException("H2Upstream does not answer " + reply);
      }
    }

    private void stream(Stream stream, Response response, Callback callback) {
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
      List<String> events = new ArrayList<>();
      stream.events().forEach(data -> events.add("data: " + data + "\n\n"));
      if (stream.end() == End.DONE) {
        events.add("data: [DONE]\n\n");
      }
      try {
        write(response, false, ""); // the headers go out before the first event
        for (String event : events) {
          pause(stream.pause());
          write(response, false, event);
        }
      } catch (ExecutionException e) {
        abortCauses.add(e.getCause());
        callback.failed(e.getCause());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        callback.failed(e);
        return;
      }
      switch (stream.end()) {
        case DONE, TRUNCATED -> response.write(true, ByteBuffer.allocate(0), callback);
        case RESET -> callback.failed(new java.io.IOException("reset by the fake")); // RST_STREAM, or close on 1.1
        default -> throw new IllegalStateException();
      }
    }

    private static void write(Response response, boolean last, String text)
        throws ExecutionException, InterruptedException {
      Callback.Completable written = new Callback.Completable();
      response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
      written.get();
    }
  }

  private static void pause(Duration pause) {
    if (!pause.isZero()) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
