package dev.clincher.router.keys;

import dev.clincher.router.testing.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/** {@link RevocationTest} with both routers on one PostgreSQL database. */
class RevocationPostgresTest extends RevocationTest {
  private TestPostgres.Schema schema;

  @Override
  String databaseUrl(Path directory) throws Exception {
    schema = TestPostgres.freshSchema("router_revocation");
    return schema.url().jdbcUrl() + "&user=" + TestPostgres.USER + "&password=" + TestPostgres.PASSWORD;
  }

  @AfterAll
  void dropSchema() throws Exception {
    schema.close();
  }
}
