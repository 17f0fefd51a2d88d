package dev.clincher.gateway.store;

import dev.clincher.gateway.sandbox.SandboxSlots;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox maximum across gateway instances sharing one PostgreSQL: a row in {@code sandbox_slots} per sandbox a
 * live instance runs. A claim counts a pool's rows in a transaction that holds the pool's advisory lock, so claims of
 * several instances at once never over-allocate; when the pool is full, the rows of instances that are gone (their
 * {@link InstanceLock} is free) are deleted first and the count taken again.
 */
public final class SandboxSlotLedger implements SandboxSlots {
  /** First half of the advisory lock key of a pool's claims ("clns"), apart from the instance locks' key space. */
  private static final int KEY_SPACE = 0x636c6e73;

  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway");

  private final Database database;

  /** The ledger of {@code database}, which must be PostgreSQL (SQLite serves one gateway process). */
  public SandboxSlotLedger(Database database) {
    if (database.dialect() != Dialect.POSTGRESQL) {
      throw new IllegalArgumentException("sandbox slots are shared through PostgreSQL only");
    }
    this.database = database;
  }

  @Override
  public boolean claim(String pool, String key, int max) {
    return database.write(c -> {
      lockPool(c, pool);
      if (updateOwner(c, pool, key)) {
        return true;
      }
      if (!hasRoom(c, pool, max)) {
        return false;
      }
      insert(c, pool, key);
      return true;
    });
  }

  @Override
  public void release(String pool, String key) {
    database.write(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM sandbox_slots WHERE pool = ? AND sandbox_key = ? AND owner = ?")) {
        s.setString(1, pool);
        s.setString(2, key);
        s.setString(3, database.instanceId());
        return s.executeUpdate();
      }
    });
  }

  /** How many slots of {@code pool} are held, by any instance (for tests and figures). */
  public int held(String pool) {
    return database.read(c -> count(c, pool));
  }

  /** Claims of one pool wait for each other until their transaction ends. */
  private static void lockPool(Connection c, String pool) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
      s.setInt(1, KEY_SPACE);
      s.setString(2, pool);
      s.executeQuery().close();
    }
  }

  /** True when the key already has a slot, which is this instance's now (the container follows the session). */
  private boolean updateOwner(Connection c, String pool, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE sandbox_slots SET owner = ?, claimed_at = ? WHERE pool = ? AND sandbox_key = ?")) {
      s.setString(1, database.instanceId());
      s.setLong(2, Rows.micros(Rows.now()));
      s.setString(3, pool);
      s.setString(4, key);
      return s.executeUpdate() == 1;
    }
  }

  /** Whether fewer than {@code max} slots are held, after reclaiming those of gone instances when full. */
  private boolean hasRoom(Connection c, String pool, int max) throws SQLException {
    return count(c, pool) < max || reclaimGone(c, pool) > 0 && count(c, pool) < max;
  }

  private static int count(Connection c, String pool) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM sandbox_slots WHERE pool = ?")) {
      s.setString(1, pool);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  /** Deletes the slots of the pool's other owners that are gone; returns how many. */
  private int reclaimGone(Connection c, String pool) throws SQLException {
    int reclaimed = 0;
    for (String owner : otherOwners(c, pool)) {
      if (database.isGone(owner)) {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM sandbox_slots WHERE pool = ? AND owner = ?")) {
          s.setString(1, pool);
          s.setString(2, owner);
          int slots = s.executeUpdate();
          reclaimed += slots;
          LOG.atInfo().addKeyValue("pool", pool).addKeyValue("owner", owner).addKeyValue("slots", slots)
              .addKeyValue("rule", "owner_instance_lock_free").log("gateway.sandbox.slots_reclaimed");
        }
      }
    }
    return reclaimed;
  }

  private List<String> otherOwners(Connection c, String pool) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT DISTINCT owner FROM sandbox_slots WHERE pool = ? AND owner <> ?")) {
      s.setString(1, pool);
      s.setString(2, database.instanceId());
      List<String> owners = new ArrayList<>();
      try (ResultSet rows = s.executeQuery()) {
        while (rows.next()) {
          owners.add(rows.getString(1));
        }
      }
      return owners;
    }
  }

  private void insert(Connection c, String pool, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO sandbox_slots (pool, sandbox_key, owner, claimed_at) VALUES (?, ?, ?, ?)")) {
      s.setString(1, pool);
      s.setString(2, key);
      s.setString(3, database.instanceId());
      s.setLong(4, Rows.micros(Rows.now()));
      s.executeUpdate();
    }
  }
}
