package dev.clincher.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.cache.ResponseCache;
import dev.clincher.router.config.ProviderKind;
import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.metering.Usage;
import dev.clincher.router.provider.ChunkStream;
import dev.clincher.router.provider.Completion;
import dev.clincher.router.provider.Provider;
import dev.clincher.router.provider.ProviderException;
import dev.clincher.router.provider.Providers;
import dev.clincher.router.provider.Unreachable;
import dev.clincher.router.ratelimit.RateLimits;
import dev.clincher.router.routing.Deployment;
import dev.clincher.router.routing.DeploymentGroup;
import dev.clincher.router.routing.Dispatcher;
import dev.clincher.router.routing.Fallbacks;
import dev.clincher.router.routing.Routed;
import dev.clincher.router.routing.RoutingException;
import dev.clincher.router.spend.CallEstimate;
import dev.clincher.router.spend.Payer;
import dev.clincher.router.spend.Refusal;
import dev.clincher.router.spend.SpendControls;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes that call a model: {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}. Each routes the
 * validated request to a deployment (with retries, see {@link Dispatcher}) and answers with the provider's answer, or
 * relays a chat stream event by event.
 *
 * <p>Streaming: the first chunk is read <em>inside</em> the retry loop, before anything is sent to the client, so an
 * upstream that fails before its first chunk is retried; once the first chunk went out, a broken upstream ends the
 * client's stream with an error event and no {@code [DONE]}, and is never retried.
 *
 * <p>Spend: before routing, {@link SpendControls} checks the caller's key (budget, rpm, tpm) and the group's budgets;
 * each attempt checks its deployment's budget (one over budget is cooled down and another tried). After the answer
 * the cost is recorded and, for non-streamed answers, sent in {@code x-clincher-response-cost} /
 * {@code x-litellm-response-cost}. Streams send their headers before usage is known: they carry no cost header, and
 * the cost is recorded (and logged) after the last event. OpenAI-protocol streams are asked for usage
 * ({@code stream_options.include_usage}) even when the client did not; the usage-only chunk is then not relayed.
 */
final class ModelCalls {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** nginx's status for a client that closed the connection before the answer. */
  private static final int CLIENT_CLOSED = 499;

  private final Dispatcher dispatcher;
  private final Fallbacks fallbacks;
  private final Providers providers;
  private final RouterMetrics metrics;
  private final ObjectMapper json;
  private final SpendControls spend;
  private final ResponseCache cache;
  private final SpendRows rows;
  private final RateLimits limits;
  private final CallIds callIds = new CallIds();

  ModelCalls(Dispatcher dispatcher, Fallbacks fallbacks, Providers providers, RouterMetrics metrics,
      ObjectMapper json, SpendControls spend, ResponseCache cache, SpendRows rows, RateLimits limits) {
    this.rows = rows;
    this.limits = limits;
    this.spend = spend;
    this.cache = cache;
    this.dispatcher = dispatcher;
    this.fallbacks = fallbacks;
    this.providers = providers;
    this.metrics = metrics;
    this.json = json;
  }

  /** Serves one validated chat request for {@code group}; completes the exchange. */
  void chat(Exchange exchange, Caller caller, ChatRequest chat, DeploymentGroup group) throws InterruptedException {
    // A model call may run long without I/O on the client connection: the deployment's timeout bounds it instead.
    exchange.request.addIdleTimeoutListener(timeout -> false);
    SpendRows.Request call = start(exchange, Payer.of(caller, chat.body()), group);
    String kind = chat.stream() ? "chat_stream" : "chat";
    Optional<Refusal> refused = admit(caller, group, call);
    if (refused.isPresent()) {
      refuse(exchange, caller, group, kind, refused.get(), call);
      return;
    }
    ResponseCache.Ticket ticket = cache.open(caller, group.modelName(), chat.body());
    Optional<ObjectNode> cached = ticket.hit();
    ticket.headers(cached.isPresent(), exchange::header);
    CallBudget budget = new CallBudget(spend, metrics, call.payer(), chat.estimate(), chat.stream());
    Outcome outcome = cached.isPresent() ? replay(exchange, chat, ticket, cached.get())
        : chat.stream() ? stream(exchange, caller, chat, group, ticket, budget, call)
        : complete(exchange, caller, group, budget, call, deployment -> {
          ObjectNode upstream = chat.forUpstream(deployment.config().upstreamModel());
          budget.reserve(deployment, upstream);
          return provider(deployment).complete(deployment.config(), upstream);
        }, completion -> ticket.store(completion.body()));
    log(exchange, caller, group, kind, outcome, call);
  }

  /** A request's id (answered as LiteLLM's {@code x-litellm-call-id}) and what its spend-log row will name. */
  private SpendRows.Request start(Exchange exchange, Payer payer, DeploymentGroup group) {
    SpendRows.Request call = new SpendRows.Request(callIds.next(), payer, group.modelName(),
        exchange.startNanos);
    exchange.header("x-litellm-call-id", call.id());
    return call;
  }

  /** Serves one validated embeddings request (body already checked) for {@code group}; completes the exchange. */
  void embeddings(Exchange exchange, Caller caller, ObjectNode request, DeploymentGroup group,
      CallEstimate estimate) throws InterruptedException {
    exchange.request.addIdleTimeoutListener(timeout -> false);
    SpendRows.Request call = start(exchange, Payer.of(caller, request), group);
    Optional<Refusal> refused = admit(caller, group, call);
    if (refused.isPresent()) {
      refuse(exchange, caller, group, "embeddings", refused.get(), call);
      return;
    }
    CallBudget budget = new CallBudget(spend, metrics, call.payer(), estimate, false);
    Outcome outcome = complete(exchange, caller, group, budget, call, deployment -> {
      budget.reserve(deployment, null);
      ObjectNode upstream = request.deepCopy();
      upstream.put("model", deployment.config().upstreamModel());
      return provider(deployment).embed(deployment.config(), upstream);
    }, completion -> {});
    log(exchange, caller, group, "embeddings", outcome, call);
  }

  /** The key's rate limits and budget, then the group's budgets: the first refusal, if any. */
  private Optional<Refusal> admit(Caller caller, DeploymentGroup group, SpendRows.Request call) {
    Optional<Refusal> refusal = limits.admit(caller, call.id());
    if (refusal.isEmpty()) {
      refusal = caller.key().flatMap(spend::admitKey);
    }
    if (refusal.isEmpty()) {
      refusal = spend.admitGroup(group.modelName(), group.deployments().stream().map(Deployment::id).toList());
    }
    refusal.ifPresent(r -> metrics.refusal(group.modelName(), r.scope()));
    return refusal;
  }

  /** Answers a call its limits or budgets refused; its request line names the rule (the refusal's scope). */
  private void refuse(Exchange exchange, Caller caller, DeploymentGroup group, String kind, Refusal refusal,
      SpendRows.Request call) {
    OpenAiError error = OpenAiError.from(refusal);
    exchange.sendError(error);
    log(exchange, caller, group, kind, Outcome.refused(error, refusal.scope()), call);
  }

  private void log(Exchange exchange, Caller caller, DeploymentGroup group, String kind, Outcome outcome,
      SpendRows.Request call) {
    if (!outcome.rowWritten()) { // after the answer: nothing was spent on it
      rows.unpaid(call, outcome.status(), outcome.deploymentId().equals("cache"));
    }
    limits.record(caller, outcome.usage().totalTokens(), call.id());
    long totalNanos = System.nanoTime() - exchange.startNanos;
    caller.key().filter(key -> key.maxBudget().isPresent() && outcome.cost().isPresent()).ifPresent(key ->
        metrics.keyBudget(key, key.maxBudget().getAsDouble(), () -> spend.keySpend(key)));
    caller.team().filter(team -> team.maxBudget().isPresent() && outcome.cost().isPresent()).ifPresent(team ->
        metrics.teamBudget(team, team.maxBudget().getAsDouble(), () -> spend.teamSpend(team)));
    metrics.request(group.modelName(), outcome.status(), Duration.ofNanos(totalNanos),
        outcome.overheadNanos() < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(outcome.overheadNanos())));
    LOG.atInfo()
        .addKeyValue("model", group.modelName())
        .addKeyValue("deployment", outcome.deploymentId())
        .addKeyValue("caller", caller.name())
        .addKeyValue("call", kind)
        .addKeyValue("status", outcome.status())
        .addKeyValue("attempts", outcome.attempts())
        .addKeyValue("prompt_tokens", outcome.usage().promptTokens())
        .addKeyValue("completion_tokens", outcome.usage().completionTokens())
        .addKeyValue("cost_usd", outcome.cost().map(SpendControls::usd).orElse(null))
        .addKeyValue("duration_ms", TimeUnit.NANOSECONDS.toMillis(totalNanos))
        .addKeyValue("overhead_ms", outcome.overheadNanos() < 0 ? null : TimeUnit.NANOSECONDS.toMillis(outcome.overheadNanos()))
        .addKeyValue("outcome", outcome.detail())
        .addKeyValue("rule", outcome.rule().isEmpty() ? null : outcome.rule())
        .log("router.request");
  }

  /**
   * What happened, for the request log and metrics; {@code overheadNanos} is -1 when not measured (failures);
   * {@code rule} names the limit or budget that refused the call, else is empty.
   */
  private record Outcome(int status, String deploymentId, int attempts, Usage usage, long overheadNanos, String detail,
      Optional<Double> cost, boolean rowWritten, String rule) {
    Outcome(int status, String deploymentId, int attempts, Usage usage, long overheadNanos, String detail,
        Optional<Double> cost, boolean rowWritten) {
      this(status, deploymentId, attempts, usage, overheadNanos, detail, cost, rowWritten, "");
    }

    /** Refused by {@code rule} before any provider answered. */
    static Outcome refused(OpenAiError error, String rule) {
      return failed(error, 0, rule);
    }

    /** A failure after {@code attempts} provider calls (retries and fallbacks included); {@code rule} may be empty. */
    static Outcome failed(OpenAiError error, int attempts, String rule) {
      return new Outcome(error.status(), "", attempts, Usage.NONE, -1, error.type(), Optional.empty(), false, rule);
    }

    static Outcome cacheHit(long overheadNanos, String detail) {
      return new Outcome(200, "cache", 0, Usage.NONE, overheadNanos, detail, Optional.of(0.0), false);
    }
  }

  /** Starts one attempt's provider call on a deployment (reserving its budget first). */
  @FunctionalInterface
  private interface Call {
    CompletableFuture<Completion> start(Deployment deployment) throws ProviderException;
  }

  private Outcome complete(Exchange exchange, Caller caller, DeploymentGroup group, CallBudget budget,
      SpendRows.Request request, Call call, Consumer<Completion> beforeSend) throws InterruptedException {
    AtomicLong upstreamNanos = new AtomicLong();
    AtomicReference<CompletableFuture<Completion>> pending = new AtomicReference<>();
    // Cancels the upstream call if Jetty reports the connection failed, or if the client closes it while the call
    // runs: Jetty does not read an HTTP/1.1 connection while the handler waits, so ClientWatch watches it (see there
    // for the trade-offs). The watch ends (try-with-resources) before the answer is sent. Streams notice a closed
    // client at the next event.
    exchange.request.addFailureListener(failure -> cancel(pending.get()));
    AtomicInteger attempts = new AtomicInteger();
    Routed<Completion> routed;
    try (ClientWatch client = ClientWatch.start(exchange.request, exchange.response, () -> cancel(pending.get()))) {
      routed = route(caller, group, attempts, deployment -> {
        if (client.gone()) {
          throw clientClosed();
        }
        long start = System.nanoTime();
        boolean answered = false;
        try {
          CompletableFuture<Completion> future = call.start(deployment);
          pending.set(future);
          if (client.gone()) { // gone while the call started: the watch may have seen the previous future
            future.cancel(true);
          }
          Completion completion = await(deployment, future, client);
          answered = true;
          return completion;
        } finally {
          upstreamNanos.addAndGet(System.nanoTime() - start);
          metrics.providerCall(deployment.config().modelName(), deployment.id(), System.nanoTime() - start);
          if (!answered) {
            budget.release();
          }
        }
      });
    } catch (RoutingException | ProviderException | CallBudget.Refused e) {
      return fail(exchange, e, attempts.get(), budget);
    }
    try (routed) {
      Completion completion = routed.value();
      Deployment deployment = routed.deployment();
      // Counted before the answer leaves, so a client's next request already sees this spend.
      Optional<Double> cost = recordSuccess(group, deployment, completion.usage(), budget.settle(completion.usage()),
          caller.key());
      rows.answered(request, deployment.id(), completion.usage(), cost, false); // durable before the answer leaves
      long overheadNanos = overhead(exchange, upstreamNanos.get(), routed.waitedNanos());
      addRouterHeaders(exchange, deployment, overheadNanos);
      cost.ifPresent(usd -> addCostHeaders(exchange, usd));
      beforeSend.accept(completion); // e.g. cached first, so the client's next request can hit
      exchange.sendJson(200, completion.body());
      return new Outcome(200, deployment.id(), routed.attempts(), completion.usage(), overheadNanos, "ok", cost,
          true);
    }
  }

  /**
   * Dispatches to {@code group}, then to its fallback groups in order while the error allows it (only groups the
   * caller's key may call), counting every provider call in {@code attempts}.
   */
  private <T> Routed<T> route(Caller caller, DeploymentGroup group, AtomicInteger attempts,
      Dispatcher.Attempt<T> uncounted) throws RoutingException, ProviderException, InterruptedException {
    Dispatcher.Attempt<T> attempt = deployment -> {
      attempts.incrementAndGet();
      return uncounted.call(deployment);
    };
    try {
      return dispatcher.dispatch(group, attempt, this::onFailure);
    } catch (RoutingException | ProviderException first) {
      Exception last = first;
      for (String name : fallbacks.after(group.modelName(), first)) {
        Optional<DeploymentGroup> fallback = dispatcher.group(name);
        if (fallback.isEmpty() || !caller.allows(name)) {
          continue;
        }
        LOG.atInfo().addKeyValue("model", group.modelName()).addKeyValue("fallback", name)
            .addKeyValue("after", last.getClass().getSimpleName()).log("router.fallback");
        try {
          return dispatcher.dispatch(fallback.get(), attempt, this::onFailure);
        } catch (RoutingException | ProviderException e) {
          last = e;
        }
      }
      if (last instanceof RoutingException routing) {
        throw routing;
      }
      throw (ProviderException) last;
    }
  }

  /**
   * Waits for the call's answer, at most the deployment's timeout; after {@link ClientWatch#START_DELAY} of waiting
   * the client's connection is watched too.
   */
  private static Completion await(Deployment deployment, CompletableFuture<Completion> future, ClientWatch client)
      throws ProviderException, InterruptedException {
    Duration timeout = deployment.config().timeout();
    long timeoutNanos = timeout.toNanos();
    long firstWait = Math.min(ClientWatch.START_DELAY.toNanos(), timeoutNanos);
    try {
      try {
        return future.get(firstWait, TimeUnit.NANOSECONDS);
      } catch (TimeoutException stillRunning) {
        if (firstWait >= timeoutNanos) {
          throw stillRunning;
        }
        client.watch();
        return future.get(timeoutNanos - firstWait, TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ProviderException provider) {
        throw provider;
      }
      throw ProviderException.unreachable(deployment.id(), Unreachable.of(e.getCause()));
    } catch (TimeoutException e) {
      future.cancel(true);
      throw ProviderException.unreachable(deployment.id(), Unreachable.noAnswerWithin(timeout));
    } catch (CancellationException e) {
      throw clientClosed();
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    }
  }

  /** The client went away: not retried, no fallback (a 499 is neither retryable nor a fallback's error). */
  private static ProviderException clientClosed() {
    return new ProviderException(CLIENT_CLOSED, "client_closed", null, "the client closed the connection",
        Optional.empty());
  }

  /** Answers from the cache: the completion as it was, or replayed as chunks; no provider call, cost 0. */
  private Outcome replay(Exchange exchange, ChatRequest chat, ResponseCache.Ticket ticket, ObjectNode completion) {
    long overheadNanos = System.nanoTime() - exchange.startNanos;
    exchange.header("x-clincher-response-cost", "0.0");
    exchange.header("x-litellm-response-cost", "0.0");
    if (!chat.stream()) {
      exchange.sendJson(200, completion);
      return Outcome.cacheHit(overheadNanos, "cache_hit");
    }
    exchange.startEvents();
    try {
      for (String chunk : ticket.replay(completion, chat.includeUsage())) {
        exchange.writeEvent(chunk);
      }
      exchange.finishEvents("data: [DONE]\n\n");
      return Outcome.cacheHit(overheadNanos, "cache_hit");
    } catch (IOException clientGone) {
      exchange.callback.failed(clientGone);
      return Outcome.cacheHit(overheadNanos, "client_gone");
    }
  }

  private Outcome stream(Exchange exchange, Caller caller, ChatRequest chat, DeploymentGroup group,
      ResponseCache.Ticket ticket, CallBudget budget, SpendRows.Request request) throws InterruptedException {
    AtomicLong upstreamNanos = new AtomicLong();
    AtomicLong streamStart = new AtomicLong();
    AtomicInteger attempts = new AtomicInteger();
    Routed<FirstChunk> routed;
    try {
      routed = route(caller, group, attempts, deployment -> {
        long start = System.nanoTime();
        boolean opened = false;
        try {
          FirstChunk first = openStream(deployment, chat, budget);
          opened = true;
          streamStart.set(start);
          return first;
        } finally {
          upstreamNanos.addAndGet(System.nanoTime() - start);
          if (opened) {
            metrics.timeToFirstToken(deployment.config().modelName(), deployment.id(), System.nanoTime() - start);
          }
          if (!opened) {
            budget.release();
          }
        }
      });
    } catch (RoutingException | ProviderException | CallBudget.Refused e) {
      return fail(exchange, e, attempts.get(), budget);
    }
    try (routed; ChunkStream upstream = routed.value().stream()) {
      long overheadNanos = overhead(exchange, upstreamNanos.get(), routed.waitedNanos());
      addRouterHeaders(exchange, routed.deployment(), overheadNanos);
      exchange.startEvents();
      boolean dropUsageChunk = !chat.includeUsage() && asksForUsage(routed.deployment());
      CallBudget.StreamTally tally = new CallBudget.StreamTally(json);
      StreamEnd end = relay(exchange, routed.value(), upstream, dropUsageChunk, ticket, tally);
      metrics.providerCall(group.modelName(), routed.deployment().id(), System.nanoTime() - streamStart.get());
      // Settled before the last byte goes out, so a client's next request already sees this spend.
      CallBudget.Settled settled = budget.settleStream(upstream.usage(), end.detail().equals("ok"), tally);
      rows.answered(request, routed.deployment().id(), settled.usage(), settled.cost(), settled.estimated());
      String detail = finish(exchange, end);
      Optional<Double> cost = recordSuccess(group, routed.deployment(), settled.usage(), settled.cost(),
          caller.key());
      return new Outcome(200, routed.deployment().id(), routed.attempts(), settled.usage(), overheadNanos,
          settled.estimated() ? detail + "_estimated" : detail, cost, true);
    }
  }

  /** The open upstream stream and its first chunk (empty when the stream ended at once). */
  private record FirstChunk(ChunkStream stream, Optional<String> first) {}

  private FirstChunk openStream(Deployment deployment, ChatRequest chat, CallBudget budget)
      throws ProviderException, InterruptedException {
    ObjectNode body = chat.forUpstream(deployment.config().upstreamModel());
    budget.reserve(deployment, body);
    if (!chat.includeUsage() && asksForUsage(deployment)) {
      JsonNode options = body.path("stream_options");
      ObjectNode asked = options.isObject() ? ((ObjectNode) options).deepCopy() : body.objectNode(); // shared: copy
      body.set("stream_options", asked.put("include_usage", true));
    }
    ChunkStream stream = providers.openStream(deployment.config(), body);
    try {
      return new FirstChunk(stream, stream.next());
    } catch (IOException e) {
      stream.close();
      throw ProviderException.unreachable("deployment " + deployment.id() + " broke its stream before the first chunk",
          false);
    }
  }

  /** How a relayed stream ended: {@code ok}, {@code upstream_broke} or {@code client_gone}, and its last text. */
  private record StreamEnd(String detail, Optional<String> lastText) {}

  /**
   * Relays chunks until {@code [DONE]}, without the last text ({@code [DONE]}, or an error event when the upstream
   * broke off), which goes out only after the call is settled. A client gone cancels the upstream call.
   */
  private StreamEnd relay(Exchange exchange, FirstChunk opened, ChunkStream upstream, boolean dropUsageChunk,
      ResponseCache.Ticket ticket, CallBudget.StreamTally tally) {
    Optional<String> chunk = opened.first();
    try {
      while (chunk.isPresent()) {
        tally.count(chunk.get());
        if (!(dropUsageChunk && isUsageOnly(chunk.get()))) {
          exchange.writeEvent(chunk.get());
        }
        ticket.collect(chunk.get());
        try {
          chunk = upstream.next();
        } catch (IOException upstreamBroke) {
          OpenAiError error = new OpenAiError(502, "the provider's stream broke off; the answer is incomplete",
              "api_error", null, "upstream_stream_broken", Optional.empty());
          return new StreamEnd("upstream_broke", Optional.of("data: " + exchange.text(error.toJson(json)) + "\n\n"));
        }
      }
      ticket.streamEnded();
      return new StreamEnd("ok", Optional.of("data: [DONE]\n\n"));
    } catch (IOException clientGone) {
      upstream.close(); // cancels the upstream call
      exchange.callback.failed(clientGone);
      return new StreamEnd("client_gone", Optional.empty());
    }
  }

  /** Sends a stream's last text; a client gone by then fails the exchange. */
  private static String finish(Exchange exchange, StreamEnd end) {
    if (end.lastText().isEmpty()) {
      return end.detail();
    }
    try {
      exchange.finishEvents(end.lastText().get());
      return end.detail();
    } catch (IOException clientGone) {
      exchange.callback.failed(clientGone);
      return "client_gone";
    }
  }

  /**
   * Answers a call that got no answer: no deployment, the provider's error, or a budget refusal (0 attempts logged);
   * a budget refusal, or every deployment's own budget refusing the call, names that budget as the rule.
   */
  private Outcome fail(Exchange exchange, Exception e, int attempts, CallBudget budget) {
    if (e instanceof CallBudget.Refused refused) {
      exchange.sendError(refused.error());
      return Outcome.refused(refused.error(), refused.rule());
    }
    OpenAiError error = e instanceof RoutingException routing
        ? OpenAiError.from(routing) : OpenAiError.from((ProviderException) e);
    exchange.sendError(error);
    String rule = "budget_exceeded".equals(error.type()) ? budget.deploymentRefusedBy() : "";
    return Outcome.failed(error, attempts, rule);
  }

  private void onFailure(Deployment deployment, ProviderException error, boolean willRetry) {
    if (error.status() == CLIENT_CLOSED) {
      return; // the client left; the deployment did nothing wrong (the request log still says client_closed)
    }
    metrics.deploymentFailure(deployment.config().modelName(), deployment.id(), error.clientStatus(), willRetry);
    LOG.atWarn()
        .addKeyValue("model", deployment.config().modelName())
        .addKeyValue("deployment", deployment.id())
        .addKeyValue("status", error.clientStatus())
        .addKeyValue("error_type", error.type())
        .addKeyValue("error_code", error.code())
        .addKeyValue("error", error.getMessage())
        .addKeyValue("retry_after_ms", error.retryAfter().map(Duration::toMillis).orElse(-1L))
        .addKeyValue("will_retry", willRetry)
        .log("router.attempt.failed");
  }

  /** OpenAI-protocol streams report usage only when asked; the router always asks, to count the spend. */
  private static boolean asksForUsage(Deployment deployment) {
    return deployment.config().provider().protocol() == ProviderKind.Protocol.OPENAI;
  }

  /** The chunk {@code include_usage} adds at the end: no choices, only usage. */
  private static boolean isUsageOnly(String chunk) {
    return chunk.contains("\"choices\":[]") && chunk.contains("\"usage\"");
  }

  /** Counts the answered call's tokens and its settled cost in the metrics; returns the cost. */
  private Optional<Double> recordSuccess(DeploymentGroup group, Deployment deployment, Usage usage,
      Optional<Double> cost, Optional<VirtualKey> key) {
    dispatcher.recordTokens(deployment, usage.totalTokens());
    metrics.deploymentSuccess(group.modelName(), deployment.id(), usage.promptTokens(), usage.completionTokens());
    cost.ifPresent(usd -> metrics.spend(deployment.config().modelName(), key, usd, usage.totalTokens()));
    return cost;
  }

  private Provider provider(Deployment deployment) {
    return providers.forKind(deployment.config().provider());
  }

  /** The router's own time: everything but waiting on providers and sleeping between retries. */
  private static long overhead(Exchange exchange, long upstreamNanos, long waitedNanos) {
    return Math.max(0, System.nanoTime() - exchange.startNanos - upstreamNanos - waitedNanos);
  }

  /** Which deployment answered and the router's overhead. */
  private static void addRouterHeaders(Exchange exchange, Deployment deployment, long overheadNanos) {
    String overheadMs = millisText(overheadNanos);
    exchange.header("x-clincher-deployment", deployment.id());
    exchange.header("x-clincher-overhead-ms", overheadMs);
    exchange.header("x-litellm-model-id", deployment.id());
    exchange.header("x-litellm-overhead-duration-ms", overheadMs);
  }

  /** Nanoseconds as milliseconds with three decimals ({@code 0.042}); String.format was costly per request. */
  static String millisText(long nanos) {
    long micros = Math.max(0, nanos) / 1_000;
    String fraction = Long.toString(1_000 + micros % 1_000).substring(1);
    return (micros / 1_000) + "." + fraction;
  }

  /** The answer's cost in USD (plain decimal); not sent when the deployment's price is unknown. */
  private static void addCostHeaders(Exchange exchange, double usd) {
    exchange.header("x-clincher-response-cost", SpendControls.usd(usd));
    exchange.header("x-litellm-response-cost", SpendControls.usd(usd));
  }

  private static void cancel(CompletableFuture<?> future) {
    if (future != null) {
      future.cancel(true);
    }
  }
}
