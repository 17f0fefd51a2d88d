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

  /**
   * The outcome of {@link #check}.
   *
   * @param layer the layer that decided ({@code gateway}, {@code agent}, {@code registry})
   * @param rule the entry of that layer that decided (e.g. {@code docker}, {@code group:runtime}, {@code *}); empty
   *     when no entry applies (an unknown tool, a name no allow entry covers)
   */
  record Permission(Optional<Tool> tool, String reason, String layer, String rule) {

    public static Permission allowed(Tool tool) {
      return new Permission(Optional.of(tool), "allowed", "", "");
    }

    public static Permission denied(String reason, String layer) {
      return denied(reason, layer, "");
    }

    public static Permission denied(String reason, String layer, String rule) {
      return new Permission(Optional.empty(), reason, layer, rule);
    }

    public boolean isAllowed() {
      return tool.isPresent();
    }
  }
}
