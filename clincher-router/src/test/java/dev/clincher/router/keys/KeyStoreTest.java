package dev.clincher.router.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.common.config.Secret;
import dev.clincher.router.spend.BudgetPeriod;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key store on SQLite and on a real PostgreSQL ({@code CLINCHER_TEST_POSTGRES_URL}/{@code _USER}/{@code _PASSWORD},
 * defaults {@code jdbc:postgresql://127.0.0.1:5432/clincher_test}, {@code clincher_test}/{@code clincher_test}), each
 * test in a schema of its own. Without PostgreSQL that half is skipped, or fails when the URL variable is set.
 */
class KeyStoreTest {
  @TempDir
  Path directory;

  static VirtualKey key(String secret, Optional<String> alias, Instant created) {
    return new VirtualKey(VirtualKey.hash(secret), KeyGenerator.displayName(secret), alias, List.of("a", "b"),
        OptionalDouble.of(2.5), BudgetPeriod.parse("30d"), OptionalLong.of(60), OptionalLong.empty(),
        Optional.of(Instant.parse("2030-01-01T00:00:00Z")), "{\"team\":\"qa\"}", created);
  }

  @Test
  void sqliteStoresFindsListsAndDeletes() throws Exception {
    DatabaseUrl url = DatabaseUrl.parse("sqlite:///" + directory.resolve("keys.db"));
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:sqlite:" + directory.resolve("keys.db"));
    contract(url);
    contract(url); // migrations are idempotent: opening again works
  }

  @Test
  void postgresStoresFindsListsAndDeletes() throws Exception {
    String base = Optional.ofNullable(System.getenv("CLINCHER_TEST_POSTGRES_URL"))
        .orElse("jdbc:postgresql://127.0.0.1:5432/clincher_test");
    String user = Optional.ofNullable(System.getenv("CLINCHER_TEST_POSTGRES_USER")).orElse("clincher_test");
    String password = Optional.ofNullable(System.getenv("CLINCHER_TEST_POSTGRES_PASSWORD")).orElse("clincher_test");
    String schema = "router_keys_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection admin = connect(base, user, password)) {
      try (Statement statement = admin.createStatement()) {
        statement.execute("CREATE SCHEMA " + schema);
      }
      try {
        String jdbc = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        contract(new DatabaseUrl(jdbc, Optional.of(user), Optional.of(Secret.of(password))));
      } finally {
        try (Statement statement = admin.createStatement()) {
          statement.execute("DROP SCHEMA " + schema + " CASCADE");
        }
      }
    }
  }

  @Test
  void postgresUrlsInLiteLlmFormKeepCredentialsOutOfTheJdbcUrl() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://llm:p%40ss@db.internal:5433/litellm?sslmode=require");
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5433/litellm?sslmode=require");
    assertThat(url.user()).contains("llm");
    assertThat(url.password().orElseThrow().reveal()).isEqualTo("p@ss");
    assertThatThrownBy(() -> DatabaseUrl.parse("mysql://u:secretpw@h/db")).isInstanceOf(IllegalArgumentException.class)
        .message().doesNotContain("secretpw");
  }

  private static Connection connect(String url, String user, String password) throws SQLException {
    try {
      return DriverManager.getConnection(url, user, password);
    } catch (SQLException e) {
      String message = "no PostgreSQL at " + url + " (" + e.getSQLState() + ")";
      if (System.getenv("CLINCHER_TEST_POSTGRES_URL") != null) {
        fail(message);
      }
      assumeTrue(false, message);
      throw e;
    }
  }

  private static void contract(DatabaseUrl url) throws Exception {
    try (KeyStore store = KeyStore.open(url)) {
      long before = store.count();
      String secret = "sk-" + UUID.randomUUID();
      VirtualKey key = key(secret, Optional.of("alias-" + secret), Instant.parse("2026-01-01T00:00:00Z"));
      store.insert(key);
      assertThat(store.find(key.tokenHash())).contains(key);
      assertThat(store.findByAlias("alias-" + secret)).contains(key);
      assertThat(store.find(VirtualKey.hash(secret + "x"))).isEmpty();
      assertThatThrownBy(() -> store.insert(key)).as("the hash is unique").isInstanceOf(SQLException.class);

      VirtualKey bare = new VirtualKey(VirtualKey.hash(secret + "-2"), "sk-...bare", Optional.empty(), List.of(),
          OptionalDouble.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), "{}",
          Instant.parse("2026-01-02T00:00:00Z"));
      store.insert(bare);
      assertThat(store.find(bare.tokenHash())).contains(bare);
      assertThat(store.count()).isEqualTo(before + 2);
      assertThat(store.list(0, 1000)).contains(key, bare);

      assertThat(store.delete(List.of(key.tokenHash(), VirtualKey.hash("sk-none")))).containsExactly(key.tokenHash());
      assertThat(store.find(key.tokenHash())).as("the cache forgets a deleted key").isEmpty();
      assertThat(store.reachable()).isTrue();
    }
  }
}
