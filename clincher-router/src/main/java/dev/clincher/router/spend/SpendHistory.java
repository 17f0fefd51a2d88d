package dev.clincher.router.spend;

import java.time.Instant;
import java.util.Map;

/** Spend recorded before a restart (the spend log): what {@link SpendControls#rebuild} refills the counters from. */
public interface SpendHistory {
  /** What spend is summed by. */
  enum By { KEY, TEAM, DEPLOYMENT, END_USER }

  /** Nano-dollars per key hash, team id, deployment id or end user, of the calls answered at or after {@code since}. */
  Map<String, Long> costSince(Instant since, By by);

  /** Nano-dollars of every call answered at or after {@code since}. */
  long totalSince(Instant since);
}
