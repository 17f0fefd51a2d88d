package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.metering.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The OpenAI-compatible provider (OpenAI, Groq, xAI, Gemini's OpenAI endpoint, Ollama, vLLM, llama.cpp): the request
 * goes to {@code <api_base>/chat/completions} as the client sent it, with the deployment's model and key.
 * One shared Jetty {@link HttpClient} pools connections and speaks HTTP/2 where the server offers it over TLS.
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
    return HttpCalls.send(newRequest(deployment, "/chat/completions", request, false), deployment, json, body -> body);
  }

  /** {@code POST <api_base>/embeddings}, passed through like chat. */
  @Override
  public CompletableFuture<Completion> embed(DeploymentConfig deployment, ObjectNode request) {
    return HttpCalls.send(newRequest(deployment, "/embeddings", request, false), deployment, json, body -> body);
  }

  @Override
  public ChunkStream stream(DeploymentConfig deployment, ObjectNode request)
      throws ProviderException, InterruptedException {
    InputStream body = HttpCalls.openStream(newRequest(deployment, "/chat/completions", request, true), deployment,
        json);
    return new OpenAiChunkStream(body, json);
  }

  private Request newRequest(DeploymentConfig deployment, String path, ObjectNode body, boolean stream) {
    Request request = HttpCalls.post(http, deployment, endpoint(deployment, path), json, body, stream);
    return request.headers(headers -> {
      deployment.apiKey().ifPresent(key -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + key.reveal()));
      deployment.organization().ifPresent(org -> headers.put("OpenAI-Organization", org));
    });
  }

  static URI endpoint(DeploymentConfig deployment, String path) {
    String text = deployment.apiBase().orElseThrow().toString();
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '/') {
      end--;
    }
    return URI.create(text.substring(0, end) + path);
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
