package dev.clincher.router.keys;

import java.security.SecureRandom;
import java.util.Base64;

/** New virtual keys: {@code sk-} and 32 random bytes (256 bits) from {@link SecureRandom}, base64url. */
public final class KeyGenerator {
  private static final int RANDOM_BYTES = 32;
  private final SecureRandom random = new SecureRandom();

  /** A fresh key. */
  public String next() {
    byte[] bytes = new byte[RANDOM_BYTES];
    random.nextBytes(bytes);
    return "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** LiteLLM's display name of a key: {@code sk-...} and its last four characters. */
  public static String displayName(String key) {
    return "sk-..." + key.substring(Math.max(0, key.length() - 4));
  }
}
