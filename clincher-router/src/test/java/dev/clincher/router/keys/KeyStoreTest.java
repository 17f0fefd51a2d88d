package dev.clincher.router.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.router.spend.BudgetPeriod;
import dev.clincher.router.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key store on SQLite and on a real PostgreSQL ({@link TestPostgres}), each test in a schema of its own.
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
    try (TestPostgres.Schema schema = TestPostgres.freshSchema("router_keys")) {
      contract(schema.url());
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
