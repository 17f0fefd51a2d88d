package dev.clincher.router.manage;

import java.nio.file.Path;

/** {@link TeamRoutesTest} with the key database on PostgreSQL. */
class TeamRoutesPostgresTest extends TeamRoutesTest {
  @Override
  String databaseUrl(Path directory) throws Exception {
    return postgresUrl();
  }
}
