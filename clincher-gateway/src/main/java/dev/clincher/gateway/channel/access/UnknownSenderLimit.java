package dev.clincher.gateway.channel.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often unknown senders are answered at all: at most {@code perSender} answers to one sender and
 * {@code overall} answers to all unknown senders together within each window. Remembers at most
 * {@code maxSenders} senders (the oldest forgotten first), so memory stays bounded under a flood of new ids.
 */
public final class UnknownSenderLimit {
  private final int perSender;
  private final int overall;
  private final Duration window;
  private final int maxSenders;
  private final Clock clock;
  private final Map<String, Integer> answersBySender;
  private Instant windowStart;
  private int answers;

  public UnknownSenderLimit(int perSender, int overall, Duration window, int maxSenders, Clock clock) {
    this.perSender = perSender;
    this.overall = overall;
    this.window = window;
    this.maxSenders = maxSenders;
    this.clock = clock;
    this.answersBySender = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
        return size() > UnknownSenderLimit.this.maxSenders;
      }
    };
    this.windowStart = clock.instant();
  }

  /** Counts one answer to {@code senderId} if the limit has room; false when the sender must get nothing. */
  public synchronized boolean tryAcquire(String senderId) {
    Instant now = clock.instant();
    if (!now.isBefore(windowStart.plus(window))) {
      windowStart = now;
      answers = 0;
      answersBySender.clear();
    }
    int bySender = answersBySender.getOrDefault(senderId, 0);
    if (bySender >= perSender || answers >= overall) {
      return false;
    }
    answersBySender.put(senderId, bySender + 1);
    answers++;
    return true;
  }
}
