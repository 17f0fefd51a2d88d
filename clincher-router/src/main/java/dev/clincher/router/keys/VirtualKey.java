package dev.clincher.router.keys;

import dev.clincher.router.spend.BudgetPeriod;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A virtual key as stored: everything but the key itself, which is kept only as its SHA-256.
 *
 * @param tokenHash      hex SHA-256 of the key (LiteLLM's {@code token})
 * @param keyName        {@code sk-...} plus the key's last four characters, for people to tell keys apart
 * @param alias          {@code key_alias}
 * @param models         public model names the key may call; empty = every model
 * @param maxBudget      USD the key may spend per {@code budgetDuration} (or in total without one)
 * @param budgetDuration the budget's window, if it resets
 * @param rpmLimit       requests per minute at most
 * @param tpmLimit       tokens per minute at most
 * @param expires        when the key stops working
 * @param metadataJson   {@code metadata}, a JSON object as text
 * @param createdAt      when it was generated
 */
public record VirtualKey(String tokenHash, String keyName, Optional<String> alias, List<String> models,
    OptionalDouble maxBudget, Optional<BudgetPeriod> budgetDuration, OptionalLong rpmLimit, OptionalLong tpmLimit,
    Optional<Instant> expires, String metadataJson, Instant createdAt) {
  /** LiteLLM's names for "every model" in a key's {@code models}. */
  private static final List<String> EVERY_MODEL = List.of("all-proxy-models", "*");

  public VirtualKey {
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(keyName, "keyName");
    models = List.copyOf(models);
    Objects.requireNonNull(metadataJson, "metadataJson");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Whether the key may call {@code modelName}. */
  public boolean allows(String modelName) {
    return models.isEmpty() || models.contains(modelName) || models.stream().anyMatch(EVERY_MODEL::contains);
  }

  /** Whether the key has expired at {@code now}. */
  public boolean expired(Instant now) {
    return expires.map(at -> !now.isBefore(at)).orElse(false);
  }

  /** How logs name the key: a prefix of its hash, never the key. */
  public String logName() {
    return "key:" + tokenHash.substring(0, 12);
  }

  /** Hex SHA-256 of a key as presented. */
  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
