package dev.clincher.gateway.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.gateway.tools.WorkspacePath.InvalidPathException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WorkspacePathTest {

  @ParameterizedTest
  @CsvSource({"a.txt,/workspace/a.txt", "./a//b/./c,/workspace/a/b/c", ".,/workspace", "/workspace,/workspace",
      "/workspace/,/workspace", "/workspace/x/y,/workspace/x/y", "-rf,/workspace/-rf", "a..b,/workspace/a..b",
      "...,/workspace/..."})
  void resolvesInsideTheWorkspace(String input, String expected) throws Exception {
    assertThat(WorkspacePath.resolve(input)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "../x", "a/../../x", "a/..", "/workspace/..", "/workspace/../etc", "/etc/passwd",
      "/", "/workspace2", "/workspacex/y", "//workspace/x", " ", "a\u0000b", "a\rb", "a\u007fb"})
  void refusesEscapes(String input) {
    assertThatThrownBy(() -> WorkspacePath.resolve(input)).isInstanceOf(InvalidPathException.class);
  }

  @Test
  void refusesOverlongPaths() {
    assertThatThrownBy(() -> WorkspacePath.resolve("a/".repeat(3000))).isInstanceOf(InvalidPathException.class);
  }

  @Test
  void parentStaysInTheWorkspace() {
    assertThat(WorkspacePath.parent("/workspace/a")).isEqualTo("/workspace");
    assertThat(WorkspacePath.parent("/workspace/a/b")).isEqualTo("/workspace/a");
    assertThat(WorkspacePath.parent("/workspace")).isEqualTo("/workspace");
  }
}
