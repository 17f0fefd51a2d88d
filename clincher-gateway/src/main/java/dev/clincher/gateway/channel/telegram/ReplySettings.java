package dev.clincher.gateway.channel.telegram;

import java.time.Duration;

/**
 * How replies are delivered.
 *
 * @param minInterval the least time between two Bot API calls of one reply (Telegram allows about one message per
 *     second in a chat; edits count)
 * @param typingInterval how often {@code typing} is shown again while a run is in progress (Telegram shows it 5 s)
 * @param retryPause the pause before retrying a call that failed without a {@code retry_after}
 * @param maxFailures how many failed calls in a row end a reply's delivery (a 429 does not count: it only waits)
 * @param longestReply a reply never finished by its run is finished with its last text after this long (typing
 *     stops, the delivery thread ends)
 */
public record ReplySettings(Duration minInterval, Duration typingInterval, Duration retryPause, int maxFailures,
    Duration longestReply) {
  public static ReplySettings defaults() {
    return new ReplySettings(Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(2), 8,
        Duration.ofMinutes(30));
  }
}
