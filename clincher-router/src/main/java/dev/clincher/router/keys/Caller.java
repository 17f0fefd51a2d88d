package dev.clincher.router.keys;

import java.util.Objects;
import java.util.Optional;

/**
 * Who sent a request, once their key checked out.
 *
 * @param name for logs: {@code master} for the master key, {@code key:<first 12 hex digits of the key's SHA-256>}
 *             for a virtual key; never the key itself
 * @param key  the virtual key's record; empty for the master key
 */
public record Caller(String name, Optional<VirtualKey> key) {
  public static final Caller MASTER = new Caller("master", Optional.empty());

  public Caller {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(key, "key");
  }

  /** A caller with a virtual key. */
  public static Caller of(VirtualKey key) {
    return new Caller(key.logName(), Optional.of(key));
  }

  /** True for the master key (admin: management routes, every model, no key limits). */
  public boolean isMaster() {
    return key.isEmpty();
  }

  /** Whether this caller may use the public model {@code modelName}. */
  public boolean allows(String modelName) {
    return key.map(k -> k.allows(modelName)).orElse(true);
  }
}
