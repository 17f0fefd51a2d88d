package dev.clincher.router.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.cache.ResponseCache;
import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.KeyAuthenticator;
import dev.clincher.router.provider.Providers;
import dev.clincher.router.routing.DeploymentGroup;
import dev.clincher.router.routing.Dispatcher;
import dev.clincher.router.routing.Fallbacks;
import java.io.IOException;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The OpenAI routes, in one place:
 *
 * <pre>
 *   POST /v1/chat/completions, POST /chat/completions   chat, streamed or not
 *   POST /v1/embeddings, POST /embeddings                embeddings
 *   GET  /v1/models, GET /models                        the public model names
 * </pre>
 *
 * Every route needs {@code Authorization: Bearer <key>} (health and metrics are served in front of this handler by
 * common's {@code OpsHandler}). Any other path answers 404 in OpenAI's error shape.
 */
public final class RouterHandler extends Handler.Abstract {
  private final KeyAuthenticator keys;
  private final Dispatcher dispatcher;
  private final ModelCalls calls;
  private final ObjectMapper json;
  private final long maxRequestBytes;
  private final long startedEpochSeconds = System.currentTimeMillis() / 1000;

  public RouterHandler(KeyAuthenticator keys, Dispatcher dispatcher, Fallbacks fallbacks, Providers providers,
      RouterMetrics metrics, ObjectMapper json, long maxRequestBytes, ResponseCache cache) {
    this.keys = keys;
    this.dispatcher = dispatcher;
    this.calls = new ModelCalls(dispatcher, fallbacks, providers, metrics, json, cache);
    this.json = json;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Exchange exchange = new Exchange(request, response, callback, json);
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    boolean isChat = path.equals("/v1/chat/completions") || path.equals("/chat/completions");
    boolean isModels = path.equals("/v1/models") || path.equals("/models");
    boolean isEmbeddings = path.equals("/v1/embeddings") || path.equals("/embeddings");
    Optional<Caller> caller = exchange.bearerToken().flatMap(keys::authenticate);
    if (caller.isEmpty()) {
      exchange.sendError(OpenAiError.unauthorized("a valid API key is required: Authorization: Bearer <key>"));
      return true;
    }
    if (!isChat && !isModels && !isEmbeddings) {
      exchange.sendError(new OpenAiError(404, "no such route", "invalid_request_error", null, "not_found",
          Optional.empty()));
      return true;
    }
    String allowed = isModels ? "GET" : "POST";
    if (!allowed.equals(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, allowed);
      exchange.sendError(new OpenAiError(405, "use " + allowed + " on " + path, "invalid_request_error", null,
          "method_not_allowed", Optional.empty()));
      return true;
    }
    if (isChat) {
      chatCompletion(exchange, caller.get());
    } else if (isEmbeddings) {
      embeddings(exchange, caller.get());
    } else {
      listModels(exchange);
    }
    return true;
  }

  private void chatCompletion(Exchange exchange, Caller caller) throws IOException, InterruptedException {
    Optional<byte[]> body = readBody(exchange);
    if (body.isEmpty()) {
      return;
    }
    ChatRequest request;
    try {
      request = ChatRequest.parse(body.get(), json);
    } catch (ChatRequest.InvalidRequest e) {
      exchange.sendError(e.error());
      return;
    }
    Optional<DeploymentGroup> group = dispatcher.group(request.model());
    if (group.isEmpty()) {
      exchange.sendError(OpenAiError.modelNotFound(request.model()));
      return;
    }
    calls.chat(exchange, caller, request, group.get());
  }

  private void embeddings(Exchange exchange, Caller caller) throws IOException, InterruptedException {
    Optional<byte[]> body = readBody(exchange);
    if (body.isEmpty()) {
      return;
    }
    ObjectNode request;
    try {
      request = EmbeddingsRequest.parse(body.get(), json);
    } catch (ChatRequest.InvalidRequest e) {
      exchange.sendError(e.error());
      return;
    }
    Optional<DeploymentGroup> group = dispatcher.group(request.path("model").asText());
    if (group.isEmpty()) {
      exchange.sendError(OpenAiError.modelNotFound(request.path("model").asText()));
      return;
    }
    calls.embeddings(exchange, caller, request, group.get());
  }

  /** The body, or empty after answering 413. */
  private Optional<byte[]> readBody(Exchange exchange) throws IOException {
    Optional<byte[]> body = exchange.readBody(maxRequestBytes);
    if (body.isEmpty()) {
      exchange.sendError(new OpenAiError(413, "the request body is larger than " + maxRequestBytes + " bytes",
          "invalid_request_error", null, "request_too_large", Optional.empty()));
    }
    return body;
  }

  private void listModels(Exchange exchange) {
    ObjectNode list = json.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (String name : dispatcher.modelNames()) {
      data.addObject().put("id", name).put("object", "model").put("created", startedEpochSeconds)
          .put("owned_by", "clincher");
    }
    exchange.sendJson(200, list);
  }
}
