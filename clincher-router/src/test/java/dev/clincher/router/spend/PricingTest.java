package dev.clincher.router.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.RouterConfig;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.router.metering.Price;
import dev.clincher.router.metering.PriceOverrides;
import dev.clincher.router.metering.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class PricingTest {
  private final PriceTable table = PriceTable.bundled();

  @Test
  void everySeedModelHasAPriceSoItsBudgetCanBeEnforced() throws Exception {
    String seed = new String(getClass().getResourceAsStream("/seed-router-config.yaml").readAllBytes(),
        StandardCharsets.UTF_8);
    RouterConfig config = RouterConfigReader.parse("seed", seed, Map.of("LITELLM_MASTER_KEY", "k"));
    for (DeploymentConfig d : config.deployments()) {
      assertThat(table.resolve(d.provider().prefix(), d.upstreamModel(), d.cost().prices())).as(d.id()).isPresent();
    }
    assertThat(table.size()).isGreaterThanOrEqualTo(40);
  }

  @Test
  void datedModelNamesFallBackToTheUndatedPriceAndUnknownModelsHaveNone() {
    assertThat(table.lookup("anthropic", "claude-sonnet-4-20250514")).isEqualTo(table.lookup("anthropic", "claude-sonnet-4"));
    assertThat(table.lookup("openai", "gpt-4.1-2025-04-14")).isEqualTo(table.lookup("openai", "gpt-4.1"));
    assertThat(table.lookup("openai", "gpt-4.1")).isPresent();
    assertThat(table.lookup("hosted_vllm", "meta-llama/Llama-3.1-8B-Instruct")).isEmpty();
    assertThat(table.lookup("groq", "gpt-4.1")).as("the provider is part of the key").isEmpty();
  }

  @Test
  void deploymentCostKeysOverrideTheTableAndPriceUnknownModels() {
    var overrides = new PriceOverrides(OptionalDouble.of(1e-6), OptionalDouble.of(3e-6),
        OptionalDouble.empty(), OptionalDouble.empty());
    Price own = table.resolve("hosted_vllm", "my-llama", overrides).orElseThrow();
    assertThat(own).isEqualTo(new Price(1e-6, 3e-6, 1e-6, 1e-6));
    Price mixed = table.resolve("openai", "gpt-4.1", new PriceOverrides(OptionalDouble.empty(),
        OptionalDouble.of(1e-5), OptionalDouble.empty(), OptionalDouble.empty())).orElseThrow();
    assertThat(mixed.inputPerToken()).isEqualTo(2e-6);
    assertThat(mixed.outputPerToken()).isEqualTo(1e-5);
    assertThat(table.resolve("hosted_vllm", "x", new PriceOverrides(OptionalDouble.of(1e-6),
        OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty()))).as("half a price is no price").isEmpty();
  }

  @Test
  void anthropicCacheTokensAreChargedAtTheirOwnPrices() {
    Price sonnet = table.lookup("anthropic", "claude-sonnet-4").orElseThrow();
    // 100 fresh input tokens, 1000 cache reads, 200 cache writes (prompt_tokens counts all three), 50 output tokens
    Usage usage = new Usage(1300, 50, 1350, 1000, 200);
    double expected = 100 * 3e-6 + 1000 * 0.3e-6 + 200 * 3.75e-6 + 50 * 15e-6;
    assertThat(sonnet.cost(usage)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void usdIsWrittenAsAPlainDecimal() {
    assertThat(SpendControls.usd(0.00048)).isEqualTo("0.00048");
    assertThat(SpendControls.usd(1.5e-7)).isEqualTo("0.00000015");
    assertThat(SpendControls.usd(0)).isEqualTo("0");
  }
}
