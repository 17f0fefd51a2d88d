package dev.clincher.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.clincher.gateway.policy.ToolPattern;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import dev.clincher.gateway.tools.DescribedTool;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.gateway.tools.web.WebFetchSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one list of tools: every tool is a member of the policy group it names, and names are unique. */
class BuiltInToolsTest {

  @Test
  void everyToolIsInItsPolicyGroup() throws Exception {
    Map<String, Tool> tools = BuiltInTools.all(SandboxSettings.defaults(), WebFetchSettings.fromEnv(Map.of()), null,
        null, null, null);
    assertThat(tools.keySet()).containsExactly("exec", "read", "write", "edit", "list", "web_fetch", "memory_save",
        "memory_search", "sessions_list", "sessions_history");
    tools.values().forEach(tool -> assertThat(ToolPattern.GROUPS.get(tool.group())).contains(tool.name()));
  }

  @Test
  void onlyTheToolsThatReadTheGatewaysOwnStoreRunBeforeTheirCallIsDurable() throws Exception {
    Map<String, Tool> tools = BuiltInTools.all(SandboxSettings.defaults(), WebFetchSettings.fromEnv(Map.of()), null,
        null, null, null);
    assertThat(tools.values().stream().filter(Tool::readOnly).map(Tool::name))
        .as("a tool that runs a process, writes, or reaches out must wait for its call to be on record")
        .containsExactlyInAnyOrder("memory_search", "sessions_list", "sessions_history");
  }

  @Test
  void aToolOutsideItsGroupOrATwiceUsedNameIsRefused() {
    List<Tool> exec = BuiltInTools.sandboxed(SandboxSettings.defaults()).subList(0, 1);
    assertThatThrownBy(() -> BuiltInTools.byName(List.of(exec.get(0), exec.get(0))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("two tools are named exec");
    Tool misfiled = new DescribedTool("exec", "runs", "group:fs",
        JsonNodeFactory.instance.objectNode()) {
      @Override
      public ToolResult call(ToolContext context, JsonNode arguments) {
        return ToolResult.ok("");
      }
    };
    assertThatThrownBy(() -> BuiltInTools.byName(List.of(misfiled)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not in its policy group group:fs");
  }
}
