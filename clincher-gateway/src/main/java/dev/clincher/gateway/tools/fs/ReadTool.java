package dev.clincher.gateway.tools.fs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.ToolArguments.BadArgumentException;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.gateway.tools.WorkspacePath.InvalidPathException;
import dev.clincher.gateway.tools.WorkspacePath;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * {@code read}: a file of the workspace. Text (UTF-8) comes back as is; a binary file is reported by size unless
 * {@code encoding: base64} is asked, which returns its bytes base64-encoded. At most {@code maxBytes} per call;
 * longer files end with a notice giving the {@code offset} to continue from.
 */
public final class ReadTool extends FileTool {
  /** @param maxBytes most file bytes returned by one call (base64 output is 4/3 of that) */
  public ReadTool(int maxBytes, Duration timeout) {
    super("read",
        "Read a file in the workspace (/workspace). Text comes back as is; for a binary file set encoding to "
            + "base64. Large files come in pieces: pass the offset the previous answer names.",
        schema(List.of("path"),
            "path", "string", "file path relative to /workspace",
            "offset", "integer", "byte offset to start at (default 0)",
            "encoding", "string", "utf-8 (default) or base64 for binary files"),
        maxBytes, timeout);
  }

  @Override
  protected ToolResult run(ToolContext context, JsonNode arguments)
      throws BadArgumentException, InvalidPathException, SandboxException, InterruptedException {
    String path = WorkspacePath.resolve(ToolArguments.string(arguments, "path"));
    long offset = ToolArguments.integer(arguments, "offset", 0, 0);
    boolean base64 = encoding(arguments);
    FileBytes.Slice slice = FileBytes.read(context, path, offset, maxBytes, timeout);
    String more = slice.complete() ? "" : "\n[file truncated: showing bytes " + offset + ".."
        + (offset + slice.bytes().length) + " of " + slice.size() + "; call read with offset="
        + (offset + slice.bytes().length) + " for more]";
    if (base64) {
      return ToolResult.ok(Base64.getEncoder().encodeToString(slice.bytes()) + more);
    }
    String text = FileBytes.text(slice.bytes(), !slice.complete());
    if (text == null) {
      return ToolResult.ok(path + " is a binary file of " + slice.size() + " bytes; call read with "
          + "encoding=base64 to get its bytes");
    }
    return ToolResult.ok(text + more);
  }

  static boolean encoding(JsonNode arguments) throws BadArgumentException {
    String encoding = ToolArguments.string(arguments, "encoding", "utf-8");
    if (!encoding.equals("utf-8") && !encoding.equals("base64")) {
      throw new BadArgumentException("encoding must be utf-8 or base64");
    }
    return encoding.equals("base64");
  }
}
