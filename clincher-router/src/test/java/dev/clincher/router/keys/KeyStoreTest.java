package dev.clincher.router.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.router.metering.BudgetPeriod;
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
      long before = store.read(tables -> tables.keys().count(Optional.empty(), Optional.empty()));
      String secret = "sk-" + UUID.randomUUID();
      VirtualKey key = key(secret, Optional.of("alias-" + secret), Instant.parse("2026-01-01T00:00:00Z"));
      store.write(tables -> {
        tables.keys().insert(key, key.tokenHash());
        return null;
      });
      assertThat(store.find(key.tokenHash())).contains(key);
      Optional<VirtualKey> byAlias = store.read(tables -> tables.keys().byAlias("alias-" + secret));
      assertThat(byAlias).contains(key);
      assertThat(store.find(VirtualKey.hash(secret + "x"))).isEmpty();
      assertThatThrownBy(() -> store.write(tables -> {
        tables.keys().insert(key, key.tokenHash());
        return null;
      })).as("the hash is unique").isInstanceOf(SQLException.class);

      VirtualKey bare = new VirtualKey(VirtualKey.hash(secret + "-2"), "sk-...bare", Optional.empty(), List.of(),
          OptionalDouble.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), "{}",
          Instant.parse("2026-01-02T00:00:00Z"), Optional.empty(), Optional.empty(), true, OptionalLong.of(3));
      store.write(tables -> {
        tables.keys().insert(bare, bare.tokenHash());
        return null;
      });
      assertThat(store.find(bare.tokenHash())).contains(bare);
      long after = store.read(tables -> tables.keys().count(Optional.empty(), Optional.empty()));
      assertThat(after).isEqualTo(before + 2);
      List<VirtualKey> listed = store.read(tables -> tables.keys().list(0, 1000, Optional.empty(), Optional.empty()));
      assertThat(listed).contains(key, bare);

      String newSecret = VirtualKey.hash(secret + "-new");
      store.write(tables -> tables.keys().replaceSecret(key.tokenHash(), newSecret, "sk-...anew"));
      assertThat(store.find(key.tokenHash())).as("the old secret stops working at once").isEmpty();
      assertThat(store.find(newSecret)).contains(key.withKeyName("sk-...anew"));
      Optional<VirtualKey> byId = store.read(tables -> tables.keys().byTokenOrSecret(key.tokenHash()));
      assertThat(byId).as("the id stays").isPresent();

      List<String> deleted = store.write(tables -> tables.keys().delete(List.of(key.tokenHash(),
          VirtualKey.hash("sk-none"))));
      assertThat(deleted).containsExactly(key.tokenHash());
      assertThat(store.find(newSecret)).as("the cache forgets a deleted key").isEmpty();
      assertThat(store.reachable()).isTrue();
    }
  }
}
