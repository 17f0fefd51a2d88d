package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.Secret;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on a real PostgreSQL, each test in a fresh schema. */
class PostgresTranscriptStoreTest extends TranscriptStoreContract {

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

  @Test
  void aStartingInstanceLeavesTheRunsOfLiveInstancesAloneAndMarksThoseOfGoneOnes() {
    TranscriptStore first = open(settings);
    SessionRecord session = first.createSession("alice", "t");
    RunRecord run = first.startRun(session.id());

    TranscriptStore second = open(settings);
    assertThat(second.markInterruptedRuns()).isZero();
    assertThat(first.append(session.id(), run.id(), "e", "{}")).isEqualTo(1);
    assertThat(second.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);

    first.close(); // its instance lock goes with it, as with a crash
    assertThat(second.markInterruptedRuns()).isEqualTo(1);
    assertThat(second.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
    assertThat(second.events(session.id(), 0, 10)).extracting(EventRecord::type)
        .containsExactly("e", TranscriptStore.RUN_INTERRUPTED);
  }

  @Test
  void aWrongPasswordFailsWithoutShowingIt() {
    StoreSettings wrong = StoreSettings.postgres(PostgresSupport.URL, PostgresSupport.USER,
        Secret.of("not-the-password-s3cr3t")).withSchema(settings.schema());
    assertThatThrownBy(() -> TranscriptStore.open(wrong)).isInstanceOf(StoreException.class)
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
