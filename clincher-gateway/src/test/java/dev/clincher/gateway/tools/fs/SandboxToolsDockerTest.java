package dev.clincher.gateway.tools.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.gateway.BuiltInTools;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** exec, read, write, edit and list in a real sandbox through the real socket proxy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxToolsDockerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private DockerTestSupport docker;
  private Map<String, Tool> tools;
  private ToolContext context;

  @BeforeAll
  void start() throws Exception {
    docker = DockerTestSupport.start();
    SandboxSettings settings = docker.settings().withOutput(Duration.ofSeconds(5), 4096);
    SandboxManager manager = docker.manager(settings, Clock.systemUTC());
    tools = BuiltInTools.sandboxed(settings).stream().collect(Collectors.toMap(Tool::name, Function.identity()));
    context = new ToolContext("main", "tools-session", "run-1", manager.forSession("main", "tools-session"),
        (type, data) -> 0L);
  }

  @AfterAll
  void stop() throws Exception {
    if (docker != null) {
      docker.close();
    }
  }

  private ToolResult call(String tool, Object... arguments) throws Exception {
    ObjectNode node = JSON.createObjectNode();
    for (int i = 0; i < arguments.length; i += 2) {
      node.set((String) arguments[i], JSON.valueToTree(arguments[i + 1]));
    }
    return tools.get(tool).call(context, node);
  }

  @Test
  void writeThenReadRoundTripsText() throws Exception {
    String text = "héllo wörld ✓\nline 2 with 'quotes' and \"doubles\" and $(rm -rf /) `x`\n";
    assertThat(call("write", "path", "notes/a b.txt", "content", text).content()).contains("wrote");
    ToolResult read = call("read", "path", "/workspace/notes/a b.txt");
    assertThat(read.error()).isFalse();
    assertThat(read.content()).isEqualTo(text);
  }

  @Test
  void binaryRoundTripsExactlyThroughBase64() throws Exception {
    byte[] bytes = new byte[70_000];
    new Random(7).nextBytes(bytes);
    call("write", "path", "bin/data.bin", "content", Base64.getEncoder().encodeToString(bytes), "encoding",
        "base64");
    ToolResult plain = call("read", "path", "bin/data.bin");
    assertThat(plain.content()).contains("binary file of 70000 bytes");
    ToolResult read = call("read", "path", "bin/data.bin", "encoding", "base64");
    assertThat(Base64.getDecoder().decode(read.content())).isEqualTo(bytes);
  }

  @Test
  void largeFileGoesThroughStdinAndReadsInPieces() throws Exception {
    byte[] bytes = new byte[5 << 20];
    new Random(3).nextBytes(bytes);
    ToolResult write = call("write", "path", "big.bin", "content", Base64.getEncoder().encodeToString(bytes),
        "encoding", "base64");
    assertThat(write.content()).isEqualTo("wrote " + bytes.length + " bytes to /workspace/big.bin");
    ToolResult sum = call("exec", "command", "md5sum big.bin | cut -c1-32");
    assertThat(sum.content()).startsWith(md5(bytes));
    ToolResult first = call("read", "path", "big.bin", "encoding", "base64");
    assertThat(first.content()).contains("call read with offset=" + BuiltInTools.READ_BYTES);
    String body = first.content().substring(0, first.content().indexOf('\n'));
    assertThat(Base64.getDecoder().decode(body))
        .isEqualTo(java.util.Arrays.copyOfRange(bytes, 0, BuiltInTools.READ_BYTES));
    ToolResult last = call("read", "path", "big.bin", "encoding", "base64", "offset", bytes.length - 10);
    assertThat(Base64.getDecoder().decode(last.content()))
        .isEqualTo(java.util.Arrays.copyOfRange(bytes, bytes.length - 10, bytes.length));
  }

  @Test
  void editReplacesExactlyOnceOrAllOrRefuses() throws Exception {
    call("write", "path", "e.txt", "content", "a = 1\nb = 1\nc = 2\n");
    ToolResult ambiguous = call("edit", "path", "e.txt", "old_string", "= 1", "new_string", "= 9");
    assertThat(ambiguous.error()).isTrue();
    assertThat(ambiguous.content()).contains("occurs 2 times");
    assertThat(call("edit", "path", "e.txt", "old_string", "c = 2", "new_string", "c = 3").error()).isFalse();
    assertThat(call("edit", "path", "e.txt", "old_string", "zzz", "new_string", "y").content())
        .contains("not found");
    assertThat(call("edit", "path", "e.txt", "old_string", "= 1", "new_string", "= 7", "replace_all", true)
        .content()).contains("replaced 2 occurrences");
    assertThat(call("read", "path", "e.txt").content()).isEqualTo("a = 7\nb = 7\nc = 3\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../etc/passwd", "/etc/passwd", "a/../../etc/passwd", "/workspace/../etc/shadow",
      "/workspacefoo/x", "", "a\u0000b", "a\nb"})
  void pathEscapesAreRefused(String path) throws Exception {
    for (String tool : new String[] {"read", "write", "list"}) {
      ToolResult result = call(tool, "path", path, "content", "x");
      assertThat(result.error()).as(tool + " " + path).isTrue();
      assertThat(result.refusedBy()).as("the rule the runner logs").isEqualTo("workspace_path");
    }
  }

  @Test
  void optionLikeAndShellLikeNamesAreJustNames() throws Exception {
    assertThat(call("write", "path", "-rf", "content", "dash").error()).isFalse();
    assertThat(call("write", "path", "$(id)", "content", "dollar").error()).isFalse();
    assertThat(call("read", "path", "-rf").content()).isEqualTo("dash");
    assertThat(call("read", "path", "$(id)").content()).isEqualTo("dollar");
    assertThat(call("list", "path", ".").content()).contains("-rf").contains("$(id)");
  }

  @Test
  void readAndListReportMissingFiles() throws Exception {
    assertThat(call("read", "path", "missing.txt").content()).contains("no such file");
    assertThat(call("read", "path", ".").content()).contains("not a regular file");
    assertThat(call("list", "path", "nowhere").error()).isTrue();
  }

  @Test
  void execReportsExitCodeOutputCapAndTimeout() throws Exception {
    ToolResult ok = call("exec", "command", "echo out; echo err >&2; exit 3");
    assertThat(ok.error()).isFalse();
    assertThat(ok.content()).isEqualTo("out\n[stderr]\nerr\n[exit code 3]");
    ToolResult big = call("exec", "command", "head -c 10000 /dev/zero | tr '\\0' a");
    assertThat(big.content()).contains("[output truncated: 5904 bytes dropped]");
    long started = System.nanoTime();
    ToolResult slow = call("exec", "command", "sleep 60", "timeout_seconds", 600);
    assertThat(slow.error()).isTrue();
    assertThat(slow.content()).contains("[timed out after 5 s");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    assertThat(call("exec", "command", "pwd").content()).startsWith("/workspace\n");
  }

  @Test
  void badArgumentsAreErrorsNotExceptions() throws Exception {
    assertThat(call("exec").error()).isTrue();
    assertThat(call("exec", "command", 5).error()).isTrue();
    assertThat(call("exec", "command", "true", "timeout_seconds", -1).error()).isTrue();
    assertThat(call("write", "path", "x", "content", "%%%", "encoding", "base64").error()).isTrue();
    assertThat(call("read", "path", "x", "encoding", "latin1").error()).isTrue();
    JsonNode schema = tools.get("exec").parameters();
    assertThat(schema.path("required").toString()).isEqualTo("[\"command\"]");
  }

  private static String md5(byte[] bytes) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
  }
}
