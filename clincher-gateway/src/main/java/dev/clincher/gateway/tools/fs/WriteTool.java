package dev.clincher.gateway.tools.fs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.ToolArguments.BadArgumentException;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.gateway.tools.WorkspacePath.InvalidPathException;
import dev.clincher.gateway.tools.WorkspacePath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * {@code write}: replaces a file of the workspace with exactly the given content (UTF-8 text, or bytes given in
 * base64 with {@code encoding: base64}), creating parent directories. The content travels on the exec's stdin.
 */
public final class WriteTool extends FileTool {
  /** @param maxBytes largest file one call may write */
  public WriteTool(int maxBytes, Duration timeout) {
    super("write",
        "Create or overwrite a file in the workspace (/workspace) with exactly the given content; parent "
            + "directories are created. For binary content set encoding to base64.",
        schema(List.of("path", "content"),
            "path", "string", "file path relative to /workspace",
            "content", "string", "the complete new content of the file",
            "encoding", "string", "utf-8 (default) or base64 when content is base64-encoded bytes"),
        maxBytes, timeout);
  }

  @Override
  protected ToolResult run(ToolContext context, JsonNode arguments)
      throws BadArgumentException, InvalidPathException, SandboxException, InterruptedException {
    String path = WorkspacePath.resolve(ToolArguments.string(arguments, "path"));
    String content = ToolArguments.string(arguments, "content");
    byte[] bytes;
    if (ReadTool.encoding(arguments)) {
      try {
        bytes = Base64.getDecoder().decode(content.replaceAll("[ \\t\\r\\n]", ""));
      } catch (IllegalArgumentException e) {
        throw new BadArgumentException("content is not valid base64");
      }
    } else {
      bytes = content.getBytes(StandardCharsets.UTF_8);
    }
    if (bytes.length > maxBytes) {
      throw new BadArgumentException("content of " + bytes.length + " bytes exceeds the limit of " + maxBytes);
    }
    if (path.equals(WorkspacePath.ROOT)) {
      throw new BadArgumentException("name a file, not the workspace itself");
    }
    long written = FileBytes.write(context, path, bytes, timeout);
    return ToolResult.ok("wrote " + written + " bytes to " + path);
  }
}
