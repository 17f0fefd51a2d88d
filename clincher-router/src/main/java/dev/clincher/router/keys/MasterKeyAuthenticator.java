package dev.clincher.router.keys;

import dev.clincher.common.config.Secret;
import java.util.Objects;
import java.util.Optional;

/** Accepts exactly the master key, compared in constant time ({@link Secret#matches}). */
public final class MasterKeyAuthenticator implements KeyAuthenticator {
  private final Secret masterKey;

  public MasterKeyAuthenticator(Secret masterKey) {
    this.masterKey = Objects.requireNonNull(masterKey, "masterKey");
    if (masterKey.reveal().isBlank()) {
      throw new IllegalArgumentException("the master key is blank");
    }
  }

  @Override
  public Optional<Caller> authenticate(String presentedKey) {
    return masterKey.matches(presentedKey) ? Optional.of(Caller.MASTER) : Optional.empty();
  }
}
