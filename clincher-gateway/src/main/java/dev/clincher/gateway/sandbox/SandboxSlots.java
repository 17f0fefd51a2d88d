package dev.clincher.gateway.sandbox;

/**
 * Where {@code sandbox.max_sandboxes} is counted beyond this process: every gateway sharing one PostgreSQL claims a
 * slot before it creates or adopts a container, so the maximum holds across them (the store's
 * {@code SandboxSlotLedger}). {@link #THIS_PROCESS_ONLY} counts nothing more than the manager's own slots (SQLite: one
 * gateway process).
 */
public interface SandboxSlots {
  /** No shared count: every claim succeeds, and the manager's in-memory count is the only limit. */
  SandboxSlots THIS_PROCESS_ONLY = new SandboxSlots() {
    @Override
    public boolean claim(String pool, String key, int max) {
      return true;
    }

    @Override
    public void release(String pool, String key) {}
  };

  /**
   * Claims {@code key}'s slot in {@code pool} (the sandbox instance label) for this gateway instance: true when it
   * holds it now (already held, taken over from another instance whose container it replaces, or free and fewer
   * than {@code max} slots held), false when {@code max} slots are held by live instances.
   */
  boolean claim(String pool, String key, int max);

  /** Gives back {@code key}'s slot if this gateway instance holds it. */
  void release(String pool, String key);
}
