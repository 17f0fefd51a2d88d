package dev.clincher.common.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A secret value (API key, token, password) that does not show itself: {@link #toString()} prints {@code ****},
 * so a config record holding one can be logged safely. Bind a config field to {@code Secret} instead of
 * {@code String} whenever it holds a credential; call {@link #reveal()} only where the value is used.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Wraps a value; also how Jackson binds a YAML string to a {@code Secret} field. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Secret of(String value) {
    return new Secret(value);
  }

  /** The secret itself. Never log or put it in an exception message. */
  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  /**
   * Compares a presented credential with this secret in constant time (also with respect to the length):
   * both are hashed with SHA-256 first, then compared with {@link MessageDigest#isEqual}.
   */
  public boolean matches(String candidate) {
    if (candidate == null) {
      return false;
    }
    return MessageDigest.isEqual(sha256(value), sha256(candidate));
  }

  @Override
  public String toString() {
    return "****";
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
