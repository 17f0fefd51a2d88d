package dev.clincher.router.spendlog;

import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.VirtualKey;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a spend report is asked for, the same on the router's routes ({@code /global/spend/report},
 * {@code /spend/logs}) and on the command line ({@code clincher spend}): the names of the groupings, the dates, a key.
 * Each refusal is an {@link IllegalArgumentException} whose message echoes the bad value only as bounded printable
 * ASCII; the caller names the parameter.
 */
public final class ReportArguments {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  private ReportArguments() {}

  /**
   * {@code day,model,api_key,team,end_user,deployment}, comma-separated, with LiteLLM's synonyms ({@code date},
   * {@code model_group}, {@code key}, {@code team_id}, {@code customer}, {@code user}, {@code model_id}).
   *
   * @throws IllegalArgumentException "takes day, model, …; not 'x'" (for the caller to put its parameter's name before)
   */
  public static Set<Dimension> dimensions(String text) {
    Set<Dimension> by = EnumSet.noneOf(Dimension.class);
    for (String part : text.split(",")) {
      by.add(switch (part.trim().toLowerCase(Locale.ROOT)) {
        case "day", "date" -> Dimension.DAY;
        case "model", "model_group" -> Dimension.MODEL;
        case "api_key", "key" -> Dimension.KEY;
        case "team", "team_id" -> Dimension.TEAM;
        case "end_user", "customer", "user" -> Dimension.USER;
        case "deployment", "model_id" -> Dimension.DEPLOYMENT;
        default -> throw new IllegalArgumentException("takes day, model, api_key, team, end_user or deployment, "
            + "comma-separated; not '" + printable(part) + "'");
      });
    }
    return by;
  }

  /** The name a report gives {@code dimension}'s column (the first of the names {@link #dimensions} reads). */
  public static String name(Dimension dimension) {
    return switch (dimension) {
      case DAY -> "day";
      case MODEL -> "model";
      case KEY -> "api_key";
      case TEAM -> "team";
      case USER -> "end_user";
      case DEPLOYMENT -> "deployment";
    };
  }

  /**
   * A UTC day ({@code 2026-12-01}) or an ISO-8601 instant. A day that ends a range stands for the start of the next
   * day, so the day is included; an instant is where the range stops (not included).
   */
  public static Instant instant(String text, boolean end) {
    try {
      if (text.length() == 10) {
        LocalDate day = LocalDate.parse(text);
        return (end ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("dates are YYYY-MM-DD (UTC) or ISO-8601 instants, not '" + printable(text)
          + "'");
    }
  }

  /**
   * The id a key's spend-log rows carry (its token: the SHA-256 of its first secret): {@code keyOrId} itself when it
   * is one (64 hex digits); a key's secret is looked up in {@code keys}, so a regenerated key (new secret, same id)
   * still finds its rows; a secret no key has is hashed (and matches no row).
   */
  public static String keyId(String keyOrId, KeyStore keys) throws SQLException {
    if (HASH.matcher(keyOrId).matches()) {
      return keyOrId;
    }
    String secretHash = VirtualKey.hash(keyOrId);
    return keys.find(secretHash).map(VirtualKey::tokenHash).orElse(secretHash);
  }

  /** A value as it may appear in a message: at most 200 characters, printable ASCII. */
  private static String printable(String text) {
    String bounded = text.length() > 200 ? text.substring(0, 200) + "…" : text;
    return bounded.replaceAll("[^\\x20-\\x7E…]", "?");
  }
}
