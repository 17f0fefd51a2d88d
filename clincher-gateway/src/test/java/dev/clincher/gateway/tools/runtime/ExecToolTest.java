package dev.clincher.gateway.tools.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.sandbox.ExecRequest;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How exec renders results and caps the timeout; the real runs are in SandboxToolsDockerTest. */
class ExecToolTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void rendersOutputNoticesAndExitCode() {
    ExecResult result = new ExecResult(0, "a".getBytes(StandardCharsets.UTF_8), new byte[0], 12, false,
        Duration.ZERO);
    assertThat(ExecTool.render(result, 5)).isEqualTo("a\n[output truncated: 12 bytes dropped]\n[exit code 0]");
    ExecResult killed = new ExecResult(-1, new byte[0], "e\n".getBytes(StandardCharsets.UTF_8), 0, true,
        Duration.ZERO);
    assertThat(ExecTool.render(killed, 3)).isEqualTo("[stderr]\ne\n[timed out after 3 s; the command was killed]");
  }

  @Test
  void timeoutIsCappedByConfigAndCommandIsArgvNotSpliced() throws Exception {
    SandboxSettings settings = SandboxSettings.defaults().withOutput(Duration.ofSeconds(7), 100);
    ExecRequest[] seen = new ExecRequest[1];
    Sandbox recorder = new Sandbox() {
      @Override
      public String containerId() {
        return "c";
      }

      @Override
      public ExecResult exec(ExecRequest request) {
        seen[0] = request;
        return new ExecResult(0, new byte[0], new byte[0], 0, false, Duration.ZERO);
      }
    };
    ToolContext context = new ToolContext("a", "s", "r", () -> recorder, (type, data) -> 0L);
    ToolResult result = new ExecTool(settings).call(context,
        JSON.readTree("{\"command\":\"echo $HOME; rm -rf x\",\"timeout_seconds\":9999}"));
    assertThat(result.error()).isFalse();
    assertThat(seen[0].argv()).isEqualTo(List.of("sh", "-c", "echo $HOME; rm -rf x"));
    assertThat(seen[0].timeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(seen[0].outputCap()).isEqualTo(100);
  }

  @Test
  void sandboxFailuresBecomeErrorAnswers() throws Exception {
    ToolContext context = new ToolContext("a", "s", "r", () -> {
      throw new SandboxException("all 8 sandboxes are in use");
    }, (type, data) -> 0L);
    ToolResult result = new ExecTool(SandboxSettings.defaults()).call(context, JSON.readTree("{\"command\":\"ls\"}"));
    assertThat(result.error()).isTrue();
    assertThat(result.content()).isEqualTo("exec: all 8 sandboxes are in use");
  }
}
