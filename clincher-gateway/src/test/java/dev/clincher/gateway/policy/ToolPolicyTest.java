package dev.clincher.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.policy.ToolDecision.Verdict;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolPolicyTest {
  static final Set<String> REGISTERED = Set.of("exec", "process", "read", "write", "edit", "list", "web_fetch",
      "memory_save", "memory_search", "sessions_list", "sessions_history", "docker");

  static ToolPolicy policy(List<String> gatewayDeny, List<String> allow, List<String> deny) throws ConfigException {
    return new ToolPolicy(REGISTERED, ToolRules.gateway("gateway.yaml", "tools", gatewayDeny),
        Map.of("main", ToolRules.parse("gateway.yaml", "agents.main.tools", allow, deny)), ToolRules.defaults());
  }

  static ToolPolicy defaults() throws ConfigException {
    return policy(null, null, null);
  }

  @Test
  void defaultsAllowTheOrdinaryToolsAndDenyTheDangerousOnes() throws ConfigException {
    ToolPolicy policy = defaults();
    for (String name : List.of("exec", "read", "write", "edit", "list", "web_fetch", "memory_save", "sessions_list")) {
      assertThat(policy.decide("main", name).verdict()).as(name).isEqualTo(Verdict.ALLOWED);
    }
    for (String name : ToolRules.DANGEROUS) {
      ToolDecision decision = policy.decide("main", name);
      assertThat(decision.verdict()).as(name).isEqualTo(Verdict.DENIED_BY_GATEWAY);
      assertThat(decision.rule()).isEqualTo(name);
      assertThat(decision.layer()).isEqualTo("gateway");
    }
  }

  @Test
  void caseTricksAreTheSameTool() throws ConfigException {
    ToolPolicy policy = defaults();
    for (String name : List.of("Docker", "DOCKER", "dOcKeR")) {
      ToolDecision decision = policy.decide("main", name);
      assertThat(decision.verdict()).as(name).isEqualTo(Verdict.DENIED_BY_GATEWAY);
      assertThat(decision.tool()).isEqualTo("docker");
    }
    assertThat(policy.decide("main", "EXEC").tool()).isEqualTo("exec");
  }

  @Test
  void lookAlikesAndWhitespaceAreUnknownNotAllowed() throws ConfigException {
    ToolPolicy policy = policy(List.of(), List.of("*"), List.of());
    for (String name : List.of("docker\u200b", " docker", "docker ", "docker\n", "\uff44\uff4f\uff43\uff4b\uff45\uff52",
        "d\u043ecker", "\u0435xec", "exec\u0000", "ex\u00adec", "\u212aill", "e\u0301xec", "", "group:runtime", "*",
        "exec*", "../exec", "x".repeat(65))) {
      ToolDecision decision = policy.decide("main", name);
      assertThat(decision.verdict()).as(ToolPolicy.loggable(name)).isEqualTo(Verdict.UNKNOWN_TOOL);
      assertThat(decision.allowed()).isFalse();
    }
    assertThat(policy.decide("main", null).verdict()).isEqualTo(Verdict.UNKNOWN_TOOL);
    assertThat(policy.decide("main", "not_a_tool").verdict()).isEqualTo(Verdict.UNKNOWN_TOOL);
  }

  @Test
  void anAgentAllowStarCannotReEnableAGatewayDeny() throws ConfigException {
    ToolPolicy policy = policy(List.of("docker", "group:runtime"), List.of("*", "docker", "exec"), List.of());
    assertThat(policy.decide("main", "docker").verdict()).isEqualTo(Verdict.DENIED_BY_GATEWAY);
    ToolDecision exec = policy.decide("main", "exec");
    assertThat(exec.verdict()).isEqualTo(Verdict.DENIED_BY_GATEWAY);
    assertThat(exec.rule()).isEqualTo("group:runtime");
    assertThat(policy.decide("main", "read").verdict()).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void denyWinsOverAllowWithinAnAgent() throws ConfigException {
    ToolPolicy policy = policy(List.of(), List.of("group:fs", "group:web", "memory_*"), List.of("write", "*_save"));
    assertThat(policy.decide("main", "read").verdict()).isEqualTo(Verdict.ALLOWED);
    assertThat(policy.decide("main", "read").rule()).isEqualTo("group:fs");
    assertThat(policy.decide("main", "write").verdict()).isEqualTo(Verdict.DENIED_BY_AGENT);
    assertThat(policy.decide("main", "memory_save").verdict()).isEqualTo(Verdict.DENIED_BY_AGENT);
    assertThat(policy.decide("main", "memory_save").rule()).isEqualTo("*_save");
    assertThat(policy.decide("main", "memory_search").rule()).isEqualTo("memory_*");
    assertThat(policy.decide("main", "exec").verdict()).isEqualTo(Verdict.NOT_IN_AGENT_ALLOW);
    assertThat(policy.decide("main", "web_fetch").verdict()).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void globsAndConfigAreCaseInsensitive() throws ConfigException {
    ToolPolicy policy = policy(List.of("SESSIONS_*"), List.of("Group:FS", "EXEC"), List.of());
    assertThat(policy.decide("main", "sessions_list").verdict()).isEqualTo(Verdict.DENIED_BY_GATEWAY);
    assertThat(policy.decide("main", "Read").verdict()).isEqualTo(Verdict.ALLOWED);
    assertThat(policy.decide("main", "exec").verdict()).isEqualTo(Verdict.ALLOWED);
    assertThat(policy.decide("main", "exe").verdict()).isEqualTo(Verdict.UNKNOWN_TOOL);
  }

  @Test
  void globMetacharactersInConfigAreLiteral() throws ConfigException {
    assertThatThrownBy(() -> ToolPattern.parse("g", "k", "ex.c")).isInstanceOf(ConfigException.class);
    assertThat(ToolPattern.parse("g", "k", "e*c").matches("exec")).isTrue();
    assertThat(ToolPattern.parse("g", "k", "e*c").matches("ec")).isTrue();
    assertThat(ToolPattern.parse("g", "k", "e*c").matches("exe")).isFalse();
  }

  @Test
  void agentsWithoutRulesGetTheDefaults() throws ConfigException {
    ToolPolicy policy = policy(List.of(), List.of("read"), List.of());
    assertThat(policy.decide("main", "process").verdict()).isEqualTo(Verdict.NOT_IN_AGENT_ALLOW);
    assertThat(policy.decide("other", "process").verdict()).isEqualTo(Verdict.DENIED_BY_AGENT);
    assertThat(policy.decide("other", "exec").verdict()).isEqualTo(Verdict.ALLOWED);
  }

  @Test
  void unknownGroupsAndBadEntriesFailAtStartUpWithTheKey() {
    assertThatThrownBy(() -> policy(null, List.of("group:fs", "group:network"), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("agents.main.tools.allow[1]")
        .hasMessageContaining("unknown tool group")
        .hasMessageContaining("group:runtime");
    assertThatThrownBy(() -> policy(List.of("docker", " exec"), null, null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tools.deny[1]");
    assertThatThrownBy(() -> policy(null, null, List.of("\u212aill")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("agents.main.tools.deny[0]");
  }

  @Test
  void onlyAllowedRegisteredToolsAreOffered() throws ConfigException {
    ToolPolicy policy = policy(null, List.of("group:fs", "web_fetch", "docker"), List.of("write"));
    List<Tool> tools = Arrays.asList(tool("read"), tool("write"), tool("web_fetch"), tool("docker"), tool("exec"),
        tool("Read"));
    assertThat(policy.offered("main", tools)).extracting(Tool::name).containsExactly("read", "web_fetch");
  }

  @Test
  void decisionsSayWhatTheModelAskedForSafely() throws ConfigException {
    ToolDecision decision = defaults().decide("main", "docker\u200b\n" + "x".repeat(100));
    assertThat(decision.requested()).startsWith("docker\\u200b\\u000a").endsWith("...").hasSizeLessThan(120);
    assertThat(decision.modelMessage()).contains("unknown tool");
    assertThat(defaults().decide("main", "DOCKER").modelMessage()).contains("\"docker\"").contains("not allowed");
  }

  static Tool tool(String name) {
    return new Tool() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return name;
      }

      @Override
      public String group() {
        return "group:test";
      }

      @Override
      public JsonNode parameters() {
        return JsonNodeFactory.instance.objectNode();
      }

      @Override
      public ToolResult call(ToolContext context, JsonNode arguments) {
        return ToolResult.ok(name);
      }
    };
  }

  @Test
  void anAgentInTheConfigWithoutItsOwnDenyListStillDeniesTheDangerousToolsAtItsLayer() throws ConfigException {
    dev.clincher.gateway.config.GatewayConfig.ToolPolicy unset =
        new dev.clincher.gateway.config.GatewayConfig.ToolPolicy(null, null);
    assertThat(unset.deny()).isEqualTo(ToolRules.DANGEROUS);
    ToolRules agentLayer = ToolRules.parse("gateway.yaml", "agents.main.tools", unset.allow(), unset.deny());
    assertThat(agentLayer.denying("docker")).isPresent();
    assertThat(agentLayer.denying("process")).isPresent();
    assertThat(new dev.clincher.gateway.config.GatewayConfig.ToolPolicy(null, List.of()).deny())
        .as("an explicit empty list is the operator's choice, and the audit warns of it").isEmpty();
  }
}
