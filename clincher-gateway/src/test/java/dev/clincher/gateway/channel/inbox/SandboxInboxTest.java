package dev.clincher.gateway.channel.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.gateway.channel.InboundFile;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SessionSandbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written through a session's sandbox handle, here a stand-in that runs the same argv with a real {@code sh} in
 * a temporary directory playing the workspace: the name made safe, an existing file never overwritten, a planted link
 * never written through.
 */
class SandboxInboxTest {
  @TempDir
  Path workspace;
  final List<List<String>> commands = new ArrayList<>();

  /** The session's sandbox as its tools see it, running argv in {@link #workspace}. */
  SessionSandbox sandbox() {
    return new SessionSandbox() {
      @Override
      public dev.clincher.gateway.sandbox.Sandbox open() {
        throw new UnsupportedOperationException("exec only");
      }

      @Override
      public ExecResult exec(List<String> argv, byte[] stdin, Duration timeout, int outputCap)
          throws SandboxException, InterruptedException {
        commands.add(argv);
        try {
          Process process = new ProcessBuilder(argv).directory(workspace.toFile()).start();
          try (var in = process.getOutputStream()) {
            in.write(stdin);
          }
          byte[] out = process.getInputStream().readAllBytes();
          byte[] err = process.getErrorStream().readAllBytes();
          return new ExecResult(process.waitFor(), out, err, 0, false, Duration.ZERO);
        } catch (java.io.IOException e) {
          throw new SandboxException("sh failed", e);
        }
      }
    };
  }

  static InboundFile file(String name, String content) {
    return new InboundFile(name, content.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aTraversingNameLandsInTheInboxUnderItsLastSegment() throws Exception {
    String path = SandboxInbox.put(sandbox(), file("../../etc/passwd", "hello"));
    assertThat(path).isEqualTo("/workspace/inbox/passwd");
    assertThat(Files.readString(workspace.resolve("inbox/passwd"))).isEqualTo("hello");
    assertThat(commands.getFirst()).as("the name goes as an argument, never into the script")
        .endsWith("sh", "passwd").element(2).asString().doesNotContain("passwd");
  }

  @Test
  void aTakenNameGetsANumberAndTheFirstFileStays() throws Exception {
    assertThat(SandboxInbox.put(sandbox(), file("report.pdf", "one"))).isEqualTo("/workspace/inbox/report.pdf");
    assertThat(SandboxInbox.put(sandbox(), file("report.pdf", "two"))).isEqualTo("/workspace/inbox/report-2.pdf");
    assertThat(Files.readString(workspace.resolve("inbox/report.pdf"))).isEqualTo("one");
    assertThat(Files.readString(workspace.resolve("inbox/report-2.pdf"))).isEqualTo("two");
  }

  @Test
  void aLinkPlantedUnderTheNameIsNotWrittenThrough() throws Exception {
    Path outside = Files.writeString(workspace.resolve("outside.txt"), "keep");
    Files.createDirectories(workspace.resolve("inbox"));
    Files.createSymbolicLink(workspace.resolve("inbox/notes.txt"), outside);
    Files.createSymbolicLink(workspace.resolve("inbox/dangling.txt"), workspace.resolve("nowhere"));
    assertThat(SandboxInbox.put(sandbox(), file("notes.txt", "evil"))).isEqualTo("/workspace/inbox/notes-2.txt");
    assertThat(SandboxInbox.put(sandbox(), file("dangling.txt", "evil"))).isEqualTo("/workspace/inbox/dangling-2.txt");
    assertThat(Files.readString(outside)).isEqualTo("keep");
    assertThat(workspace.resolve("nowhere")).doesNotExist();
  }

  @Test
  void aFailingSandboxIsAnError() {
    SessionSandbox failing = new SessionSandbox() {
      @Override
      public dev.clincher.gateway.sandbox.Sandbox open() {
        throw new UnsupportedOperationException();
      }

      @Override
      public ExecResult exec(List<String> argv, byte[] stdin, Duration timeout, int outputCap) {
        return new ExecResult(1, new byte[0], "read-only file system".getBytes(StandardCharsets.UTF_8), 0, false,
            Duration.ZERO);
      }
    };
    assertThatThrownBy(() -> SandboxInbox.put(failing, file("a.txt", "x"))).isInstanceOf(SandboxException.class)
        .hasMessageContaining("read-only file system");
  }
}
