package dev.clincher.gateway.tools.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.tools.SandboxTool;
import dev.clincher.gateway.tools.ToolArguments.BadArgumentException;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * {@code exec}: runs a shell command ({@code sh -c <command>}) in the caller's sandbox, in {@code /workspace}, with
 * a timeout (default {@code sandbox.exec_timeout}, at most {@code sandbox.max_exec_timeout}) and an output cap
 * ({@code tools.exec.max_output} of stdout and of stderr). The answer holds stdout, stderr, the exit code and
 * notices for truncation and timeout. A non-zero exit is an ordinary answer; a timeout is an error answer.
 */
public final class ExecTool extends SandboxTool {
  private final SandboxSettings settings;

  public ExecTool(SandboxSettings settings) {
    super("exec",
        "Run a shell command (sh -c) in your sandbox, working directory /workspace, without network access. "
            + "Returns stdout, stderr and the exit code.",
        "group:runtime",
        schema(List.of("command"),
            "command", "string", "the shell command line",
            "timeout_seconds", "integer", "kill the command after this many seconds (default "
                + settings.execTimeout().toSeconds() + ", at most " + settings.maxExecTimeout().toSeconds() + ")"));
    this.settings = settings;
  }

  @Override
  protected ToolResult run(ToolContext context, JsonNode arguments)
      throws BadArgumentException, SandboxException, InterruptedException {
    String command = ToolArguments.string(arguments, "command");
    if (command.isBlank()) {
      throw new BadArgumentException("the command is empty");
    }
    long seconds = Math.min(ToolArguments.integer(arguments, "timeout_seconds",
        settings.execTimeout().toSeconds(), 1), settings.maxExecTimeout().toSeconds());
    ExecResult result = context.sandbox().exec(List.of("sh", "-c", command), null, Duration.ofSeconds(seconds),
        settings.outputCap());
    return new ToolResult(render(result, seconds), result.timedOut());
  }

  /** stdout, then stderr under a marker, then the notices and the exit code. */
  static String render(ExecResult result, long seconds) {
    StringBuilder text = new StringBuilder(new String(result.stdout(), StandardCharsets.UTF_8));
    if (result.stderr().length > 0) {
      ensureNewline(text).append("[stderr]\n").append(new String(result.stderr(), StandardCharsets.UTF_8));
    }
    if (result.truncated()) {
      ensureNewline(text).append("[output truncated: ").append(result.droppedBytes()).append(" bytes dropped]");
    }
    if (result.timedOut()) {
      ensureNewline(text).append("[timed out after ").append(seconds).append(" s; the command was killed]");
    } else {
      ensureNewline(text).append("[exit code ").append(result.exitCode()).append(']');
    }
    return text.toString();
  }

  private static StringBuilder ensureNewline(StringBuilder text) {
    if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') {
      text.append('\n');
    }
    return text;
  }
}
