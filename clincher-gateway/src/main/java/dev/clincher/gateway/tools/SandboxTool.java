package dev.clincher.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.ToolArguments.BadArgumentException;
import dev.clincher.gateway.tools.WorkspacePath.InvalidPathException;

/**
 * Base of the tools that run commands in the caller's sandbox ({@link ToolContext#sandbox()}): turns bad arguments,
 * refused paths and sandbox failures into {@link ToolResult#error} answers the model can read, and lets only
 * interruption through. Model input goes to the sandbox only as argv or stdin, never spliced into a shell string.
 */
public abstract class SandboxTool extends DescribedTool {

  protected SandboxTool(String name, String description, String group, JsonNode parameters) {
    super(name, description, group, parameters);
  }

  @Override
  public final ToolResult call(ToolContext context, JsonNode arguments) throws InterruptedException {
    try {
      return run(context, arguments == null ? JsonNodeFactory.instance.objectNode() : arguments);
    } catch (InvalidPathException e) {
      return ToolResult.refused("workspace_path", name() + ": " + e.getMessage());
    } catch (BadArgumentException | SandboxException e) {
      return ToolResult.error(name() + ": " + e.getMessage());
    }
  }

  /** The tool's work; throw the checked exceptions above for answers the model should correct. */
  protected abstract ToolResult run(ToolContext context, JsonNode arguments)
      throws BadArgumentException, InvalidPathException, SandboxException, InterruptedException;
}
