package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.ConfigException;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ProviderKind;
import java.net.http.HttpClient;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The provider for each wire protocol, sharing one HTTP client: connection pooling, HTTP/2 over TLS where offered,
 * the proxy from {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY}, no redirects (a redirect would carry the
 * API key elsewhere).
 */
public final class Providers implements AutoCloseable {
  /** Time to open a connection to a provider (or the proxy). */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http;
  private final Provider openAi;
  private final Provider anthropic;
  private final Provider voyage;
  private final ScheduledExecutorService streamTimer;

  private Providers(HttpClient http, Provider openAi, Provider anthropic, Provider voyage) {
    this.http = http;
    this.streamTimer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("stream-timeouts")
        .factory());
    this.openAi = openAi;
    this.anthropic = anthropic;
    this.voyage = voyage;
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
    HttpClient http = HttpClient.newBuilder()
        .sslContext(tls)
        .version(HttpClient.Version.HTTP_2)
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(EnvProxySelector.fromEnv(env))
        .executor(Executors.newVirtualThreadPerTaskExecutor())
        .build();
    return new Providers(http, new OpenAiProvider(http, json), new AnthropicProvider(http, json),
        new VoyageProvider(http, json));
  }

  /** Closes pooled provider connections (and proxy tunnels); calls still running are aborted. */
  @Override
  public void close() {
    http.shutdownNow();
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
}
