package dev.clincher.gateway.auth;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import java.util.Objects;

/**
 * The gateway's bearer token, checked for strength once at start-up and compared in constant time.
 *
 * <p>The strength rule (every part must hold, otherwise start-up fails naming the source, never the value):
 * <ol>
 *   <li>only visible ASCII ({@code !}..{@code ~}), at most {@value #MAX_LENGTH} characters;</li>
 *   <li>at least {@value #MIN_BYTES} bytes of key material: a hex token ({@code [0-9a-fA-F]}) counts 4 bits a
 *       character (so 64 characters), a base64/base64url token ({@code [A-Za-z0-9+/_-]}, {@code =} padding) 6 bits a
 *       character (so 43 characters), anything else 8 bits a character (32 characters);</li>
 *   <li>not trivially low-entropy: at least {@value #MIN_DISTINCT} distinct characters, no character making
 *       up more than a third of the token, not a repetition of a shorter pattern ({@code abcabc...}), and not
 *       mostly a run ({@code 0123...}, {@code abcd...}: more than half of neighbouring pairs one step apart).</li>
 * </ol>
 * {@code openssl rand -hex 32} and {@code openssl rand -base64 32} pass; the chance that a random token of those
 * forms fails the entropy checks is below one in a hundred million (a quarter instead of a third failed about one
 * hex token in 100 000, measured).
 */
public final class BearerToken {
  public static final int MIN_BYTES = 32;
  public static final int MAX_LENGTH = 4096;
  public static final int MIN_DISTINCT = 10;

  private final RotatingSecret secret;

  private BearerToken(RotatingSecret secret) {
    this.secret = secret;
  }

  /**
   * Checks the token's strength.
   *
   * @param source where the token came from (e.g. {@code GATEWAY_TOKEN_FILE}), used in the error only
   * @throws ConfigException naming {@code source} and the broken rule (never the token or a part of it)
   */
  public static BearerToken of(Secret token, String source) throws ConfigException {
    Objects.requireNonNull(token, "token");
    return of(RotatingSecret.fixed("gateway_token", token), source);
  }

  /**
   * A token re-read on SIGHUP ({@code clincher rotate gateway-token}): its current value is checked now; a reloaded
   * value must pass the same rule (see {@link #RELOAD_CHECK}), else the current one stays.
   */
  public static BearerToken of(RotatingSecret token, String source) throws ConfigException {
    Objects.requireNonNull(token, "token");
    String weakness = weakness(token.current().reveal());
    if (weakness != null) {
      throw new ConfigException(source, "", "gateway token refused: " + weakness
          + " (generate one with: openssl rand -hex 32)");
    }
    return new BearerToken(token);
  }

  /** The strength rule, for values a reload reads. */
  public static final RotatingSecret.Check RELOAD_CHECK = BearerToken::weakness;

  /** True if {@code presented} is the token (or the previous one within its grace); constant time (SHA-256 digests compared with MessageDigest.isEqual). */
  public boolean matches(String presented) {
    return secret.matches(presented);
  }

  @Override
  public String toString() {
    return "BearerToken[****]";
  }

  /** Why {@code token} is too weak, or null when it is strong enough. Never quotes the token. */
  static String weakness(String token) {
    if (token.isEmpty()) {
      return "the token is empty";
    }
    if (token.length() > MAX_LENGTH) {
      return "the token is longer than " + MAX_LENGTH + " characters";
    }
    if (!token.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      return "the token must be visible ASCII only (no spaces, control or non-ASCII characters)";
    }
    int bytes = keyBytes(token);
    if (bytes < MIN_BYTES) {
      return "the token holds " + bytes + " bytes of key material, at least " + MIN_BYTES + " are required";
    }
    return lowEntropy(token);
  }

  /** Bytes of key material by the token's alphabet: hex 4 bits, base64 6 bits, otherwise 8 bits a character. */
  static int keyBytes(String token) {
    if (token.chars().allMatch(BearerToken::isHex)) {
      return token.length() / 2;
    }
    String unpadded = token.replaceAll("=+$", "");
    if (unpadded.chars().allMatch(BearerToken::isBase64)) {
      return unpadded.length() * 6 / 8;
    }
    return token.length();
  }

  private static String lowEntropy(String token) {
    int[] counts = new int[128];
    token.chars().forEach(c -> counts[c]++);
    long distinct = java.util.Arrays.stream(counts).filter(n -> n > 0).count();
    if (distinct < MIN_DISTINCT) {
      return "the token uses only " + distinct + " distinct characters";
    }
    if (java.util.Arrays.stream(counts).max().orElse(0) * 3 > token.length()) {
      return "one character makes up more than a third of the token";
    }
    if (isPeriodic(token)) {
      return "the token repeats a shorter pattern";
    }
    if (stepPairs(token) * 2 > token.length() - 1) {
      return "the token is mostly a run of consecutive characters";
    }
    return null;
  }

  private static boolean isPeriodic(String token) {
    for (int period = 1; period <= token.length() / 2; period++) {
      if (token.length() % period == 0 && token.equals(token.substring(0, period).repeat(token.length() / period))) {
        return true;
      }
    }
    return false;
  }

  private static int stepPairs(String token) {
    int steps = 0;
    for (int i = 1; i < token.length(); i++) {
      if (Math.abs(token.charAt(i) - token.charAt(i - 1)) == 1) {
        steps++;
      }
    }
    return steps;
  }

  private static boolean isHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isBase64(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || c == '+' || c == '/' || c == '-' || c == '_';
  }
}
