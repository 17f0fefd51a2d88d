package dev.clincher.router.ratelimit;

/**
 * One subject's log in memory: entries (time in ms, amount) oldest first in two ring buffers, and their sum. Not
 * thread-safe; {@link InMemoryRateLimiter} guards it.
 */
final class SlidingLog {
  private long[] times = new long[8];
  private long[] amounts = new long[8];
  private int head;
  private int size;
  private long sum;
  private long window = 1;

  /** Drops the entries {@code window} ms old or older; returns the sum of those left. */
  long trim(long now, long window) {
    this.window = window;
    while (size > 0 && times[head] <= now - window) {
      sum -= amounts[head];
      head = (head + 1) % times.length;
      size--;
    }
    return sum;
  }

  /**
   * Appends {@code amount} at {@code now} (never before the newest entry, should the clock step back). A log at
   * {@code maxEntries} adds it to its newest entry instead and moves that entry to {@code now}: the sum stays exact,
   * and the newest entry leaves the window later than it would have, never sooner.
   */
  void add(long now, long amount, int maxEntries) {
    if (amount == 0) {
      return;
    }
    sum += amount;
    if (size > 0) {
      int newest = slot(size - 1);
      now = Math.max(now, times[newest]);
      if (size >= maxEntries) {
        times[newest] = now;
        amounts[newest] += amount;
        return;
      }
    }
    if (size == times.length) {
      grow(maxEntries);
    }
    times[slot(size)] = now;
    amounts[slot(size)] = amount;
    size++;
  }

  /** Milliseconds until the oldest entries that together free {@code need} have left the window. */
  long millisUntilFree(long need, long now) {
    long freed = 0;
    for (int i = 0; i < size; i++) {
      freed += amounts[slot(i)];
      if (freed >= need) {
        return times[slot(i)] + window - now;
      }
    }
    return window;
  }

  /** Whether the log is empty once entries older than its last window are dropped. */
  boolean idle(long now) {
    trim(now, window);
    return size == 0;
  }

  private int slot(int index) {
    return (head + index) % times.length;
  }

  /** Doubles the buffers (at most to {@code maxEntries}, which is more than they hold), oldest entry first again. */
  private void grow(int maxEntries) {
    int capacity = Math.min(times.length * 2, maxEntries);
    long[] newTimes = new long[capacity];
    long[] newAmounts = new long[capacity];
    for (int i = 0; i < size; i++) {
      newTimes[i] = times[slot(i)];
      newAmounts[i] = amounts[slot(i)];
    }
    times = newTimes;
    amounts = newAmounts;
    head = 0;
  }
}
