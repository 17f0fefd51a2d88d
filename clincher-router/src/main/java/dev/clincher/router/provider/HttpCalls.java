package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.metering.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;

/**
 * What every provider does the same way with Jetty's HTTP client: build a JSON POST, send it buffered or streamed,
 * classify failures, and bound what is read.
 */
final class HttpCalls {
  /** Largest answer body read (embeddings of a large batch are the big ones); beyond it the call fails. */
  static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

  private HttpCalls() {}

  /**
   * A POST of {@code body} (JSON) to {@code uri}, bounded by the deployment's timeouts while idle. Plain
   * {@code http://} goes over HTTP/1.1 (no h2c); {@code https://} offers HTTP/2 and HTTP/1.1 by ALPN.
   */
  static Request post(HttpClient http, DeploymentConfig deployment, URI uri, ObjectMapper json, ObjectNode body,
      boolean stream) {
    Request request = http.newRequest(uri)
        .method(HttpMethod.POST)
        .headers(headers -> headers.put(HttpHeader.ACCEPT, stream ? "text/event-stream" : "application/json"))
        .body(new BytesRequestContent("application/json", bytes(json, body)))
        .idleTimeout(Math.max(deployment.timeout().toMillis(), deployment.streamTimeout().toMillis()),
            TimeUnit.MILLISECONDS);
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      request.version(HttpVersion.HTTP_1_1);
    }
    return request;
  }

  /**
   * Sends {@code request} and reads the whole answer; a 2xx JSON object is mapped through {@code translate}, anything
   * else fails the future with a {@link ProviderException}. Cancelling the future aborts the upstream call.
   */
  static CompletableFuture<Completion> send(Request request, DeploymentConfig deployment, ObjectMapper json,
      UnaryOperator<ObjectNode> translate) {
    CompletableFuture<Completion> result = new CompletableFuture<>();
    result.whenComplete((completion, failure) -> {
      if (failure instanceof CancellationException) {
        request.abort(failure);
      }
    });
    BodyCollector body = new BodyCollector(MAX_ANSWER_BYTES);
    request.onResponseHeaders(body).onResponseContent(body).send(done -> {
      try {
        result.complete(completion(done, body.bytes(), deployment, json, translate));
      } catch (ProviderException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private static Completion completion(Result done, byte[] content, DeploymentConfig deployment, ObjectMapper json,
      UnaryOperator<ObjectNode> translate) throws ProviderException {
    if (done.isFailed()) {
      throw unreachable(deployment, done.getFailure());
    }
    Response response = done.getResponse();
    if (response.getStatus() / 100 != 2) {
      throw UpstreamErrors.from(response.getStatus(), response.getHeaders(), content, deployment.apiKey(),
          deployment.id(), json);
    }
    try {
      JsonNode tree = json.readTree(content);
      if (tree == null || !tree.isObject()) {
        throw new IOException("not a JSON object");
      }
      ObjectNode answer = translate.apply((ObjectNode) tree);
      return new Completion(answer, Usage.of(answer));
    } catch (IOException | RuntimeException e) {
      throw badResponse(deployment);
    }
  }

  /**
   * Sends a streaming request and waits (at most the deployment's {@code timeout}) for the response headers; returns
   * the body once the upstream answered 2xx. Closing the body before its end aborts the call.
   */
  static InputStream openStream(Request request, DeploymentConfig deployment, ObjectMapper json)
      throws ProviderException, InterruptedException {
    InputStreamResponseListener listener = new InputStreamResponseListener();
    request.send(listener);
    Response response;
    try {
      response = listener.get(deployment.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      request.abort(e);
      throw ProviderException.unreachable(deployment.id(), Unreachable.noAnswerWithin(deployment.timeout()));
    } catch (ExecutionException e) {
      throw unreachable(deployment, e.getCause());
    } catch (InterruptedException e) {
      request.abort(e);
      throw e;
    }
    InputStream body = listener.getInputStream();
    if (response.getStatus() / 100 == 2) {
      return body;
    }
    try (body) {
      byte[] bytes = body.readNBytes(UpstreamErrors.MAX_ERROR_BYTES);
      throw UpstreamErrors.from(response.getStatus(), response.getHeaders(), bytes, deployment.apiKey(),
          deployment.id(), json);
    } catch (IOException e) {
      throw unreachable(deployment, e);
    }
  }

  /** A connection failure or timeout, with its cause class ({@link Unreachable}); no URLs or keys. */
  static ProviderException unreachable(DeploymentConfig deployment, Throwable failure) {
    return ProviderException.unreachable(deployment.id(), Unreachable.of(failure));
  }

  static ProviderException badResponse(DeploymentConfig deployment) {
    return new ProviderException(502, "api_error", "bad_upstream_response",
        "deployment " + deployment.id() + " answered with a body that is not valid JSON", Optional.empty());
  }

  static byte[] bytes(ObjectMapper json, ObjectNode body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }
}
