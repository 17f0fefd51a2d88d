package dev.clincher.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.config.ProviderKind;
import dev.clincher.router.metering.Usage;
import dev.clincher.router.provider.ProviderException;
import dev.clincher.router.provider.Providers;
import dev.clincher.router.routing.Deployment;
import dev.clincher.router.spend.CallEstimate;
import dev.clincher.router.spend.Payer;
import dev.clincher.router.spend.Refusal;
import dev.clincher.router.spend.SpendControls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * One model call's budget: before each attempt its worst case is reserved on the deployment it goes to (and the
 * output limit the worst case assumes is sent along when the client gave none); a failed attempt releases its
 * reservation; the answer settles it to the actual cost, exactly once. A stream cut short, or one whose provider
 * reported no usage, is settled at an estimate ({@link CallEstimate#cutShort}), never at zero.
 */
final class CallBudget {
  /** How long a stream's reservation lives at most (a router that dies mid-stream lets it go after this). */
  static final Duration STREAM_LEASE = Duration.ofHours(1);

  /** A refusal no other deployment can get around (the key's or the global budget, an unpriced model, no store). */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Refusal refusal;

    Refused(Refusal refusal) {
      super(refusal.message(), null, false, false);
      this.refusal = refusal;
    }

    OpenAiError error() {
      return OpenAiError.from(refusal);
    }

    /** The budget that refused, e.g. {@code key_budget} (the refusal's {@code scope}). */
    String rule() {
      return refusal.scope();
    }
  }

  /** What a settled call cost, and whether that is an estimate. */
  record Settled(Optional<Double> cost, Usage usage, boolean estimated) {}

  private final SpendControls spend;
  private final RouterMetrics metrics;
  private final Payer payer;
  private final CallEstimate estimate;
  private final boolean streamed;
  private SpendControls.Lease lease; // the current attempt's; one attempt at a time
  private String model = "";
  private String deploymentRefusedBy = ""; // the last deployment budget that refused an attempt

  CallBudget(SpendControls spend, RouterMetrics metrics, Payer payer, CallEstimate estimate, boolean streamed) {
    this.spend = spend;
    this.metrics = metrics;
    this.payer = payer;
    this.estimate = estimate;
    this.streamed = streamed;
  }

  /**
   * Reserves the attempt's worst case on {@code deployment}; a chat {@code upstream} body gets the output limit that
   * worst case assumes when the client set none and a budget applies.
   *
   * @throws ProviderException (429, {@code budget_exceeded}) when only the deployment's budget is spent: the
   *     dispatcher tries another deployment
   * @throws Refused when nothing else could serve the call within its budgets
   */
  void reserve(Deployment deployment, ObjectNode upstream) throws ProviderException {
    long limit = outputLimit(deployment, upstream);
    if (upstream != null && estimate.outputLimit().isEmpty() && spend.budgeted(payer, deployment.id())
        && deployment.config().provider().protocol() == ProviderKind.Protocol.OPENAI) {
      upstream.put(deployment.config().provider() == ProviderKind.OPENAI ? "max_completion_tokens" : "max_tokens",
          limit);
    }
    model = deployment.config().modelName();
    Duration lifetime = streamed ? STREAM_LEASE : deployment.config().timeout();
    switch (spend.reserve(UUID.randomUUID().toString(), payer, deployment.id(), estimate.worstCase(limit),
        lifetime)) {
      case SpendControls.Reserved reserved -> lease = reserved.lease();
      case SpendControls.Refused refused -> {
        Refusal refusal = refused.refusal();
        metrics.refusal(deployment.config().modelName(), refusal.scope());
        if (!refused.deploymentOnly()) {
          throw new Refused(refusal);
        }
        deploymentRefusedBy = refusal.scope();
        throw new ProviderException(429, refusal.type(), refusal.code(), refusal.message(), refusal.retryAfter());
      }
    }
  }

  /** The scope of the last deployment budget that refused an attempt ({@code model_budget}), else empty. */
  String deploymentRefusedBy() {
    return deploymentRefusedBy;
  }

  /** The output limit the worst case assumes: the client's, else what the deployment's call will be sent with. */
  private static long outputLimit(Deployment deployment, ObjectNode upstream) {
    if (deployment.config().provider().protocol() == ProviderKind.Protocol.ANTHROPIC && upstream != null) {
      return Providers.anthropicOutputLimit(upstream);
    }
    return deployment.config().cost().maxOutputTokens().orElse(CallEstimate.DEFAULT_OUTPUT_LIMIT);
  }

  /** The attempt failed: its reservation goes, nothing was spent. */
  void release() {
    if (lease != null) {
      spend.release(lease);
      lease = null;
    }
  }

  /** The answer arrived with {@code usage}: settles the reservation to it. */
  Optional<Double> settle(Usage usage) {
    SpendControls.Lease ending = lease;
    lease = null;
    if (ending == null) {
      return Optional.empty();
    }
    Optional<Double> cost = spend.settle(ending, usage);
    if (!ending.holds().isEmpty() && cost.isPresent()) {
      long actualNanos = Math.round(cost.get() * SpendControls.NANOS_PER_USD);
      if (actualNanos > ending.worstNanos()) {
        metrics.reservationExceeded(model);
      } else {
        metrics.reservationCorrected(model, ending.worstNanos() - actualNanos);
      }
    }
    return cost;
  }

  /**
   * A stream ended: {@code complete} when it reached {@code [DONE]}. Settles the usage it reported, or an estimate
   * from what was relayed when it was cut short or reported none.
   */
  Settled settleStream(Usage reported, boolean complete, StreamTally tally) {
    boolean estimated = !complete || !reported.reported();
    Usage usage = estimated ? estimate.cutShort(reported, tally.textBytes, tally.chunks) : reported;
    return new Settled(settle(usage), usage, estimated);
  }

  /** What a stream relayed: chunks, and the bytes of their text (content, reasoning, tool-call arguments). */
  static final class StreamTally {
    private final ObjectMapper json;
    private long chunks;
    private long textBytes;

    StreamTally(ObjectMapper json) {
      this.json = json;
    }

    void count(String chunk) {
      try {
        JsonNode delta = json.readTree(chunk).path("choices").path(0).path("delta");
        long bytes = utf8(delta.path("content")) + utf8(delta.path("reasoning_content"));
        for (JsonNode call : delta.path("tool_calls")) {
          bytes += utf8(call.path("function").path("arguments")) + utf8(call.path("function").path("name"));
        }
        if (bytes > 0) {
          chunks++;
          textBytes += bytes;
        }
      } catch (IOException notJson) {
        chunks++;
        textBytes += chunk.length();
      }
    }

    private static long utf8(JsonNode text) {
      return text.isTextual() ? text.asText().getBytes(StandardCharsets.UTF_8).length : 0;
    }
  }
}
