package dev.clincher.gateway.channel.telegram;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one bot's updates by long polling: {@code getUpdates} from the stored offset, each update handed to the
 * sink, then the offset stored one past it, so a crash loses nothing and answers nothing twice. Failures wait before
 * the next call: Telegram's {@code retry_after} for a 429, a long pause for a 409 (another client polls this bot),
 * otherwise a doubling pause up to a bound. Each kind of failure is logged once until polling works again.
 */
public final class LongPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LongPoller.class);

  /**
   * @param longPoll how long Telegram holds a {@code getUpdates} open when there is nothing to deliver
   * @param firstBackoff the pause after the first failure in a row
   * @param maxBackoff the longest pause after repeated failures (and after a refused token)
   * @param conflictBackoff the pause after a 409: another poller or a webhook owns this bot
   */
  public record Settings(Duration longPoll, Duration firstBackoff, Duration maxBackoff, Duration conflictBackoff) {
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(1),
          Duration.ofMinutes(1));
    }
  }

  private final BotApi api;
  private final OffsetStore offsets;
  private final UpdateSink sink;
  private final Settings settings;
  private final String botId;
  private Thread thread;
  private volatile boolean stopping;
  /** The problem polling has now ({@code conflict}, {@code unreachable}, …), "" while it works; read by readiness. */
  private volatile String reportedProblem = "";
  private Duration backoff;

  public LongPoller(BotApi api, OffsetStore offsets, UpdateSink sink, Settings settings) {
    this.api = api;
    this.offsets = offsets;
    this.sink = sink;
    this.settings = settings;
    this.botId = api.token().botId();
    this.backoff = settings.firstBackoff();
  }

  /** Starts the one polling thread of this bot. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("this bot's poller is already running");
    }
    thread = Thread.ofVirtual().name("telegram-poller-" + botId).start(this::pollUntilClosed);
  }

  private void pollUntilClosed() {
    long offset = offsets.load();
    LOG.atInfo().addKeyValue("bot", botId).addKeyValue("offset", offset).log("telegram.polling_started");
    while (!stopping) {
      try {
        offset = deliver(api.getUpdates(offset, settings.longPoll()), offset);
        recovered();
      } catch (BotApiException e) {
        pause(delayAfter(e));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Hands each update to the sink and stores the offset past it; returns the next offset. */
  private long deliver(List<Update> updates, long offset) {
    long next = offset;
    for (Update update : updates) {
      if (update.updateId() < next) {
        continue; // already handed off (Telegram repeats nothing below the offset, a fake or a proxy might)
      }
      try {
        sink.accept(update);
      } catch (RuntimeException e) {
        LOG.atError().addKeyValue("bot", botId).addKeyValue("update_id", update.updateId())
            .addKeyValue("error", api.token().redact(e.toString())).log("telegram.update_failed");
      }
      next = update.updateId() + 1;
      offsets.save(next);
    }
    return next;
  }

  private Duration delayAfter(BotApiException e) {
    Duration delay;
    String problem;
    if (e.isConflict()) {
      problem = "conflict";
      delay = settings.conflictBackoff();
    } else if (e.errorCode() == 429) {
      problem = "rate_limited";
      delay = max(e.retryAfter().orElse(backoff), settings.firstBackoff());
    } else if (e.errorCode() == 401 || e.errorCode() == 404) {
      problem = "token_refused";
      delay = settings.maxBackoff();
    } else {
      problem = e.errorCode() == 0 ? "unreachable" : "error_" + e.errorCode();
      delay = backoff;
      backoff = min(backoff.multipliedBy(2), settings.maxBackoff());
    }
    report(problem, e, delay);
    return delay;
  }

  private void report(String problem, BotApiException e, Duration delay) {
    if (problem.equals(reportedProblem)) {
      return;
    }
    reportedProblem = problem;
    LOG.atWarn().addKeyValue("bot", botId).addKeyValue("problem", problem)
        .addKeyValue("retry_in_ms", delay.toMillis()).addKeyValue("error", e.getMessage())
        .addKeyValue("reason", reasonFor(problem)).log("telegram.polling_failed");
  }

  /**
   * What keeps polling from working now, as {@code problem: reason} (e.g. {@code conflict: another getUpdates poller
   * …}); empty while polling works.
   */
  public Optional<String> problem() {
    String problem = reportedProblem;
    return problem.isEmpty() ? Optional.empty() : Optional.of(problem + ": " + reasonFor(problem));
  }

  private static String reasonFor(String problem) {
    return switch (problem) {
      case "conflict" -> "another getUpdates poller or a webhook uses this bot's token; stop the other one "
          + "(one poller per bot)";
      case "rate_limited" -> "Telegram asked to slow down";
      case "token_refused" -> "Telegram refused the bot token; check the token file";
      case "unreachable" -> "Telegram could not be reached through the egress proxy";
      default -> "Telegram answered with an error";
    };
  }

  private void recovered() {
    backoff = settings.firstBackoff();
    if (!reportedProblem.isEmpty()) {
      LOG.atInfo().addKeyValue("bot", botId).addKeyValue("after", reportedProblem).log("telegram.polling_recovered");
      reportedProblem = "";
    }
  }

  private void pause(Duration delay) {
    try {
      Thread.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Stops polling: the call in flight is abandoned, its updates stay with Telegram for the next start. */
  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      stopping = true;
      running = thread;
    }
    if (running != null) {
      running.interrupt();
      try {
        running.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
