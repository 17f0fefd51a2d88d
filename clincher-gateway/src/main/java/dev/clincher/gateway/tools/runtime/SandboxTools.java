package dev.clincher.gateway.tools.runtime;

import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.fs.EditTool;
import dev.clincher.gateway.tools.fs.ListTool;
import dev.clincher.gateway.tools.fs.ReadTool;
import dev.clincher.gateway.tools.fs.WriteTool;
import java.time.Duration;
import java.util.List;

/** The sandbox tools with their default caps: exec, read (256 KiB a call), write (16 MiB), edit (4 MiB), list. */
public final class SandboxTools {
  public static final int READ_BYTES = 256 * 1024;
  public static final int WRITE_BYTES = 16 * 1024 * 1024;
  public static final int EDIT_BYTES = 4 * 1024 * 1024;
  public static final int LIST_BYTES = 64 * 1024;

  private SandboxTools() {}

  /** exec, read, write, edit and list; file operations use {@code sandbox.exec_timeout}. */
  public static List<Tool> all(SandboxSettings settings) {
    Duration timeout = settings.execTimeout();
    return List.of(new ExecTool(settings), new ReadTool(READ_BYTES, timeout), new WriteTool(WRITE_BYTES, timeout),
        new EditTool(EDIT_BYTES, timeout), new ListTool(LIST_BYTES, timeout));
  }
}
