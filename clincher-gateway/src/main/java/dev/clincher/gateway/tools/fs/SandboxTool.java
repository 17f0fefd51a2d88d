package dev.clincher.gateway.tools.fs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.gateway.tools.fs.SandboxCalls.BadArgumentException;
import dev.clincher.gateway.tools.fs.WorkspacePath.InvalidPathException;

/**
 * Base of the tools that run in the caller's sandbox: turns bad arguments, refused paths and sandbox failures into
 * {@link ToolResult#error} answers the model can read, and lets only interruption through.
 */
public abstract class SandboxTool implements Tool {

  @Override
  public final ToolResult call(ToolContext context, JsonNode arguments) throws InterruptedException {
    try {
      return run(context, arguments == null ? SandboxCalls.JSON.createObjectNode() : arguments);
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
