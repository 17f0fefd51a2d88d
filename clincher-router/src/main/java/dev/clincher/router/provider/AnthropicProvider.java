package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.metering.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;

/**
 * Anthropic's Messages API behind the OpenAI interface: requests are translated by {@link AnthropicRequests},
 * answers and stream events by {@link AnthropicResponses}. Sent to {@code <api_base>/v1/messages} with
 * {@code x-api-key} and {@code anthropic-version: }{@value #API_VERSION}.
 */
public final class AnthropicProvider implements Provider {
  /** The API version header every request carries. */
  public static final String API_VERSION = "2023-06-01";

  private final HttpClient http;
  private final ObjectMapper json;
  private final AnthropicRequests requests;
  private final AnthropicResponses responses;

  public AnthropicProvider(HttpClient http, ObjectMapper json) {
    this.http = http;
    this.json = json;
    this.requests = new AnthropicRequests(json);
    this.responses = new AnthropicResponses(json);
  }

  @Override
  public CompletableFuture<Completion> complete(DeploymentConfig deployment, ObjectNode request) {
    Request call;
    try {
      call = newRequest(deployment, requests.translate(request), false);
    } catch (ProviderException e) {
      return CompletableFuture.failedFuture(e);
    }
    return HttpCalls.send(call, deployment, json, responses::completion);
  }

  @Override
  public ChunkStream stream(DeploymentConfig deployment, ObjectNode request)
      throws ProviderException, InterruptedException {
    Request call = newRequest(deployment, requests.translate(request), true);
    InputStream body = HttpCalls.openStream(call, deployment, json);
    boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
    return new AnthropicChunkStream(body, responses.new StreamState(includeUsage), json);
  }

  private Request newRequest(DeploymentConfig deployment, ObjectNode body, boolean stream) {
    Request request = HttpCalls.post(http, deployment, messagesUri(deployment.apiBase().orElseThrow()), json, body,
        stream);
    return request.headers(headers -> {
      headers.put("anthropic-version", API_VERSION);
      deployment.apiKey().ifPresent(key -> headers.put("x-api-key", key.reveal()));
    });
  }

  /** {@code .../v1/messages} whether {@code api_base} names the host, {@code /v1}, or the full path. */
  static URI messagesUri(URI base) {
    String text = base.toString().replaceAll("/+$", "");
    if (text.endsWith("/v1/messages")) {
      return URI.create(text);
    }
    return URI.create(text.endsWith("/v1") ? text + "/messages" : text + "/v1/messages");
  }

  /** Anthropic SSE events in, OpenAI chunks out. */
  private static final class AnthropicChunkStream implements ChunkStream {
    private final InputStream body;
    private final SseReader reader;
    private final AnthropicResponses.StreamState state;
    private final ObjectMapper json;
    private final Deque<String> pending = new ArrayDeque<>();

    AnthropicChunkStream(InputStream body, AnthropicResponses.StreamState state, ObjectMapper json) {
      this.body = body;
      this.reader = new SseReader(body);
      this.state = state;
      this.json = json;
    }

    @Override
    public Optional<String> next() throws IOException {
      while (pending.isEmpty()) {
        if (state.stopped()) {
          return Optional.empty();
        }
        Optional<SseReader.Event> event = reader.next();
        if (event.isEmpty()) {
          throw new IOException("the upstream stream ended before message_stop");
        }
        JsonNode data = json.readTree(event.get().data());
        pending.addAll(state.on(event.get().name(), data));
      }
      return Optional.of(pending.poll());
    }

    @Override
    public Usage usage() {
      return state.usage();
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException ignored) {
        // Closing a broken stream: nothing left to release.
      }
    }
  }
}
