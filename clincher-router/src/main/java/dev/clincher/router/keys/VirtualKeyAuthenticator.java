package dev.clincher.router.keys;

import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master key (constant-time) or a virtual key (looked up by its SHA-256, so lookup time depends on the hash, not
 * on how much of a real key was guessed), with the key's team and user. Expired and blocked keys, and keys of a blocked
 * or vanished team, are returned too: the caller answers them with LiteLLM's errors. If the key database fails,
 * virtual keys are refused (logged), the master key still works.
 */
public final class VirtualKeyAuthenticator implements KeyAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** Longer presented keys are not looked up. */
  public static final int MAX_KEY_LENGTH = 256;

  private final KeyAuthenticator master;
  private final KeyStore store;

  public VirtualKeyAuthenticator(KeyAuthenticator master, KeyStore store) {
    this.master = master;
    this.store = store;
  }

  @Override
  public Optional<Caller> authenticate(String presentedKey) {
    Optional<Caller> admin = master.authenticate(presentedKey);
    if (admin.isPresent()) {
      return admin;
    }
    if (!presentedKey.startsWith("sk-") || presentedKey.length() > MAX_KEY_LENGTH) {
      return Optional.empty();
    }
    try {
      Optional<VirtualKey> key = store.find(VirtualKey.hash(presentedKey));
      if (key.isEmpty()) {
        return Optional.empty();
      }
      Optional<Team> team = key.get().teamId().isEmpty() ? Optional.empty() : store.team(key.get().teamId().get());
      Optional<InternalUser> user =
          key.get().userId().isEmpty() ? Optional.empty() : store.user(key.get().userId().get());
      return Optional.of(Caller.of(key.get(), team, user));
    } catch (SQLException e) {
      LOG.atError().addKeyValue("sql_state", e.getSQLState()).log("router.keys.lookup_failed");
      return Optional.empty();
    }
  }
}
