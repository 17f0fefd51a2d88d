package dev.clincher.router.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.config.Secret;
import dev.clincher.router.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the 1 s revocation costs, measured on SQLite and PostgreSQL and printed: a request's key check while the cache
 * is vouched for (key, team and user from memory, plus the freshness check), the same check reading the database every
 * time (what a cache without the revision poll would need for the same bound), and one poll of the revision row (five
 * a second per router). The assertions only catch a regression by orders of magnitude; the figures are in the output.
 */
class RevocationCostTest {
  private static final MasterKeyAuthenticator MASTER = new MasterKeyAuthenticator(Secret.of("sk-master-cost"));

  @TempDir
  Path directory;

  @Test
  void onSqlite() throws Exception {
    measure("sqlite", DatabaseUrl.sqlite(directory.resolve("cost.db")));
  }

  @Test
  void onPostgres() throws Exception {
    try (TestPostgres.Schema schema = TestPostgres.freshSchema("router_cost")) {
      measure("postgresql", schema.url());
    }
  }

  private static void measure(String database, DatabaseUrl url) throws Exception {
    String secret = "sk-" + UUID.randomUUID();
    try (KeyStore cached = KeyStore.open(url); KeyStore uncached = KeyStore.openUncached(url)) {
      cached.write(tables -> {
        Instant now = Instant.now();
        tables.teams().insert(new Team("cost-team", Optional.empty(), List.of(), OptionalDouble.empty(),
            Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), false, "{}", List.of(),
            now, now));
        tables.users().insert(new InternalUser("cost-user", Optional.empty(), InternalUser.DEFAULT_ROLE,
            OptionalDouble.empty(), Optional.empty(), List.of(), "{}", List.of(), now, now));
        tables.keys().insert(new VirtualKey(VirtualKey.hash(secret), "sk-...cost", Optional.empty(), List.of(),
            OptionalDouble.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(),
            "{}", now, Optional.of("cost-team"), Optional.of("cost-user"), false, OptionalLong.empty()),
            VirtualKey.hash(secret));
        return null;
      });
      VirtualKeyAuthenticator fromCache = new VirtualKeyAuthenticator(MASTER, cached);
      VirtualKeyAuthenticator fromDatabase = new VirtualKeyAuthenticator(MASTER, uncached);
      assertThat(fromCache.authenticate(secret).orElseThrow().team()).isPresent();
      double cachedNanos = nanosPerCall(fromCache, secret, 200_000);
      double databaseNanos = nanosPerCall(fromDatabase, secret, 2_000);
      double pollNanos = nanosPerPoll(cached, 2_000);
      double findNanos = nanosPerFind(cached, VirtualKey.hash(secret), 1_000_000);
      System.out.printf("revocation cost on %s: key check from the cache %.0f ns (SHA-256 of the key, then key, team "
          + "and user from memory; of which one cached lookup with its freshness check %.0f ns); from the database "
          + "every time %.0f µs; one revision poll %.0f µs (5 per second per router)%n", database, cachedNanos,
          findNanos, databaseNanos / 1000, pollNanos / 1000);
      assertThat(cachedNanos).isLessThan(50_000);
      assertThat(cachedNanos).isLessThan(databaseNanos);
    }
  }

  private static double nanosPerCall(VirtualKeyAuthenticator authenticator, String secret, int calls) {
    for (int i = 0; i < calls / 10; i++) {
      authenticator.authenticate(secret).orElseThrow();
    }
    long started = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      authenticator.authenticate(secret).orElseThrow();
    }
    return (System.nanoTime() - started) / (double) calls;
  }

  private static double nanosPerFind(KeyStore store, String hash, int calls) throws Exception {
    for (int i = 0; i < calls / 10; i++) {
      store.find(hash).orElseThrow();
    }
    long started = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      store.find(hash).orElseThrow();
    }
    return (System.nanoTime() - started) / (double) calls;
  }

  private static double nanosPerPoll(KeyStore store, int polls) {
    for (int i = 0; i < polls / 10; i++) {
      store.reachable();
    }
    long started = System.nanoTime();
    for (int i = 0; i < polls; i++) {
      assertThat(store.reachable()).isTrue();
    }
    return (System.nanoTime() - started) / (double) polls;
  }
}
