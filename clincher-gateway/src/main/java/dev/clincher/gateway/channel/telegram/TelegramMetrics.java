package dev.clincher.gateway.channel.telegram;

import dev.clincher.common.metrics.Metrics;
import dev.clincher.gateway.channel.access.AccessDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/**
 * The Telegram channel's counters: {@code clincher_gateway_telegram_updates_total} (received),
 * {@code …_access_total{decision,rule}} (every access decision; unknown-sender refusals are the rules
 * {@code dm_pairing}, {@code dm_not_allowlisted} and {@code unknown_sender_rate_limited}),
 * {@code …_errors_total{method,code}} (Bot API failures by Telegram's code, 0 when unreachable) and
 * {@code …_replies_total{outcome}} (replies delivered or lost).
 */
public final class TelegramMetrics {
  private final Metrics metrics;
  private final MeterRegistry registry;

  public TelegramMetrics(Metrics metrics) {
    this.metrics = metrics;
    this.registry = metrics.registry();
  }

  void updateReceived() {
    Counter.builder(metrics.name("telegram.updates")).description("Telegram updates received")
        .register(registry).increment();
  }

  void access(AccessDecision decision) {
    Counter.builder(metrics.name("telegram.access")).description("Telegram messages by access decision and rule")
        .tag("decision", decision.verdict().name().toLowerCase(Locale.ROOT)).tag("rule", decision.rule())
        .register(registry).increment();
  }

  void apiError(String method, int code) {
    Counter.builder(metrics.name("telegram.errors")).description("Bot API calls that failed, by Telegram's code")
        .tag("method", method).tag("code", Integer.toString(code)).register(registry).increment();
  }

  void reply(String outcome) {
    Counter.builder(metrics.name("telegram.replies")).description("Replies sent to Telegram, by outcome")
        .tag("outcome", outcome).register(registry).increment();
  }
}
