package dev.clincher.router.manage;

import java.nio.file.Path;

/** {@link KeyRoutesTest} with the key database on PostgreSQL. */
class KeyRoutesPostgresTest extends KeyRoutesTest {
  @Override
  String databaseUrl(Path directory) throws Exception {
    return postgresUrl();
  }
}
