package dev.clincher.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.gateway.llm.ChatClient;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.router.testing.RunningRouter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's own budget refusal (a real router whose model budget cannot cover the call's worst case) ends the run
 * with {@code budget}.
 */
@Timeout(60)
class BudgetRefusalTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aSpentBudgetEndsTheRunWithItsOwnReason(@TempDir Path directory) throws Exception {
    try (ScriptedProvider provider = ScriptedProvider.start(request -> ScriptedModel.text("spent"));
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: capped
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
                model_info: {max_budget: 0.005}
            router_settings: {num_retries: 0}
            """.formatted(provider.apiBase()), Map.of());
        Metrics metrics = Metrics.create("gateway");
        AgentRunner runner = new AgentRunner(new ChatClient(URI.create(router.baseUrl()),
            Secret.of(RunningRouter.MASTER_KEY), Duration.ofSeconds(30), JSON), JSON, new RunMetrics(metrics))) {
      AgentDefinition agent = new AgentDefinition("tester", "capped", "sys", 5, Duration.ofSeconds(30), 256, 8192,
          1000);

      assertThat(run(runner, agent)).isEqualTo(RunEnd.COMPLETED); // 256 output tokens at most: fits $0.005
      int callsBefore = provider.calls();
      AgentDefinition verbose = new AgentDefinition("tester", "capped", "sys", 5, Duration.ofSeconds(30), 100_000,
          200_000, 1000);
      assertThat(run(runner, verbose)).isEqualTo(RunEnd.BUDGET); // 100,000 output tokens could cost $0.80
      assertThat(provider.calls()).isEqualTo(callsBefore); // refused before the provider
      assertThat(metrics.scrape()).contains("end=\"budget\"");
    }
  }

  private static RunEnd run(AgentRunner runner, AgentDefinition agent) {
    ContextWindow context = new ContextWindow(JSON, agent.systemPrompt());
    context.addUser(0, "hello");
    AgentTools none = new AgentTools() {
      @Override
      public List<Tool> offered() {
        return List.of();
      }

      @Override
      public Permission check(String requestedName) {
        return Permission.denied("no tools", "registry");
      }
    };
    return runner.run(new AgentRunner.RunRequest(agent, none, "s", "r", context, () -> {
      throw new AssertionError("no sandbox");
    }, new RunStop()), (type, data) -> 0);
  }
}
