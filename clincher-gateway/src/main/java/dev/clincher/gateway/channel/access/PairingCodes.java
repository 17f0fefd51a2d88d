package dev.clincher.gateway.channel.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The pending pairing codes of one channel: an unknown sender gets one code (the same one while it is pending, as
 * long as this process runs), the owner approves it once ({@code clincher channels approve CODE}). The codes are kept
 * by their hash in a {@link PendingCodeStore}, so an approval works across a restart; a sender who writes again
 * after a restart gets a new code, and either one works. Codes expire, and at most {@code maxPending} are kept (the
 * oldest is dropped first), so a flood of strangers cannot grow memory or the store.
 */
public final class PairingCodes {
  /** Letters and digits that cannot be mistaken for one another when read aloud or typed. */
  private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  private static final int CODE_LENGTH = 8;

  /** A code waiting for approval. */
  public record Pending(String code, String senderId, String chatId, Instant expires) {}

  /** The codes this process sent, in clear, so that a sender writing twice gets the same code. */
  private final Map<String, Pending> sentBySender = new LinkedHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Duration lifetime;
  private final int maxPending;
  private final Clock clock;
  private final PendingCodeStore store;

  /** Codes kept in memory only. */
  public PairingCodes(Duration lifetime, int maxPending, Clock clock) {
    this(lifetime, maxPending, clock, PendingCodeStore.inMemory());
  }

  public PairingCodes(Duration lifetime, int maxPending, Clock clock, PendingCodeStore store) {
    this.lifetime = lifetime;
    this.maxPending = maxPending;
    this.clock = clock;
    this.store = store;
  }

  /** The sender's pending code, or a new one. */
  public synchronized Pending issue(String senderId, String chatId) {
    Instant now = clock.instant();
    sentBySender.values().removeIf(sent -> !sent.expires().isAfter(now));
    Pending pending = sentBySender.get(senderId);
    if (pending != null) {
      return pending;
    }
    if (sentBySender.size() >= maxPending) {
      Iterator<String> oldest = sentBySender.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    pending = new Pending(newCode(), senderId, chatId, now.plus(lifetime));
    store.add(new PendingCodeStore.Entry(hash(pending.code()), senderId, chatId, pending.expires()));
    store.prune(now, maxPending);
    sentBySender.put(senderId, pending);
    return pending;
  }

  /** Consumes a pending code: the pairing it stood for, or empty when it is unknown, used or expired. */
  public synchronized Optional<Pending> approve(String code) {
    String normalised = code.strip().toUpperCase(Locale.ROOT);
    Optional<PendingCodeStore.Entry> taken = store.take(hash(normalised), clock.instant());
    taken.ifPresent(entry -> sentBySender.remove(entry.senderId()));
    return taken.map(entry -> new Pending(normalised, entry.senderId(), entry.chatId(), entry.expires()));
  }

  /** How many codes wait for approval. */
  public synchronized int pending() {
    return store.prune(clock.instant(), maxPending);
  }

  /** The SHA-256 of a code, hex: how the store knows it (looked up by equality, so no timing leaks the code). */
  public static String hash(String code) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private String newCode() {
    StringBuilder code = new StringBuilder(CODE_LENGTH);
    for (int i = 0; i < CODE_LENGTH; i++) {
      code.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return code.toString();
  }
}
