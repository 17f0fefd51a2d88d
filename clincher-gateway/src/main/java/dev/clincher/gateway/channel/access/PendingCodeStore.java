package dev.clincher.gateway.channel.access;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a channel's pending pairing codes are kept, so that a code the owner has not approved yet survives a
 * restart: by the SHA-256 of the code (the code itself is never stored), with its sender, chat and expiry.
 */
public interface PendingCodeStore {

  /**
   * A code waiting for approval, as stored.
   *
   * @param codeHash the code's SHA-256, hex ({@link PairingCodes#hash})
   * @param senderId who got the code
   * @param chatId where it was sent
   * @param expires when it stops being valid
   */
  record Entry(String codeHash, String senderId, String chatId, Instant expires) {}

  void add(Entry entry);

  /**
   * Consumes the code with this hash: removes it and every other code of its sender.
   *
   * @return the entry when it was there and had not expired at {@code now}
   */
  Optional<Entry> take(String codeHash, Instant now);

  /** Drops the codes expired at {@code now}, then the oldest while more than {@code max} remain; returns the rest. */
  int prune(Instant now, int max);

  /** Codes kept in memory only (tests, and a bot without a store): they do not survive a restart. */
  static PendingCodeStore inMemory() {
    Map<String, Entry> byHash = new LinkedHashMap<>();
    return new PendingCodeStore() {
      @Override
      public synchronized void add(Entry entry) {
        byHash.put(entry.codeHash(), entry);
      }

      @Override
      public synchronized Optional<Entry> take(String codeHash, Instant now) {
        Entry entry = byHash.remove(codeHash);
        if (entry == null) {
          return Optional.empty();
        }
        byHash.values().removeIf(other -> other.senderId().equals(entry.senderId()));
        return entry.expires().isAfter(now) ? Optional.of(entry) : Optional.empty();
      }

      @Override
      public synchronized int prune(Instant now, int max) {
        byHash.values().removeIf(entry -> !entry.expires().isAfter(now));
        for (Iterator<Entry> oldest = byHash.values().iterator(); byHash.size() > max; ) {
          oldest.next();
          oldest.remove();
        }
        return byHash.size();
      }
    };
  }
}
