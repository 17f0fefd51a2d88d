package dev.clincher.gateway.tools.fs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.ToolArguments.BadArgumentException;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.gateway.tools.WorkspacePath.InvalidPathException;
import dev.clincher.gateway.tools.WorkspacePath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** {@code list}: a long directory listing ({@code ls -lA}) of a workspace directory, capped. */
public final class ListTool extends FileTool {
  public ListTool(int maxBytes, Duration timeout) {
    super("list",
        "List a directory of the workspace (/workspace) with sizes and types; defaults to the workspace itself.",
        schema(List.of(), "path", "string", "directory relative to /workspace (default .)"),
        maxBytes, timeout);
  }

  @Override
  protected ToolResult run(ToolContext context, JsonNode arguments)
      throws BadArgumentException, InvalidPathException, SandboxException, InterruptedException {
    String path = WorkspacePath.resolve(ToolArguments.string(arguments, "path", "."));
    ExecResult result = context.sandbox().exec(List.of("ls", "-lA", "--", path), null, timeout, maxBytes);
    if (result.exitCode() != 0 || result.timedOut()) {
      throw new BadArgumentException(path + ": " + (result.timedOut() ? "timed out" : result.stderrText()));
    }
    String listing = new String(result.stdout(), StandardCharsets.UTF_8);
    return ToolResult.ok(listing + (result.truncated()
        ? "\n[output truncated: " + result.droppedBytes() + " bytes dropped]" : ""));
  }
}
