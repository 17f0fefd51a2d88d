package dev.clincher.router.metering;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetPeriodTest {
  @Test
  void parsesLiteLlmDurationsAndRefusesOthers() {
    assertThat(BudgetPeriod.parse("30d").orElseThrow().unit()).isEqualTo(java.time.temporal.ChronoUnit.DAYS);
    assertThat(BudgetPeriod.parse("1mo").orElseThrow().unit()).isEqualTo(java.time.temporal.ChronoUnit.MONTHS);
    assertThat(BudgetPeriod.parse("30m").orElseThrow().unit()).isEqualTo(java.time.temporal.ChronoUnit.MINUTES);
    assertThat(BudgetPeriod.parse("24h")).isPresent();
    for (String bad : new String[] {"", "0d", "-1d", "1y", "d", "1 mo", "1.5d", "10000000d"}) {
      assertThat(BudgetPeriod.parse(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void monthlyWindowsFollowUtcCalendarMonths() {
    BudgetPeriod monthly = BudgetPeriod.MONTHLY;
    BudgetPeriod.Window lastSecond = monthly.window(Instant.parse("2026-01-31T23:59:59Z"));
    BudgetPeriod.Window next = monthly.window(Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(lastSecond.start()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(lastSecond.end()).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(next.id()).isNotEqualTo(lastSecond.id());
    assertThat(next.end()).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    BudgetPeriod quarter = BudgetPeriod.parse("3mo").orElseThrow();
    assertThat(quarter.window(Instant.parse("2026-05-15T12:00:00Z")).start()).isEqualTo(Instant.parse("2026-04-01T00:00:00Z"));
  }

  @Test
  void dailyWindowsResetAtMidnightUtc() {
    BudgetPeriod.Window day = BudgetPeriod.parse("1d").orElseThrow().window(Instant.parse("2026-03-10T15:00:00Z"));
    assertThat(day.start()).isEqualTo(Instant.parse("2026-03-10T00:00:00Z"));
    assertThat(day.end()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
  }
}
