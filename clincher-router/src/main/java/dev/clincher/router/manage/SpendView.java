package dev.clincher.router.manage;

import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import java.util.OptionalDouble;

/**
 * What the management answers say about spend ({@code spend}, {@code total_spend}): the seam to wherever spend is
 * counted. Empty means unknown (answered as {@code null}), e.g. on the command line, which reads the database only.
 */
public interface SpendView {
  /** Spend that counts toward nothing: every figure unknown. */
  SpendView UNKNOWN = new SpendView() {
    @Override
    public OptionalDouble keySpend(VirtualKey key) {
      return OptionalDouble.empty();
    }

    @Override
    public OptionalDouble keyTotalSpend(VirtualKey key) {
      return OptionalDouble.empty();
    }

    @Override
    public OptionalDouble teamSpend(Team team) {
      return OptionalDouble.empty();
    }

    @Override
    public OptionalDouble userSpend(InternalUser user) {
      return OptionalDouble.empty();
    }
  };

  /** A key's spend toward its budget: in the current window with a {@code budget_duration}, else in total (USD). */
  OptionalDouble keySpend(VirtualKey key);

  /** A key's spend since it was created (USD). */
  OptionalDouble keyTotalSpend(VirtualKey key);

  /** A team's spend toward its budget (USD). */
  OptionalDouble teamSpend(Team team);

  /** An internal user's spend toward its budget (USD). */
  OptionalDouble userSpend(InternalUser user);
}
