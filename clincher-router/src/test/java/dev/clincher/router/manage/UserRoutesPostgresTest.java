package dev.clincher.router.manage;

import java.nio.file.Path;

/** {@link UserRoutesTest} with the key database on PostgreSQL. */
class UserRoutesPostgresTest extends UserRoutesTest {
  @Override
  String databaseUrl(Path directory) throws Exception {
    return postgresUrl();
  }
}
