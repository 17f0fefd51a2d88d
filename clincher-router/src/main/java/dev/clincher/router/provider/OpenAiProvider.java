package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The OpenAI-compatible provider (OpenAI, Groq, xAI, Gemini's OpenAI endpoint, Ollama, vLLM, llama.cpp): the request
 * goes to {@code <api_base>/chat/completions} as the client sent it, with the deployment's model and key.
 * One shared JDK {@link HttpClient} pools connections and speaks HTTP/2 where the server offers it over TLS.
 */
public final class OpenAiProvider implements Provider {
  private final HttpClient http;
  private final ObjectMapper json;

  public OpenAiProvider(HttpClient http, ObjectMapper json) {
    this.http = http;
    this.json = json;
  }

  @Override
  public CompletableFuture<Completion> complete(DeploymentConfig deployment, ObjectNode request) {
    HttpRequest call = newRequest(deployment, request, false);
    return http.sendAsync(call, HttpResponse.BodyHandlers.ofByteArray())
        .handle((response, failure) -> {
          if (failure != null) {
            throw new CompletionException(HttpCalls.unreachable(deployment, failure));
          }
          return toCompletion(deployment, response);
        });
  }

  /** {@code POST <api_base>/embeddings}, passed through like chat. */
  @Override
  public CompletableFuture<Completion> embed(DeploymentConfig deployment, ObjectNode request) {
    return HttpCalls.postJson(http, json, deployment, endpoint(deployment, "/embeddings"), request,
        builder -> deployment.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key.reveal())),
        body -> body);
  }

  @Override
  public ChunkStream stream(DeploymentConfig deployment, ObjectNode request)
      throws ProviderException, InterruptedException {
    HttpResponse<InputStream> response = HttpCalls.openStream(http, newRequest(deployment, request, true), deployment,
        json);
    return new OpenAiChunkStream(response.body(), json);
  }

  private HttpRequest newRequest(DeploymentConfig deployment, ObjectNode request, boolean stream) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint(deployment, "/chat/completions"))
        .header("Content-Type", "application/json")
        .header("Accept", stream ? "text/event-stream" : "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(HttpCalls.bytes(json, request)));
    HttpCalls.plainHttpOnHttp11(builder, deployment);
    deployment.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key.reveal()));
    deployment.organization().ifPresent(org -> builder.header("OpenAI-Organization", org));
    if (stream) {
      // Until the response headers; a non-streaming call is bounded by the caller's wait, which cancels it. Per-call
      // request timeouts cost a lock in the client's single selector thread, which showed under load (JFR).
      builder.timeout(deployment.timeout());
    }
    return builder.build();
  }

  static URI endpoint(DeploymentConfig deployment, String path) {
    String text = deployment.apiBase().orElseThrow().toString().replaceAll("/+$", "");
    return URI.create(text + path);
  }

  private Completion toCompletion(DeploymentConfig deployment, HttpResponse<byte[]> response) {
    if (response.statusCode() / 100 != 2) {
      throw new CompletionException(UpstreamErrors.from(response.statusCode(), response.headers(), response.body(),
          deployment.apiKey(), deployment.id(), json));
    }
    try {
      JsonNode body = json.readTree(response.body());
      if (body == null || !body.isObject()) {
        throw new IOException("not a JSON object");
      }
      return new Completion((ObjectNode) body, Usage.of(body));
    } catch (IOException e) {
      throw new CompletionException(HttpCalls.badResponse(deployment));
    }
  }

  /** SSE events from an OpenAI-compatible upstream, ending at {@code data: [DONE]}. */
  private static final class OpenAiChunkStream implements ChunkStream {
    private final InputStream body;
    private final SseReader reader;
    private final ObjectMapper json;
    private Usage usage = Usage.NONE;
    private boolean done;

    OpenAiChunkStream(InputStream body, ObjectMapper json) {
      this.body = body;
      this.reader = new SseReader(body);
      this.json = json;
    }

    @Override
    public Optional<String> next() throws IOException {
      if (done) {
        return Optional.empty();
      }
      Optional<SseReader.Event> event = reader.next();
      if (event.isEmpty()) {
        throw new IOException("the upstream stream ended before [DONE]");
      }
      String data = event.get().data();
      if (data.equals("[DONE]")) {
        done = true;
        return Optional.empty();
      }
      if (event.get().name().equals("error") || data.startsWith("{\"error\"")) {
        throw new IOException("the upstream sent an error event");
      }
      if (data.contains("\"usage\"")) {
        usage = readUsage(data);
      }
      return Optional.of(data);
    }

    private Usage readUsage(String data) {
      try {
        Usage found = Usage.of(json.readTree(data));
        return found.totalTokens() > 0 ? found : usage;
      } catch (IOException e) {
        return usage;
      }
    }

    @Override
    public Usage usage() {
      return usage;
    }

    @Override
    public void close() {
      try {
        body.close(); // before the end this cancels the upstream exchange
      } catch (IOException ignored) {
        // Closing a broken stream: nothing left to release.
      }
    }
  }
}
