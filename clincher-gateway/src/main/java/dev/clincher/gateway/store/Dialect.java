package dev.clincher.gateway.store;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** What differs between SQLite and PostgreSQL: the migration folder and how constraint violations are reported. */
enum Dialect {
  SQLITE("db/migration/sqlite"),
  POSTGRESQL("db/migration/postgresql");

  private final String migrations;

  Dialect(String migrations) {
    this.migrations = migrations;
  }

  String migrations() {
    return "classpath:" + migrations;
  }

  boolean isUniqueViolation(SQLException e) {
    return switch (this) {
      case SQLITE -> sqliteCode(e) == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
          || sqliteCode(e) == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY;
      case POSTGRESQL -> "23505".equals(e.getSQLState());
    };
  }

  boolean isForeignKeyViolation(SQLException e) {
    return switch (this) {
      case SQLITE -> sqliteCode(e) == SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY;
      case POSTGRESQL -> "23503".equals(e.getSQLState());
    };
  }

  private static SQLiteErrorCode sqliteCode(SQLException e) {
    return e instanceof SQLiteException sqlite ? sqlite.getResultCode() : null;
  }
}
