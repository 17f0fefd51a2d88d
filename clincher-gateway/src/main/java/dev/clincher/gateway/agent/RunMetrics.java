package dev.clincher.gateway.agent;

import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent loop's metrics: runs in progress, runs by how they ended and how long they took, steps, model calls,
 * tool calls and denials, context pruning. Durations are histograms with {@link LatencyBuckets}.
 */
public final class RunMetrics {
  private final Metrics metrics;
  private final MeterRegistry registry;
  private final AtomicInteger inProgress = new AtomicInteger();

  public RunMetrics(Metrics metrics) {
    this.metrics = metrics;
    this.registry = metrics.registry();
    Gauge.builder(metrics.name("runs.in.progress"), inProgress, AtomicInteger::get)
        .description("Agent runs going on now").register(registry);
  }

  void runStarted() {
    inProgress.incrementAndGet();
  }

  void runEnded(String agent, RunEnd end, long nanos) {
    inProgress.decrementAndGet();
    Counter.builder(metrics.name("runs")).description("Agent runs by how they ended")
        .tag("agent", agent).tag("end", end.wireName()).register(registry).increment();
    LatencyBuckets.timer(metrics.name("run.duration")).description("Agent runs from start to end")
        .tag("agent", agent).tag("end", end.wireName()).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  void modelCall(String agent, long nanos) {
    LatencyBuckets.timer(metrics.name("model.call.duration"))
        .description("Model calls through the router, streamed to the end")
        .tag("agent", agent).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  void toolCall(String agent, String tool, String outcome, long nanos) {
    LatencyBuckets.timer(metrics.name("tool.call.duration")).description("Tool calls by tool and outcome")
        .tag("agent", agent).tag("tool", tool).tag("outcome", outcome).register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** One step: a model call and the tool calls it asked for (the unit {@code max_steps} counts). */
  void stepEnded(String agent, long nanos) {
    LatencyBuckets.timer(metrics.name("step.duration")).description("Agent steps: a model call and its tool calls")
        .tag("agent", agent).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A call the tool policy refused, by the layer and the entry of that layer that decided it. */
  void toolDenied(String agent, String layer, String rule) {
    Counter.builder(metrics.name("tool.denied")).description("Tool calls refused by the tool policy")
        .tag("agent", agent).tag("layer", layer.isEmpty() ? "unknown" : layer)
        .tag("rule", rule.isEmpty() ? "none" : rule).register(registry).increment();
  }

  /** A call a tool's own check refused (a path outside the workspace, a URL web_fetch does not fetch). */
  void toolRefused(String agent, String tool, String rule) {
    Counter.builder(metrics.name("tool.refused")).description("Tool calls refused by the tool's own checks")
        .tag("agent", agent).tag("tool", tool).tag("rule", rule).register(registry).increment();
  }

  void contextPruned(String agent, int results) {
    Counter.builder(metrics.name("context.pruned")).description("Tool results removed to fit the context")
        .tag("agent", agent).register(registry).increment(results);
  }
}
