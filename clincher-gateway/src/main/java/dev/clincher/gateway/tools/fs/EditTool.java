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
import java.util.List;

/**
 * {@code edit}: exact string replacement in a UTF-8 text file of the workspace. {@code old_string} must occur
 * exactly once, unless {@code replace_all} is set; no regular expressions, no whitespace folding.
 */
public final class EditTool extends FileTool {
  /** @param maxBytes largest file that can be edited */
  public EditTool(int maxBytes, Duration timeout) {
    super("edit",
        "Replace an exact string in a text file of the workspace. old_string must match exactly once (include "
            + "surrounding lines to make it unique) unless replace_all is true.",
        schema(List.of("path", "old_string", "new_string"),
            "path", "string", "file path relative to /workspace",
            "old_string", "string", "the exact text to replace",
            "new_string", "string", "the replacement text",
            "replace_all", "boolean", "replace every occurrence (default false)"),
        maxBytes, timeout);
  }

  @Override
  protected ToolResult run(ToolContext context, JsonNode arguments)
      throws BadArgumentException, InvalidPathException, SandboxException, InterruptedException {
    String path = WorkspacePath.resolve(ToolArguments.string(arguments, "path"));
    String oldString = ToolArguments.string(arguments, "old_string");
    String newString = ToolArguments.string(arguments, "new_string");
    boolean all = ToolArguments.bool(arguments, "replace_all");
    if (oldString.isEmpty()) {
      throw new BadArgumentException("old_string must not be empty");
    }
    if (oldString.equals(newString)) {
      throw new BadArgumentException("old_string and new_string are the same");
    }
    FileBytes.Slice slice = FileBytes.read(context, path, 0, maxBytes, timeout);
    if (!slice.complete()) {
      throw new BadArgumentException(path + " is " + slice.size() + " bytes, larger than the " + maxBytes
          + " bytes edit can handle; use exec");
    }
    String text = FileBytes.text(slice.bytes(), false);
    if (text == null) {
      throw new BadArgumentException(path + " is not a UTF-8 text file");
    }
    int count = occurrences(text, oldString);
    if (count == 0) {
      throw new BadArgumentException("old_string was not found in " + path);
    }
    if (count > 1 && !all) {
      throw new BadArgumentException("old_string occurs " + count + " times in " + path
          + "; add surrounding text to make it unique, or set replace_all");
    }
    String edited = all ? text.replace(oldString, newString) : replaceOnce(text, oldString, newString);
    FileBytes.write(context, path, edited.getBytes(StandardCharsets.UTF_8), timeout);
    return ToolResult.ok("replaced " + count + (count == 1 ? " occurrence" : " occurrences") + " in " + path);
  }

  static int occurrences(String text, String needle) {
    int count = 0;
    for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
      count++;
    }
    return count;
  }

  private static String replaceOnce(String text, String oldString, String newString) {
    int at = text.indexOf(oldString);
    return text.substring(0, at) + newString + text.substring(at + oldString.length());
  }
}
