package dev.clincher.router.metering;

import java.util.Optional;

/** A budget over every call: {@code litellm_settings.max_budget} USD per {@code period} (none: for all time). */
public record GlobalBudget(double maxBudget, Optional<BudgetPeriod> period) {}
