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
    append(request, deployment, usage, cost.map(usd -> Math.round(usd * SpendControls.NANOS_PER_USD)).orElse(0L),
        false, estimated, 200);
  }

  /** The row of a request nothing was spent on: refused, failed, or answered from the cache. */
  void unpaid(Request request, int status, boolean cacheHit) {
    append(request, cacheHit ? SpendRecord.CACHE : "", Usage.NONE, 0, cacheHit, false, status);
  }

  private void append(Request request, String deployment, Usage usage, long costNanos, boolean cacheHit,
      boolean estimated, int status) {
    if (log.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    try {
      SpendRecord row = new SpendRecord(request.id(), clock.instant(), request.payer().key().map(VirtualKey::tokenHash),
          request.payer().key().flatMap(VirtualKey::teamId), request.payer().endUser(), request.group(), deployment, usage.promptTokens(),
          usage.completionTokens(), usage.cacheReadTokens(), usage.cacheWriteTokens(), costNanos, cacheHit,
          estimated, status, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.startNanos()));
      log.get().append(row);
    } catch (SpendLogException | IllegalArgumentException e) {
      String reason = e instanceof SpendLogException failed ? failed.reason().name().toLowerCase(java.util.Locale.ROOT)
          : "invalid_row";
      metrics.spendLogFailure(reason);
      LOG.atError().addKeyValue("request_id", request.id()).addKeyValue("reason", reason)
          .addKeyValue("cost_nanos", costNanos).log("router.spend_log.append_failed");
    } finally {
      metrics.spendLogWrite(System.nanoTime() - started);
    }
  }
}
