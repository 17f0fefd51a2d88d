package dev.clincher.router.spend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.metering.Price;
import dev.clincher.router.metering.PriceOverrides;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * The bundled per-token prices ({@code model-prices.json} beside this class) of common models of the providers the
 * router supports, keyed {@code <provider>/<model>}. A model with a date suffix ({@code -20250514},
 * {@code -2025-04-14}) falls back to the name without it. Deployments override it with LiteLLM's cost keys
 * ({@link #resolve}).
 */
public final class PriceTable {
  private static final String RESOURCE = "model-prices.json";
  private static final Pattern DATE_SUFFIX = Pattern.compile("-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$");

  private final Map<String, Price> prices;

  private PriceTable(Map<String, Price> prices) {
    this.prices = Map.copyOf(prices);
  }

  /** The bundled table. */
  public static PriceTable bundled() {
    try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the router's resources");
      }
      JsonNode models = new ObjectMapper().readTree(in).path("models");
      Map<String, Price> prices = new HashMap<>();
      for (Map.Entry<String, JsonNode> entry : models.properties()) {
        JsonNode p = entry.getValue();
        double input = p.path("input_cost_per_token").asDouble(0);
        prices.put(entry.getKey().toLowerCase(Locale.ROOT), new Price(input, p.path("output_cost_per_token").asDouble(0),
            p.path("cache_read_input_token_cost").asDouble(input),
            p.path("cache_creation_input_token_cost").asDouble(input)));
      }
      return new PriceTable(prices);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** How many models the table prices. */
  public int size() {
    return prices.size();
  }

  /** The price of {@code model} at {@code provider} (a LiteLLM prefix such as {@code openai}), if known. */
  public Optional<Price> lookup(String provider, String model) {
    String key = (provider + "/" + model).toLowerCase(Locale.ROOT);
    Price exact = prices.get(key);
    if (exact != null) {
      return Optional.of(exact);
    }
    return Optional.ofNullable(prices.get(DATE_SUFFIX.matcher(key).replaceFirst("")));
  }

  /**
   * The price a deployment is charged at: the table's, with each of the deployment's own cost keys taking precedence.
   * Without a table entry, the deployment's input and output prices must both be set (cache prices then default to
   * the input price); otherwise the price is unknown.
   */
  public Optional<Price> resolve(String provider, String model, PriceOverrides overrides) {
    Optional<Price> base = lookup(provider, model);
    if (base.isEmpty() && (overrides.input().isEmpty() || overrides.output().isEmpty())) {
      return Optional.empty();
    }
    double input = or(overrides.input(), base.map(Price::inputPerToken));
    return Optional.of(new Price(input, or(overrides.output(), base.map(Price::outputPerToken)),
        or(overrides.cacheRead(), Optional.of(base.map(Price::cacheReadPerToken).orElse(input))),
        or(overrides.cacheWrite(), Optional.of(base.map(Price::cacheWritePerToken).orElse(input)))));
  }

  private static double or(OptionalDouble override, Optional<Double> fallback) {
    return override.isPresent() ? override.getAsDouble() : fallback.orElseThrow();
  }
}
