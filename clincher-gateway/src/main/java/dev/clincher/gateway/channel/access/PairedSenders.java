package dev.clincher.gateway.channel.access;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The senders whose pairing the owner approved; the gateway keeps them in its store, tests in memory. */
public interface PairedSenders {
  boolean contains(String senderId);

  void add(String senderId);

  void remove(String senderId);

  /** A set in memory (tests, and a gateway without a store). */
  static PairedSenders inMemory() {
    Set<String> senders = ConcurrentHashMap.newKeySet();
    return new PairedSenders() {
      @Override
      public boolean contains(String senderId) {
        return senders.contains(senderId);
      }

      @Override
      public void add(String senderId) {
        senders.add(senderId);
      }

      @Override
      public void remove(String senderId) {
        senders.remove(senderId);
      }
    };
  }
}
