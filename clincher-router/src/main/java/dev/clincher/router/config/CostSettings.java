package dev.clincher.router.config;

import dev.clincher.router.metering.BudgetPeriod;
import dev.clincher.router.metering.PriceOverrides;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * A deployment's own prices and budget, from {@code model_info} or {@code litellm_params}
 * ({@code input_cost_per_token}, {@code output_cost_per_token}, {@code cache_read_input_token_cost},
 * {@code cache_creation_input_token_cost}, {@code max_budget}, {@code budget_duration}, {@code max_output_tokens}).
 *
 * @param prices          per-token prices overriding the bundled table
 * @param maxBudget       USD the deployment may spend per {@code period}
 * @param period          the budget window ({@code budget_duration}; one calendar month when not set)
 * @param maxOutputTokens {@code model_info.max_output_tokens}: the output limit sent when a request under a budget
 *                        gives none (budgets reserve the worst case, so it needs a bound)
 */
public record CostSettings(PriceOverrides prices, OptionalDouble maxBudget, BudgetPeriod period,
    OptionalLong maxOutputTokens) {
  public static final CostSettings NONE = new CostSettings(PriceOverrides.NONE, OptionalDouble.empty(),
      BudgetPeriod.MONTHLY, OptionalLong.empty());

  public CostSettings {
    Objects.requireNonNull(prices, "prices");
    Objects.requireNonNull(maxBudget, "maxBudget");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(maxOutputTokens, "maxOutputTokens");
  }
}
