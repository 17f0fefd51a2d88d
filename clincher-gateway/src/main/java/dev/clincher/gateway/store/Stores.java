package dev.clincher.gateway.store;

import dev.clincher.gateway.sandbox.SandboxSlots;

/**
 * The gateway's stores, opened together on one {@link Database}: for assembly only. Each caller is handed the narrow
 * store it uses (sessions, runs, events, notes or channels), never this record. Closing it closes the database.
 */
public record Stores(Database database, SessionStore sessions, RunLedger runs, EventLog events, NoteStore notes,
    ChannelStore channels) implements AutoCloseable {

  /** Opens (creating or migrating the schema) the database described by {@code settings} and its stores. */
  public static Stores open(StoreSettings settings) {
    Database database = Database.open(settings);
    return new Stores(database, new SessionStore(database), new RunLedger(database), new EventLog(database),
        new NoteStore(database), new ChannelStore(database));
  }

  /**
   * Where the sandbox maximum is counted: in the database with PostgreSQL (gateways sharing it share the maximum), in
   * each sandbox manager alone with SQLite (one gateway process).
   */
  public SandboxSlots sandboxSlots() {
    return database.dialect() == Dialect.POSTGRESQL ? new SandboxSlotLedger(database) : SandboxSlots.THIS_PROCESS_ONLY;
  }

  @Override
  public void close() {
    database.close();
  }
}
