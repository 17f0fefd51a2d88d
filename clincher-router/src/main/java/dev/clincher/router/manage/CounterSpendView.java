package dev.clincher.router.manage;

import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.SpendControls;
import java.util.OptionalDouble;

/**
 * Spend as the router counts it today ({@link SpendControls}' key counters; unknown while the counter store does not
 * answer). Teams and users have no counter yet: their spend reads 0 until their budgets are counted (issue #11: the
 * spend rebuild wires it here).
 */
public final class CounterSpendView implements SpendView {
  private final SpendControls spend;

  public CounterSpendView(SpendControls spend) {
    this.spend = spend;
  }

  @Override
  public OptionalDouble keySpend(VirtualKey key) {
    return read(() -> spend.keySpend(key));
  }

  @Override
  public OptionalDouble keyTotalSpend(VirtualKey key) {
    return read(() -> spend.keyTotalSpend(key));
  }

  @Override
  public OptionalDouble teamSpend(Team team) {
    return read(() -> spend.teamSpend(team));
  }

  @Override
  public OptionalDouble userSpend(InternalUser user) {
    return read(() -> spend.userSpend(user));
  }

  /** A counter's value; unknown when the store (Redis) does not answer, rather than failing the whole answer. */
  private static OptionalDouble read(java.util.function.DoubleSupplier counter) {
    try {
      return OptionalDouble.of(counter.getAsDouble());
    } catch (RuntimeException e) {
      return OptionalDouble.empty();
    }
  }
}
