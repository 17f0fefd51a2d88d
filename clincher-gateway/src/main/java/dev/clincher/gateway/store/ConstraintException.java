package dev.clincher.gateway.store;

import java.sql.SQLException;

/** A unique or foreign-key violation in {@link Database#write}, for the caller to turn into its specific exception. */
final class ConstraintException extends StoreException {
  private static final long serialVersionUID = 1L;

  ConstraintException(SQLException cause) {
    super("constraint violated: " + cause.getMessage(), cause);
  }

  SQLException sql() {
    return (SQLException) getCause();
  }
}
