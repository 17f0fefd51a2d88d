package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.ConfigException;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ProviderKind;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The provider for each wire protocol, sharing one Jetty HTTP client: connection pooling, HTTP/2 over TLS where the
 * provider offers it (ALPN), HTTP/1.1 otherwise, the proxy from {@code HTTPS_PROXY}/{@code HTTP_PROXY}/
 * {@code NO_PROXY}, no redirects (a redirect would carry the API key elsewhere), no cookies (a provider's cookie must
 * not follow other callers' requests).
 */
public final class Providers implements AutoCloseable {
  /** Time to open a connection to a provider (or the proxy). */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** A pooled connection unused this long is closed. */
  static final Duration POOLED_IDLE_TIMEOUT = Duration.ofSeconds(60);
  /** Connections to one provider (host and port) at most; requests beyond wait in its queue. */
  static final int MAX_CONNECTIONS_PER_PROVIDER = 2048;
  /** Requests waiting for a connection to one provider at most; beyond, a call fails at once. */
  static final int MAX_QUEUED_PER_PROVIDER = 4096;
  /** Platform threads for the client's selector and I/O callbacks (callers wait on their own virtual threads). */
  static final int IO_THREADS = 8;

  private final HttpClient http;
  private final Provider openAi;
  private final Provider anthropic;
  private final Provider voyage;
  private final ScheduledExecutorService streamTimer;

  private Providers(HttpClient http, ObjectMapper json) {
    this.http = http;
    this.streamTimer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("stream-timeouts")
        .factory());
    this.openAi = new OpenAiProvider(http, json);
    this.anthropic = new AnthropicProvider(http, json);
    this.voyage = new VoyageProvider(http, json);
  }

  /** Providers calling out through the proxy configured in {@code env}, trusting the JDK's default CAs. */
  public static Providers create(Map<String, String> env, ObjectMapper json) throws ConfigException {
    try {
      return create(env, json, SSLContext.getDefault());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no default TLS context", e);
    }
  }

  /** Same, trusting what {@code tls} trusts (a private CA, or a test certificate). */
  public static Providers create(Map<String, String> env, ObjectMapper json, SSLContext tls) throws ConfigException {
    EnvProxySelector proxies = EnvProxySelector.fromEnv(env);
    HttpClient http = newClient(tls);
    proxies.configure(http.getProxyConfiguration());
    try {
      http.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the provider HTTP client: " + e.getMessage(), e);
    }
    // No protocol handlers (start() installs them): a 401 is the provider's answer to pass on, not a challenge to
    // answer by resending; redirects and 100-continue are never wanted.
    http.getProtocolHandlers().clear();
    return new Providers(http, json);
  }

  private static HttpClient newClient(SSLContext tls) {
    QueuedThreadPool threads = new QueuedThreadPool(IO_THREADS, 1);
    threads.setName("provider-io");
    threads.setDaemon(true);
    threads.setReservedThreads(0);
    SslContextFactory.Client tlsFactory = new SslContextFactory.Client();
    tlsFactory.setSslContext(tls);
    tlsFactory.setEndpointIdentificationAlgorithm("HTTPS");
    ClientConnector connector = new ClientConnector();
    connector.setSelectors(1);
    connector.setExecutor(threads);
    connector.setConnectTimeout(CONNECT_TIMEOUT);
    connector.setIdleTimeout(POOLED_IDLE_TIMEOUT);
    connector.setSslContextFactory(tlsFactory);
    // HTTP/2 first: offered by ALPN on TLS. Plain http:// requests ask for HTTP/1.1 explicitly (HttpCalls#post).
    HttpClientTransportDynamic transport = new Http11WithoutAlpn(connector,
        new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)), HttpClientConnectionFactory.HTTP11);
    // Answers are handled where they are read, on the selector thread: the listeners only copy bytes, parse a JSON
    // answer and complete a future (or queue a stream's chunk), none blocks. Without it every answer was handed to a
    // pool thread first: one more thread to wake per call (A/B: saturation 6,936-8,372 -> 10,176 req/s, CPU per
    // request 187-258 -> 148 us, wrk -c1 added p50 0.22 -> 0.14 ms). The cost: a large answer (embeddings of a big
    // batch, up to MAX_ANSWER_BYTES) is parsed on that thread and delays other providers' answers meanwhile.
    transport.setInvocationType(org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING);
    HttpClient http = new HttpClient(transport);
    http.setExecutor(threads);
    http.setFollowRedirects(false);
    http.setHttpCookieStore(new HttpCookieStore.Empty());
    http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "clincher-router"));
    http.setMaxConnectionsPerDestination(MAX_CONNECTIONS_PER_PROVIDER);
    http.setMaxRequestsQueuedPerDestination(MAX_QUEUED_PER_PROVIDER);
    return http;
  }

  /**
   * Offers HTTP/2 and HTTP/1.1 by ALPN; a TLS server that ignores ALPN (it selects nothing) is spoken to in HTTP/1.1,
   * the only protocol such a server can mean. Jetty's own choice there is the first protocol offered, HTTP/2, which
   * fails against an HTTP/1.1-only server.
   */
  private static final class Http11WithoutAlpn extends HttpClientTransportDynamic {
    Http11WithoutAlpn(ClientConnector connector, ClientConnectionFactory.Info... protocols) {
      super(connector, protocols);
    }

    @Override
    public Connection newConnection(EndPoint endPoint, Map<String, Object> context) throws IOException {
      HttpDestination destination = (HttpDestination) context.get(Destination.CONTEXT_KEY);
      Origin.Protocol offered = destination == null ? null : destination.getOrigin().getProtocol();
      boolean negotiatedNothing = offered != null && offered.isNegotiate() && destination.isSecure()
          && context.get(ClientConnector.APPLICATION_PROTOCOL_CONTEXT_KEY) == null
          && offered.getProtocols().contains("http/1.1");
      if (negotiatedNothing) {
        return HttpClientConnectionFactory.HTTP11.getClientConnectionFactory().newConnection(endPoint, context);
      }
      return super.newConnection(endPoint, context);
    }
  }

  /** Closes pooled provider connections (and proxy tunnels); calls still running are aborted. */
  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      // Stopping aborts the calls still running; nothing else to release.
    }
    streamTimer.shutdownNow();
  }

  /**
   * Opens a stream on {@code deployment}'s provider, each chunk (the first included) bounded by the deployment's
   * {@code stream_timeout}.
   */
  public ChunkStream openStream(DeploymentConfig deployment, ObjectNode request)
      throws ProviderException, InterruptedException {
    ChunkStream stream = forKind(deployment.provider()).stream(deployment, request);
    return new IdleTimeoutStream(stream, deployment.streamTimeout(), streamTimer);
  }

  /** The provider that speaks {@code kind}'s protocol. */
  public Provider forKind(ProviderKind kind) {
    return switch (kind.protocol()) {
      case OPENAI -> openAi;
      case ANTHROPIC -> anthropic;
      case VOYAGE -> voyage;
    };
  }

  /**
   * The most output tokens an Anthropic call for this OpenAI-form request may produce: the {@code max_tokens} the
   * translation sends (for budget reservations).
   */
  public static long anthropicOutputLimit(com.fasterxml.jackson.databind.node.ObjectNode openAi) {
    return AnthropicRequests.outputLimit(openAi);
  }
}
