package dev.clincher.router.keys;

import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import java.util.Objects;
import java.util.Optional;

/**
 * Accepts exactly the master key, compared in constant time ({@link Secret#matches}); after a rotation also the
 * previous key until its grace ends ({@link RotatingSecret}).
 */
public final class MasterKeyAuthenticator implements KeyAuthenticator {
  private final RotatingSecret masterKey;

  public MasterKeyAuthenticator(Secret masterKey) {
    this(RotatingSecret.fixed("master_key", masterKey));
  }

  public MasterKeyAuthenticator(RotatingSecret masterKey) {
    this.masterKey = Objects.requireNonNull(masterKey, "masterKey");
    if (masterKey.current().reveal().isBlank()) {
      throw new IllegalArgumentException("the master key is blank");
    }
  }

  @Override
  public Optional<Caller> authenticate(String presentedKey) {
    return masterKey.matches(presentedKey) ? Optional.of(Caller.MASTER) : Optional.empty();
  }
}
