package dev.clincher.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Random secrets the gateway hands out and later recognises: WebSocket tickets, sign-in codes, browser sessions.
 *
 * <p>Each secret is 32 random bytes in base64url (43 characters) and is bound to an owner string (a client address,
 * or a fixed tag when any client may present it). Only SHA-256 digests are kept, so a heap dump holds no usable
 * secret; at most {@code max} at once, the oldest dropped first, and expired ones are dropped as new ones arrive.
 * Thread-safe.
 */
final class ExpiringSecrets {
  /** What a secret was issued for. */
  record Issued(String owner, Instant expiresAt) {}

  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Issued> issued;

  ExpiringSecrets(Clock clock, Duration ttl, int max) {
    this.clock = clock;
    this.ttl = ttl;
    this.issued = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Issued> eldest) {
        return size() > max || !eldest.getValue().expiresAt().isAfter(clock.instant());
      }
    };
  }

  Duration ttl() {
    return ttl;
  }

  /** A new secret for {@code owner}, valid for the TTL. */
  String issue(String owner) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    synchronized (issued) {
      issued.put(digest(secret), new Issued(owner, clock.instant().plus(ttl)));
    }
    return secret;
  }

  /** Removes {@code secret} and answers what it was issued for, if it was still valid: a secret works once. */
  Optional<Issued> redeem(String secret) {
    Issued found;
    synchronized (issued) {
      found = issued.remove(digest(secret));
    }
    return Optional.ofNullable(found).filter(this::live);
  }

  /** What {@code secret} was issued for, if it is still valid; it stays valid. */
  Optional<Issued> peek(String secret) {
    synchronized (issued) {
      return Optional.ofNullable(issued.get(digest(secret))).filter(this::live);
    }
  }

  /** Forgets {@code secret}; true if it was known. */
  boolean revoke(String secret) {
    synchronized (issued) {
      return issued.remove(digest(secret)) != null;
    }
  }

  private boolean live(Issued found) {
    return clock.instant().isBefore(found.expiresAt());
  }

  private static String digest(String secret) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
