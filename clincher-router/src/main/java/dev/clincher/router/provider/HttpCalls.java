package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** What every provider does the same way with the JDK HTTP client: open streams, classify failures, write JSON. */
final class HttpCalls {
  private HttpCalls() {}

  /** Sends a streaming request; returns the response once it answered 2xx, else its error. */
  static HttpResponse<InputStream> openStream(HttpClient http, HttpRequest call, DeploymentConfig deployment,
      ObjectMapper json) throws ProviderException, InterruptedException {
    HttpResponse<InputStream> response;
    try {
      response = http.send(call, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw unreachable(deployment, e);
    }
    if (response.statusCode() / 100 == 2) {
      return response;
    }
    try (InputStream body = response.body()) {
      byte[] bytes = body.readNBytes(UpstreamErrors.MAX_ERROR_BYTES);
      throw UpstreamErrors.from(response.statusCode(), response.headers(), bytes, deployment.apiKey(),
          deployment.id(), json);
    } catch (IOException e) {
      throw unreachable(deployment, e);
    }
  }

  /**
   * POSTs {@code body} as JSON and maps a 2xx JSON object answer through {@code translate}; errors become
   * {@link ProviderException}s (the future fails with them).
   */
  static CompletableFuture<Completion> postJson(HttpClient http, ObjectMapper json, DeploymentConfig deployment,
      java.net.URI uri, ObjectNode body, java.util.function.Consumer<HttpRequest.Builder> auth,
      java.util.function.UnaryOperator<ObjectNode> translate) {
    // No request timeout: the caller's wait bounds the call and cancels it (see OpenAiProvider#newRequest).
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json").header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(json, body)));
    plainHttpOnHttp11(builder, deployment);
    auth.accept(builder);
    return http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofByteArray()).handle((response, failure) -> {
      if (failure != null) {
        throw new CompletionException(unreachable(deployment, failure));
      }
      if (response.statusCode() / 100 != 2) {
        throw new CompletionException(UpstreamErrors.from(response.statusCode(), response.headers(), response.body(),
            deployment.apiKey(), deployment.id(), json));
      }
      try {
        com.fasterxml.jackson.databind.JsonNode tree = json.readTree(response.body());
        if (tree == null || !tree.isObject()) {
          throw new IOException("not a JSON object");
        }
        ObjectNode answer = translate.apply((ObjectNode) tree);
        return new Completion(answer, Usage.of(answer));
      } catch (IOException e) {
        throw new CompletionException(badResponse(deployment));
      }
    });
  }

  /** A connection failure or timeout, described without URLs or keys. */
  static ProviderException unreachable(DeploymentConfig deployment, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    boolean timedOut = cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException);
    String what = timedOut ? "timed out"
        : cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException ? "could not be reached"
        : "failed (" + cause.getClass().getSimpleName() + ")";
    return ProviderException.unreachable("deployment " + deployment.id() + " " + what, timedOut);
  }

  static ProviderException badResponse(DeploymentConfig deployment) {
    return new ProviderException(502, "api_error", "bad_upstream_response",
        "deployment " + deployment.id() + " answered with a body that is not valid JSON", Optional.empty());
  }

  /** No h2c upgrade attempts on plain {@code http://} connections: HTTP/2 only where TLS offers it. */
  static void plainHttpOnHttp11(HttpRequest.Builder builder, DeploymentConfig deployment) {
    if ("http".equalsIgnoreCase(deployment.apiBase().orElseThrow().getScheme())) {
      builder.version(HttpClient.Version.HTTP_1_1);
    }
  }

  static byte[] bytes(ObjectMapper json, ObjectNode body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }
}
