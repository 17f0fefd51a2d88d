package dev.clincher.router.keys;

import dev.clincher.router.metering.BudgetPeriod;
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
 * @param tokenHash      the key's id, LiteLLM's {@code token}: the hex SHA-256 of its first secret (a regenerated key
 *                       keeps it, so its spend stays with it)
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
 * @param teamId         the team it belongs to: it may call only models the team may call too
 * @param userId         the internal user it belongs to
 * @param blocked        refused on every route until unblocked
 * @param maxParallelRequests calls in flight at once, at most (across every router sharing Redis)
 */
public record VirtualKey(String tokenHash, String keyName, Optional<String> alias, List<String> models,
    OptionalDouble maxBudget, Optional<BudgetPeriod> budgetDuration, OptionalLong rpmLimit, OptionalLong tpmLimit,
    Optional<Instant> expires, String metadataJson, Instant createdAt, Optional<String> teamId,
    Optional<String> userId, boolean blocked, OptionalLong maxParallelRequests) {
  public VirtualKey {
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(keyName, "keyName");
    models = List.copyOf(models);
    Objects.requireNonNull(metadataJson, "metadataJson");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(teamId, "teamId");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(maxParallelRequests, "maxParallelRequests");
  }

  /** A key of no team and no user, not blocked, without a parallel limit. */
  public VirtualKey(String tokenHash, String keyName, Optional<String> alias, List<String> models,
      OptionalDouble maxBudget, Optional<BudgetPeriod> budgetDuration, OptionalLong rpmLimit, OptionalLong tpmLimit,
      Optional<Instant> expires, String metadataJson, Instant createdAt) {
    this(tokenHash, keyName, alias, models, maxBudget, budgetDuration, rpmLimit, tpmLimit, expires, metadataJson,
        createdAt, Optional.empty(), Optional.empty(), false, OptionalLong.empty());
  }

  /**
   * Whether the key's own {@code models} allow {@code modelName} (its team's and user's lists are checked by
   * {@link Caller#allows}). LiteLLM's {@code all-team-models} leaves the choice to the team.
   */
  public boolean allows(String modelName) {
    return ModelAccess.allows(models, modelName) || models.contains(ModelAccess.ALL_TEAM_MODELS);
  }

  /** The same key, blocked or not. */
  public VirtualKey withBlocked(boolean blocked) {
    return new VirtualKey(tokenHash, keyName, alias, models, maxBudget, budgetDuration, rpmLimit, tpmLimit, expires,
        metadataJson, createdAt, teamId, userId, blocked, maxParallelRequests);
  }

  /** The same key under a new display name (its secret was replaced). */
  public VirtualKey withKeyName(String keyName) {
    return new VirtualKey(tokenHash, keyName, alias, models, maxBudget, budgetDuration, rpmLimit, tpmLimit, expires,
        metadataJson, createdAt, teamId, userId, blocked, maxParallelRequests);
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
