package dev.clincher.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.gateway.events.EventSink;
import dev.clincher.gateway.llm.ChatClient;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.tools.DescribedTool;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent loop against a real router in front of a scripted fake provider: tool calls streamed in fragments,
 * denied and unknown tools, malformed arguments, the step limit, budget refusals and provider errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AgentRunnerTest {
  static final ObjectMapper JSON = new ObjectMapper();

  FakeUpstream provider;
  RunningRouter router;
  AgentRunner runner;
  Metrics metrics;
  final List<ObjectNode> echoed = new ArrayList<>();
  /** What happened, in order: event types, {@code durable} for each wait for the disk, {@code ran:TOOL}. */
  final List<String> order = new ArrayList<>();

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    provider = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: scripted
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
        router_settings: {num_retries: 0}
        """.formatted(provider.apiBase()), Map.of());
    metrics = Metrics.create("gateway");
    ChatClient chat = new ChatClient(URI.create(router.baseUrl()),
        Secret.of(RunningRouter.MASTER_KEY), Duration.ofSeconds(30), JSON);
    runner = new AgentRunner(chat, JSON, new RunMetrics(metrics));
  }

  @AfterAll
  void stop() throws Exception {
    runner.close();
    router.close();
    provider.close();
    metrics.close();
  }

  @BeforeEach
  void reset() {
    provider.reset();
    echoed.clear();
    order.clear();
  }

  @Test
  void toolCallThenAnswer() throws Exception {
    provider.then(ScriptedModel.toolCall("call_1", "echo", "{\"text\":\"héllo \\\"world\\\"\"}"),
        ScriptedModel.text("It ", "said ", "hello."));
    Recorded run = run(agent(10), "please echo");

    assertThat(run.end).isEqualTo(RunEnd.COMPLETED);
    assertThat(run.types()).containsSubsequence("assistant_message", "tool_call", "tool_result",
        "assistant_delta", "assistant_message", "done");
    assertThat(echoed).singleElement().satisfies(args -> assertThat(args.path("text").asText())
        .isEqualTo("héllo \"world\""));
    JsonNode result = run.first("tool_result");
    assertThat(result.path("content").asText()).isEqualTo("echo: héllo \"world\"");
    assertThat(result.path("error").asBoolean()).isFalse();
    // the second model call carried the tool call and its result back
    JsonNode second = JSON.readTree(provider.calls().get(1).body());
    JsonNode messages = second.path("messages");
    assertThat(messages.get(messages.size() - 2).path("tool_calls").get(0).path("function").path("name").asText())
        .isEqualTo("echo");
    assertThat(messages.get(messages.size() - 1).path("role").asText()).isEqualTo("tool");
    assertThat(messages.get(messages.size() - 1).path("tool_call_id").asText()).isEqualTo("call_1");
    assertThat(run.text()).isEqualTo("It said hello.");
  }

  @Test
  void aToolThatChangesSomethingRunsOnlyOnceItsCallIsDurableAReadOnlyOneWithoutWaiting() throws Exception {
    provider.then(ScriptedModel.toolCalls(new ScriptedModel.Call("c1", "echo", "{\"text\":\"x\"}"),
            new ScriptedModel.Call("c2", "peek", "{}")),
        ScriptedModel.text("ok"));
    Recorded run = run(agent(10), "echo, then peek");

    assertThat(run.end).isEqualTo(RunEnd.COMPLETED);
    assertThat(order).as("echo's call is on record before it runs").containsSubsequence("tool_call", "durable",
        "ran:echo");
    int peekCall = order.lastIndexOf("tool_call");
    assertThat(order.subList(peekCall, order.indexOf("ran:peek")))
        .as("peek (read-only) runs without a wait for the disk after its call").containsExactly("tool_call");
  }

  @Test
  void deniedAndUnknownToolsAreRefusedAndTheRunGoesOn() throws Exception {
    provider.then(ScriptedModel.toolCalls(new ScriptedModel.Call("c1", "docker", "{}"),
            new ScriptedModel.Call("c2", "host_exec", "{\"cmd\":\"id\"}"),
            new ScriptedModel.Call("c3", "nonexistent\u200b", "{}")),
        ScriptedModel.text("ok"));
    Recorded run = run(agent(10), "try things");

    assertThat(run.end).isEqualTo(RunEnd.COMPLETED);
    assertThat(run.all("tool_denied")).extracting(node -> node.path("name").asText())
        .containsExactly("docker", "host_exec", "nonexistent\\u200b");
    assertThat(run.all("tool_call")).isEmpty();
    assertThat(echoed).isEmpty();
    JsonNode messages = JSON.readTree(provider.calls().get(1).body()).path("messages");
    assertThat(messages.get(messages.size() - 1).path("content").asText()).contains("not available");
    String scraped = metrics.scrape();
    assertThat(scraped).contains("clincher_gateway_tool_denied_total");
    List<String> denied = scraped.lines().filter(line -> line.startsWith("clincher_gateway_tool_denied_total{"))
        .toList();
    assertThat(denied).as("each denial counted with its layer and the rule that decided it")
        .allMatch(line -> line.contains("layer=\"") && line.contains("rule=\""));
    assertThat(denied.stream().mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum()).isGreaterThanOrEqualTo(3.0);
    // steps (a model call and its tool calls) are timed as well; the registry is shared by the class's runs
    assertThat(scraped).containsPattern("clincher_gateway_step_duration_seconds_count\\{agent=\"tester\".*} [1-9]");
  }

  @Test
  void aToolsOwnRefusalIsCountedWithItsRule() throws Exception {
    provider.then(ScriptedModel.toolCalls(new ScriptedModel.Call("c1", "echo", "{\"text\":\"../outside\"}")),
        ScriptedModel.text("ok"));
    Recorded run = run(agent(10), "read outside");

    assertThat(run.end).isEqualTo(RunEnd.COMPLETED);
    assertThat(run.all("tool_result")).singleElement().satisfies(result ->
        assertThat(result.path("error").asBoolean()).isTrue());
    assertThat(metrics.scrape()).containsPattern("clincher_gateway_tool_refused_total\\{[^}]*rule=\"workspace_path\"");
  }

  @Test
  void malformedArgumentsGiveTheModelAnError() throws Exception {
    provider.then(ScriptedModel.toolCall("c1", "echo", "{\"text\": unquoted}"), ScriptedModel.text("sorry"));
    Recorded run = run(agent(10), "x");
    assertThat(run.first("tool_result").path("error").asBoolean()).isTrue();
    assertThat(run.first("tool_result").path("content").asText()).contains("not valid JSON");
    assertThat(echoed).isEmpty();
    assertThat(run.end).isEqualTo(RunEnd.COMPLETED);
  }

  @Test
  void stepLimitEndsTheRun() throws Exception {
    for (int i = 0; i < 3; i++) {
      provider.then(ScriptedModel.toolCall("c" + i, "echo", "{\"text\":\"again\"}"));
    }
    Recorded run = run(agent(3), "loop forever");
    assertThat(run.end).isEqualTo(RunEnd.STEP_LIMIT);
    assertThat(echoed).hasSize(3);
    assertThat(run.last().path("reason").asText()).isEqualTo("step_limit");
  }

  @Test
  void aProvidersOwnBadRequestEndsTheRunAsAnError() throws Exception {
    provider.then(new FakeUpstream.Json(400, Map.of(),
        OpenAiWire.error("context too long", "invalid_request_error", "context_length_exceeded")));
    Recorded run = run(agent(3), "x");
    assertThat(run.types()).containsSequence("error", "done");
    assertThat(run.end).isEqualTo(RunEnd.ERROR); // the router's own budget refusal: BudgetRefusalTest
  }

  @Test
  void providerErrorEndsTheRunWithAnErrorEvent() throws Exception {
    provider.then(new FakeUpstream.Json(500, Map.of(), OpenAiWire.error("boom", "server_error", "500")));
    Recorded run = run(agent(3), "x");
    assertThat(run.end).isEqualTo(RunEnd.ERROR);
    assertThat(run.first("error").path("status").asInt()).isGreaterThanOrEqualTo(500);
  }

  @Test
  void longToolOutputIsCutWithANotice() throws Exception {
    provider.then(ScriptedModel.toolCall("c1", "echo", "{\"text\":\"" + "x".repeat(5000) + "\"}"),
        ScriptedModel.text("done"));
    Recorded run = run(agent(5), "x");
    JsonNode result = run.first("tool_result");
    assertThat(result.path("truncated").asBoolean()).isTrue();
    assertThat(result.path("content").asText()).contains("[truncated:").hasSizeLessThanOrEqualTo(1000);
  }

  // --- harness -----------------------------------------------------------------------------------------------

  AgentDefinition agent(int maxSteps) {
    return new AgentDefinition("tester", "scripted", "You are a test.", maxSteps, Duration.ofSeconds(30), 256,
        8192, 1000);
  }

  Recorded run(AgentDefinition agent, String userText) {
    Recorded recorded = new Recorded();
    ContextWindow context = new ContextWindow(JSON, agent.systemPrompt());
    context.addUser(0, userText);
    AgentRunner.RunRequest request = new AgentRunner.RunRequest(agent, new EchoOnly(), "s1", "r1", context,
        () -> {
          throw new AssertionError("no sandbox in this test");
        }, new RunStop());
    recorded.end = runner.run(request, new EventSink() {
      @Override
      public long emit(String type, ObjectNode data) {
        recorded.events.add(Map.entry(type, data));
        order.add(type);
        return recorded.events.size();
      }

      @Override
      public void awaitDurable() {
        order.add("durable");
      }
    });
    return recorded;
  }

  /** The tools of the test agent: {@code echo} and the read-only {@code peek}; everything else is unknown or denied. */
  final class EchoOnly implements AgentTools {
    final Tool echo = new Tool() {
      @Override
      public String name() {
        return "echo";
      }

      @Override
      public String description() {
        return "Echoes text.";
      }

      @Override
      public String group() {
        return "group:test";
      }

      @Override
      public JsonNode parameters() {
        return JSON.createObjectNode().put("type", "object");
      }

      @Override
      public ToolResult call(ToolContext context, JsonNode arguments) {
        order.add("ran:echo");
        echoed.add((ObjectNode) arguments);
        if (arguments.path("text").asText().equals("../outside")) {
          return ToolResult.refused("workspace_path", "echo: the path is outside the workspace");
        }
        return ToolResult.ok("echo: " + arguments.path("text").asText());
      }
    };

    /** A tool that only reads. */
    final Tool peek = new DescribedTool("peek", "Reads something.", "group:test",
        JSON.createObjectNode().put("type", "object")) {
      @Override
      public boolean readOnly() {
        return true;
      }

      @Override
      public ToolResult call(ToolContext context, JsonNode arguments) {
        order.add("ran:peek");
        return ToolResult.ok("seen");
      }
    };

    @Override
    public List<Tool> offered() {
      return List.of(echo, peek);
    }

    @Override
    public Permission check(String requestedName) {
      if (requestedName.equals("echo")) {
        return Permission.allowed(echo);
      }
      if (requestedName.equals("peek")) {
        return Permission.allowed(peek);
      }
      return List.of("docker", "host_exec").contains(requestedName)
          ? Permission.denied("denied by the gateway's tool policy", "gateway")
          : Permission.denied("no such tool", "unknown");
    }
  }

  static final class Recorded {
    final List<Map.Entry<String, ObjectNode>> events = new ArrayList<>();
    RunEnd end;

    List<String> types() {
      return events.stream().map(Map.Entry::getKey).toList();
    }

    List<ObjectNode> all(String type) {
      return events.stream().filter(e -> e.getKey().equals(type)).map(Map.Entry::getValue).toList();
    }

    ObjectNode first(String type) {
      return all(type).getFirst();
    }

    ObjectNode last() {
      return events.getLast().getValue();
    }

    String text() {
      StringBuilder text = new StringBuilder();
      all("assistant_delta").forEach(node -> text.append(node.path("text").asText()));
      return text.toString();
    }

    Optional<ObjectNode> find(String type) {
      return all(type).stream().findFirst();
    }
  }
}
