package dev.clincher.gateway.channel.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pending pairing codes of one channel: an unknown sender gets one code (the same one while it is pending), the
 * owner approves it once ({@code clincher channels approve CODE}). Codes expire, and at most {@code maxPending} are
 * kept (the oldest is dropped first), so a flood of strangers cannot grow memory.
 */
public final class PairingCodes {
  /** Letters and digits that cannot be mistaken for one another when read aloud or typed. */
  private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  private static final int CODE_LENGTH = 8;

  /** A code waiting for approval. */
  public record Pending(String code, String senderId, String chatId, Instant expires) {}

  private final Map<String, Pending> bySender = new LinkedHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Duration lifetime;
  private final int maxPending;
  private final Clock clock;

  public PairingCodes(Duration lifetime, int maxPending, Clock clock) {
    this.lifetime = lifetime;
    this.maxPending = maxPending;
    this.clock = clock;
  }

  /** The sender's pending code, or a new one. */
  public synchronized Pending issue(String senderId, String chatId) {
    dropExpired();
    Pending pending = bySender.get(senderId);
    if (pending != null) {
      return pending;
    }
    if (bySender.size() >= maxPending) {
      Iterator<String> oldest = bySender.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    pending = new Pending(newCode(), senderId, chatId, clock.instant().plus(lifetime));
    bySender.put(senderId, pending);
    return pending;
  }

  /** Consumes a pending code: the pairing it stood for, or empty when it is unknown, used or expired. */
  public synchronized Optional<Pending> approve(String code) {
    dropExpired();
    byte[] wanted = code.strip().toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    for (Iterator<Pending> it = bySender.values().iterator(); it.hasNext(); ) {
      Pending pending = it.next();
      if (MessageDigest.isEqual(pending.code().getBytes(StandardCharsets.US_ASCII), wanted)) {
        it.remove();
        return Optional.of(pending);
      }
    }
    return Optional.empty();
  }

  /** How many codes wait for approval. */
  public synchronized int pending() {
    dropExpired();
    return bySender.size();
  }

  private void dropExpired() {
    Instant now = clock.instant();
    bySender.values().removeIf(pending -> !pending.expires().isAfter(now));
  }

  private String newCode() {
    StringBuilder code = new StringBuilder(CODE_LENGTH);
    for (int i = 0; i < CODE_LENGTH; i++) {
      code.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return code.toString();
  }
}
