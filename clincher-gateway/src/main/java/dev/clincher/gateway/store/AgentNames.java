package dev.clincher.gateway.store;

/** The bound on agent names, which sessions and notes are kept under. */
final class AgentNames {
  private static final int MAX_AGENT_CHARS = 128;

  private AgentNames() {}

  static void check(String agent) {
    if (agent == null || agent.isBlank() || agent.length() > MAX_AGENT_CHARS) {
      throw new IllegalArgumentException("agent must be 1 to " + MAX_AGENT_CHARS + " characters");
    }
  }
}
