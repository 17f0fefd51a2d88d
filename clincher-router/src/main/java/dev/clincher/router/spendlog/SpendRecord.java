package dev.clincher.router.spendlog;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One row of the spend log: what one request cost, as the client was answered.
 *
 * @param requestId        unique per request (1 to {@value #MAX_ID_CHARS} characters); a second record with the same
 *                         id is not written
 * @param time             when the request was answered, kept to the millisecond (truncated here), from 1970 to 9999
 * @param keyHash          the virtual key's SHA-256 ({@code VirtualKey.tokenHash()}, 64 lower-case hex digits); empty
 *                         for the master key
 * @param team             the key's team, if any
 * @param endUser          the request's end user ({@code user}), if any
 * @param modelGroup       the public model name asked for ({@code model_name})
 * @param deployment       the deployment that answered: {@code "cache"} for a cache hit, {@code ""} when none did
 * @param promptTokens     prompt tokens as the provider counted them
 * @param completionTokens completion tokens
 * @param cacheReadTokens  prompt tokens read from the provider's prompt cache
 * @param cacheWriteTokens prompt tokens written to the provider's prompt cache
 * @param costNanos        the cost in nano-dollars ({@code SpendControls.NANOS_PER_USD} per USD)
 * @param cacheHit         answered from the router's cache (then {@code deployment} is {@code "cache"})
 * @param estimated        the cost is an estimate: the client or the provider cut a stream before usage arrived
 * @param status           the HTTP status the client got
 * @param latencyMillis    how long the request took, in milliseconds
 */
public record SpendRecord(String requestId, Instant time, Optional<String> keyHash, Optional<String> team,
    Optional<String> endUser, String modelGroup, String deployment, long promptTokens, long completionTokens,
    long cacheReadTokens, long cacheWriteTokens, long costNanos, boolean cacheHit, boolean estimated, int status,
    long latencyMillis) {
  /** The longest request id. */
  public static final int MAX_ID_CHARS = 128;
  /** The longest team, end user, model group or deployment. */
  public static final int MAX_NAME_CHARS = 256;
  /** {@link #deployment} of a cache hit. */
  public static final String CACHE = "cache";
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
  private static final Pattern SHA_256_HEX = Pattern.compile("[0-9a-f]{64}");

  public SpendRecord {
    text("requestId", requestId, 1, MAX_ID_CHARS);
    Objects.requireNonNull(time, "time");
    if (time.isBefore(Instant.EPOCH) || time.isAfter(LATEST)) {
      throw new IllegalArgumentException("time must be between 1970 and 9999, got " + time);
    }
    time = time.truncatedTo(ChronoUnit.MILLIS);
    Objects.requireNonNull(keyHash, "keyHash");
    if (keyHash.isPresent() && !SHA_256_HEX.matcher(keyHash.get()).matches()) {
      throw new IllegalArgumentException("keyHash must be 64 lower-case hex digits (a SHA-256)");
    }
    optionalText("team", team);
    optionalText("endUser", endUser);
    text("modelGroup", modelGroup, 0, MAX_NAME_CHARS);
    text("deployment", deployment, 0, MAX_NAME_CHARS);
    if (cacheHit && !deployment.equals(CACHE)) {
      throw new IllegalArgumentException("a cache hit has deployment \"cache\", got \"" + deployment + "\"");
    }
    notNegative("promptTokens", promptTokens);
    notNegative("completionTokens", completionTokens);
    notNegative("cacheReadTokens", cacheReadTokens);
    notNegative("cacheWriteTokens", cacheWriteTokens);
    notNegative("costNanos", costNanos);
    notNegative("latencyMillis", latencyMillis);
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status (100-599), got " + status);
    }
  }

  private static void optionalText(String name, Optional<String> value) {
    Objects.requireNonNull(value, name);
    value.ifPresent(text -> text(name, text, 1, MAX_NAME_CHARS));
  }

  /** Bounded length and no NUL (PostgreSQL refuses it in text, which would fail a whole batch). */
  private static void text(String name, String value, int min, int max) {
    Objects.requireNonNull(value, name);
    if (value.length() < min || value.length() > max) {
      throw new IllegalArgumentException(name + " must be " + min + " to " + max + " characters, got "
          + value.length());
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(name + " must not contain NUL");
    }
  }

  private static void notNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + value);
    }
  }
}
