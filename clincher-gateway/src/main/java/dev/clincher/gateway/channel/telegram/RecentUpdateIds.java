package dev.clincher.gateway.channel.telegram;

import java.util.TreeSet;

/**
 * The update ids seen most recently, to answer a repeated delivery once only. Holds at most {@code capacity} ids (the
 * highest); an id at or below the lowest one held, once full, counts as seen: Telegram numbers updates in increasing
 * order, so such an id is a replay, not news.
 */
public final class RecentUpdateIds {
  private final int capacity;
  private final TreeSet<Long> ids = new TreeSet<>();

  public RecentUpdateIds(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
  }

  /** Records {@code updateId}; true the first time it is seen, false for a repeat. */
  public synchronized boolean firstSeen(long updateId) {
    if (ids.size() >= capacity && updateId <= ids.first()) {
      return false;
    }
    if (!ids.add(updateId)) {
      return false;
    }
    if (ids.size() > capacity) {
      ids.pollFirst();
    }
    return true;
  }
}
