package dev.clincher.router.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.cache.ResponseCache;
import dev.clincher.router.spend.CallEstimate;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.ratelimit.RateLimits;
import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.KeyAuthenticator;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.manage.CounterSpendView;
import dev.clincher.router.manage.Management;
import dev.clincher.router.spend.Refusal;
import dev.clincher.router.spend.SpendControls;
import dev.clincher.router.provider.Providers;
import dev.clincher.router.routing.DeploymentGroup;
import dev.clincher.router.routing.Dispatcher;
import dev.clincher.router.routing.Fallbacks;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI routes, in one place:
 *
 * <pre>
 *   POST /v1/chat/completions, POST /chat/completions   chat, streamed or not
 *   POST /v1/embeddings, POST /embeddings                embeddings
 *   GET  /v1/models, GET /models                        the public model names (those the key may call)
 *   /key/*, /team/*, /user/*                             keys, teams, internal users (master key only, see
 *                                                        {@link ManagementRoutes}; a virtual key may read its own
 *                                                        /key/info)
 * </pre>
 *
 * Every route needs {@code Authorization: Bearer <key>}: the master key or a virtual key (health and metrics are
 * served in front of this handler by common's {@code OpsHandler}). A virtual key that expired, is blocked, or whose
 * team is blocked is refused on every route with LiteLLM's errors ({@link KeyRefusals}); one that asks for a model its
 * key, team or user may not call with {@code key_model_access_denied} / {@code team_model_access_denied} /
 * {@code user_model_access_denied}; one with {@code max_parallel_requests} calls in flight (its own or its team's)
 * with 429. Any other path answers 404 in OpenAI's error shape.
 *
 * <p>A {@code model_group_alias} is served by its group. A virtual key may call an alias when its {@code models}
 * name the alias or the alias's group; {@code /v1/models} lists the aliases that are not hidden, by the same rule.
 */
public final class RouterHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  private final KeyAuthenticator keys;
  private final Dispatcher dispatcher;
  private final ModelCalls calls;
  private final ManagementRoutes managementRoutes;
  private final SpendRoutes spendRoutes;
  private final RateLimits limits;
  private final RouterMetrics metrics;
  private final Clock clock;
  private final ObjectMapper json;
  private final long maxRequestBytes;
  private final long startedEpochSeconds = System.currentTimeMillis() / 1000;

  public RouterHandler(KeyAuthenticator keys, Dispatcher dispatcher, Fallbacks fallbacks, Providers providers,
      RouterMetrics metrics, ObjectMapper json, long maxRequestBytes, KeyStore keyStore, SpendControls spend,
      Clock clock, ResponseCache cache, Optional<SpendLog> spendLog, RateLimits limits) {
    this.keys = keys;
    this.dispatcher = dispatcher;
    this.calls = new ModelCalls(dispatcher, fallbacks, providers, metrics, json, spend, cache,
        new SpendRows(spendLog, metrics, clock), limits);
    this.managementRoutes = new ManagementRoutes(
        new Management(keyStore, new CounterSpendView(spend), clock, json, "master"), json);
    this.spendRoutes = new SpendRoutes(spendLog, keyStore, json);
    this.limits = limits;
    this.metrics = metrics;
    this.clock = clock;
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
      refuse(exchange, "", "", KeyRefusals.unknownKey());
      return true;
    }
    Optional<Refusal> refused = KeyRefusals.of(caller.get(), clock.instant());
    if (refused.isPresent()) {
      refuse(exchange, caller.get().name(), "", refused.get());
      return true;
    }
    if (ManagementRoutes.owns(path)) {
      manageKeys(exchange, caller.get(), path, method);
      return true;
    }
    if (SpendRoutes.owns(path)) {
      if (caller.get().isMaster()) {
        spendRoutes.handle(exchange, path, method);
      } else {
        refuse(exchange, caller.get().name(), "",
            KeyRefusals.masterKeyOnly("only the master key may read spend reports"));
      }
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
    if (isModels) {
      listModels(exchange, caller.get());
      return true;
    }
    String callId = java.util.UUID.randomUUID().toString();
    Optional<Refusal> busy = limits.enter(caller.get(), callId);
    if (busy.isPresent()) {
      refuse(exchange, caller.get().name(), "", busy.get());
      return true;
    }
    exchange.beforeEnd(() -> limits.leave(caller.get(), callId)); // a sequential client never meets its own lease
    try {
      if (isChat) {
        chatCompletion(exchange, caller.get());
      } else {
        embeddings(exchange, caller.get());
      }
    } finally {
      exchange.runBeforeEnd();
    }
    return true;
  }

  /**
   * Answers a request refused before routing, logs the decision once ({@code router.request.refused} with the
   * {@code rule} that decided) and counts it ({@code clincher_router_refusals_total{model,scope}}, scope = rule).
   */
  private void refuse(Exchange exchange, String caller, String model, Refusal refusal) {
    exchange.sendError(OpenAiError.from(refusal));
    LOG.atInfo().addKeyValue("caller", caller).addKeyValue("model", model.isEmpty() ? null : model)
        .addKeyValue("rule", refusal.scope()).addKeyValue("status", refusal.status())
        .addKeyValue("error_type", refusal.type()).addKeyValue("code", refusal.code()).log("router.request.refused");
    metrics.refusal(model, refusal.scope());
  }

  private void manageKeys(Exchange exchange, Caller caller, String path, String method) throws IOException {
    if (!caller.isMaster() && path.equals("/key/info") && "GET".equals(method)) {
      managementRoutes.ownInfo(exchange, caller.key().orElseThrow());
      return;
    }
    if (!caller.isMaster()) {
      refuse(exchange, caller.name(), "",
          KeyRefusals.masterKeyOnly("only the master key may manage keys, teams and users"));
      return;
    }
    byte[] body = new byte[0];
    if ("POST".equals(method)) {
      Optional<byte[]> read = readBody(exchange);
      if (read.isEmpty()) {
        return;
      }
      body = read.get();
    }
    managementRoutes.handle(exchange, path, method, body);
  }

  /** Answers 401 (LiteLLM's {@code key_/team_/user_model_access_denied}) when the caller may not call {@code model}. */
  private boolean refusedModel(Exchange exchange, Caller caller, String model) {
    if (allows(caller, model)) {
      return false;
    }
    refuse(exchange, caller.name(), model, KeyRefusals.model(caller, model).orElseThrow());
    return true;
  }

  /** The caller may use {@code model}, or the group it is an alias of. */
  private boolean allows(Caller caller, String model) {
    return caller.allows(model) || dispatcher.aliases().group(model).filter(caller::allows).isPresent();
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
    if (refusedModel(exchange, caller, request.model())) {
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
    if (refusedModel(exchange, caller, request.path("model").asText())) {
      return;
    }
    Optional<DeploymentGroup> group = dispatcher.group(request.path("model").asText());
    if (group.isEmpty()) {
      exchange.sendError(OpenAiError.modelNotFound(request.path("model").asText()));
      return;
    }
    calls.embeddings(exchange, caller, request, group.get(), CallEstimate.embeddings(body.get().length));
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

  private void listModels(Exchange exchange, Caller caller) {
    ObjectNode list = json.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    List<String> names = new ArrayList<>(dispatcher.modelNames());
    names.addAll(dispatcher.aliases().listed());
    for (String name : names) {
      if (!allows(caller, name)) {
        continue;
      }
      data.addObject().put("id", name).put("object", "model").put("created", startedEpochSeconds)
          .put("owned_by", "clincher");
    }
    exchange.sendJson(200, list);
  }
}
