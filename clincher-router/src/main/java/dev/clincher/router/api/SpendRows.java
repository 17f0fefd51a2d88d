package dev.clincher.router.api;

import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.metering.Usage;
import dev.clincher.router.spend.Payer;
import dev.clincher.router.spend.SpendControls;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogException;
import dev.clincher.router.spendlog.SpendRecord;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one spend-log row per model request ({@link SpendLog}). An answered call's row is written before the
 * answer's last byte and is durable when {@link #answered} returns; a request that was refused, failed or answered
 * from the cache gets its row after the answer went out. A row that cannot be written is logged
 * ({@code router.spend_log.append_failed}) and counted; the answer goes out all the same (the call happened and is
 * in the counters). Without a log ({@code general_settings.disable_spend_logs}) nothing is written.
 */
final class SpendRows {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");

  /** One request, from its first byte: what its row will say about who asked for what. */
  record Request(String id, Payer payer, String group, long startNanos) {}

  private final Optional<SpendLog> log;
  private final RouterMetrics metrics;
  private final Clock clock;

  SpendRows(Optional<SpendLog> log, RouterMetrics metrics, Clock clock) {
    this.log = log;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** The row of a call a deployment answered; returns once it is durable (or its failure was logged). */
  void answered(Request request, String deployment, Usage usage, Optional<Double> cost, boolean estimated) {
    append(request, deployment, usage, nanos(cost), false, estimated, 200);
  }

  /**
   * The row of a call a deployment answered, without waiting: {@code then} runs once the row is durable, or once its
   * failure was logged, on the spend-log writer's thread (at once on this one without a log or when the row is
   * refused at once). So the answer that {@code then} sends never leaves before its row, and no thread parks for
   * the commit. {@code then} must not block.
   */
  void answeredThen(Request request, String deployment, Usage usage, Optional<Double> cost, Runnable then) {
    long costNanos = nanos(cost);
    if (log.isEmpty()) {
      then.run();
      return;
    }
    long started = System.nanoTime();
    SpendRecord row;
    try {
      row = row(request, deployment, usage, costNanos, false, false, 200);
    } catch (IllegalArgumentException e) {
      failed(request, costNanos, e, started);
      then.run();
      return;
    }
    log.get().appendAsync(row).whenComplete((appended, failure) -> {
      if (failure != null) {
        failed(request, costNanos, failure, started);
      } else {
        metrics.spendLogWrite(System.nanoTime() - started);
      }
      then.run();
    });
  }

  /** The row of a request nothing was spent on: refused, failed, or answered from the cache. */
  void unpaid(Request request, int status, boolean cacheHit) {
    append(request, cacheHit ? SpendRecord.CACHE : "", Usage.NONE, 0, cacheHit, false, status);
  }

  private static long nanos(Optional<Double> cost) {
    return cost.map(usd -> Math.round(usd * SpendControls.NANOS_PER_USD)).orElse(0L);
  }

  private void append(Request request, String deployment, Usage usage, long costNanos, boolean cacheHit,
      boolean estimated, int status) {
    if (log.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    try {
      log.get().append(row(request, deployment, usage, costNanos, cacheHit, estimated, status));
      metrics.spendLogWrite(System.nanoTime() - started);
    } catch (SpendLogException | IllegalArgumentException e) {
      failed(request, costNanos, e, started);
    }
  }

  private SpendRecord row(Request request, String deployment, Usage usage, long costNanos, boolean cacheHit,
      boolean estimated, int status) {
    return new SpendRecord(request.id(), clock.instant(), request.payer().key().map(VirtualKey::tokenHash),
        request.payer().key().flatMap(VirtualKey::teamId), request.payer().endUser(), request.group(), deployment,
        usage.promptTokens(), usage.completionTokens(), usage.cacheReadTokens(), usage.cacheWriteTokens(), costNanos,
        cacheHit, estimated, status, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.startNanos()));
  }

  /** Logs and counts a row that was not written; the answer goes out all the same. */
  private void failed(Request request, long costNanos, Throwable e, long started) {
    String reason = e instanceof SpendLogException failed ? failed.reason().name().toLowerCase(java.util.Locale.ROOT)
        : e instanceof IllegalArgumentException ? "invalid_row" : "commit_failed";
    metrics.spendLogFailure(reason);
    LOG.atError().addKeyValue("request_id", request.id()).addKeyValue("reason", reason)
        .addKeyValue("cost_nanos", costNanos).log("router.spend_log.append_failed");
    metrics.spendLogWrite(System.nanoTime() - started);
  }
}
