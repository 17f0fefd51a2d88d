package dev.clincher.gateway.agent;

import dev.clincher.gateway.tools.Tool;
import java.util.List;
import java.util.Optional;

/**
 * The tools one agent may use: what is offered to the model, and the check every requested call passes (the model
 * may ask for a tool it was never offered — a prompt-injected model will).
 */
public interface AgentTools {

  /** The tools offered to the model, in a stable order. */
  List<Tool> offered();

  /** The tool to run for a requested name, or a denial saying why (denied by a layer, or unknown). */
  Permission check(String requestedName);

  /** The outcome of {@link #check}. */
  record Permission(Optional<Tool> tool, String reason, String layer) {

    public static Permission allowed(Tool tool) {
      return new Permission(Optional.of(tool), "allowed", "");
    }

    public static Permission denied(String reason, String layer) {
      return new Permission(Optional.empty(), reason, layer);
    }

    public boolean isAllowed() {
      return tool.isPresent();
    }
  }
}
