package dev.clincher.router.keys;

import java.util.Optional;

/**
 * Checks the key a client presents ({@code Authorization: Bearer <key>}). The seam for virtual keys: today only
 * {@link MasterKeyAuthenticator}; a database-backed authenticator with per-key budgets and limits slots in here.
 */
@FunctionalInterface
public interface KeyAuthenticator {
  /** The caller the key belongs to, or empty when it is not valid. Must not log or echo the key. */
  Optional<Caller> authenticate(String presentedKey);
}
