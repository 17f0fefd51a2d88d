package dev.clincher.router.config;

import dev.clincher.router.spend.BudgetPeriod;
import dev.clincher.router.spend.PriceTable;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A deployment's own prices and budget, from {@code model_info} or {@code litellm_params}
 * ({@code input_cost_per_token}, {@code output_cost_per_token}, {@code cache_read_input_token_cost},
 * {@code cache_creation_input_token_cost}, {@code max_budget}, {@code budget_duration}).
 *
 * @param prices    per-token prices overriding the bundled table
 * @param maxBudget USD the deployment may spend per {@code period}
 * @param period    the budget window ({@code budget_duration}; one calendar month when not set)
 */
public record CostSettings(PriceTable.PriceOverrides prices, OptionalDouble maxBudget, BudgetPeriod period) {
  public static final CostSettings NONE =
      new CostSettings(PriceTable.PriceOverrides.NONE, OptionalDouble.empty(), BudgetPeriod.MONTHLY);

  public CostSettings {
    Objects.requireNonNull(prices, "prices");
    Objects.requireNonNull(maxBudget, "maxBudget");
    Objects.requireNonNull(period, "period");
  }
}
