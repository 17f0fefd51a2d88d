package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.Secret;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on a real PostgreSQL, each test in a fresh schema. */
class PostgresStoreTest extends StoreContract {

  private final StoreSettings settings = PostgresSupport.freshSchema();

  @BeforeAll
  static void server() {
    PostgresSupport.requireServer();
  }

  @AfterEach
  void dropSchema() throws SQLException {
    PostgresSupport.dropSchema(settings.schema());
  }

  @Override
  protected StoreSettings settings() {
    return settings;
  }

  @Override
  protected Connection rawConnection() throws SQLException {
    Connection c = PostgresSupport.connect();
    c.setSchema(settings.schema());
    return c;
  }

  @Override
  protected void refuseEvents(String type) throws SQLException {
    try (Connection c = rawConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE FUNCTION refused_by_test() RETURNS trigger LANGUAGE plpgsql"
          + " AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
      s.execute("CREATE TRIGGER refused_by_test BEFORE INSERT ON events FOR EACH ROW"
          + " WHEN (NEW.type = '" + type + "') EXECUTE FUNCTION refused_by_test()");
    }
  }

  @Override
  protected void allowEvents() throws SQLException {
    try (Connection c = rawConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER refused_by_test ON events");
    }
  }

  @Test
  void aStartingInstanceLeavesTheRunsOfLiveInstancesAloneAndMarksThoseOfGoneOnes() {
    Stores first = open(settings);
    SessionRecord session = first.sessions().createSession("alice", "t");
    RunRecord run = first.runs().startRun(session.id());

    Stores second = open(settings);
    assertThat(second.runs().markInterruptedRuns()).isZero();
    assertThat(first.events().append(session.id(), run.id(), "e", "{}")).isEqualTo(1);
    assertThat(second.runs().run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

    first.close(); // its instance lock goes with it, as with a crash
    assertThat(second.runs().markInterruptedRuns()).isEqualTo(1);
    assertThat(second.runs().run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
    assertThat(second.events().events(session.id(), 0, 10)).extracting(EventRecord::type)
        .containsExactly("e", RunLedger.RUN_INTERRUPTED);
  }

  @Test
  void aSessionWhoseRunBelongsToALiveInstanceIsBusyAndOneOfAGoneInstanceTakesTheNextRunAtOnce() {
    Stores first = open(settings);
    SessionRecord session = first.sessions().createSession("alice", "t");
    RunRecord run = first.runs().startRun(session.id());

    Stores second = open(settings);
    assertThatThrownBy(() -> second.runs().startRun(session.id())).isInstanceOf(RunInProgressException.class);
    assertThat(second.runs().run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

    first.close(); // as with kill -9: its instance lock is free
    RunRecord next = second.runs().startRun(session.id());
    assertThat(second.runs().run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
    assertThat(second.runs().run(next.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
    assertThat(second.events().events(session.id(), 0, 10)).extracting(EventRecord::type)
        .containsExactly(RunLedger.RUN_INTERRUPTED);
  }

  @Test
  void anotherInstanceSeesWhenTheRunningRunHasWrittenItsDone() {
    Stores first = open(settings);
    SessionRecord session = first.sessions().createSession("alice", "t");
    RunRecord run = first.runs().startRun(session.id());
    Stores second = open(settings);
    assertThat(second.runs().runningRunHasEvent(session.id(), "done")).isFalse();
    first.events().append(session.id(), run.id(), "done", "{}");
    assertThat(second.runs().runningRunHasEvent(session.id(), "done")).isTrue();
    first.runs().finishRun(run.id(), RunStatus.COMPLETED, "completed");
    assertThat(second.runs().runningRunHasEvent(session.id(), "done")).as("no running run any more").isFalse();
  }

  @Test
  void aWrongPasswordFailsWithoutShowingIt() {
    StoreSettings wrong = StoreSettings.postgres(PostgresSupport.URL, PostgresSupport.USER,
        Secret.of("not-the-password-s3cr3t")).withSchema(settings.schema());
    assertThatThrownBy(() -> Stores.open(wrong)).isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(stackText(e)).doesNotContain("not-the-password-s3cr3t"));
  }

  private static String stackText(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(t).append('\n');
    }
    return text.toString();
  }
}
