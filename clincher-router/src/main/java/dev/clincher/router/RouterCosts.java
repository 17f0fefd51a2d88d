package dev.clincher.router;

import dev.clincher.common.config.ConfigException;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.metering.Price;
import dev.clincher.router.spend.PriceTable;
import dev.clincher.router.spend.SpendControls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Each deployment's price (bundled table + its own cost keys) and budget, checked at start-up. */
final class RouterCosts {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");

  private RouterCosts() {}

  /**
   * The costs of every deployment. A deployment with a budget but no known price fails start-up: its budget could
   * not be enforced. One without either is reported once at start-up (its answers carry no cost header).
   */
  static List<SpendControls.DeploymentCost> of(List<DeploymentConfig> deployments, PriceTable table, String source)
      throws ConfigException {
    List<SpendControls.DeploymentCost> costs = new ArrayList<>();
    for (DeploymentConfig d : deployments) {
      Optional<Price> price = table.resolve(d.provider().prefix(), d.upstreamModel(), d.cost().prices());
      if (price.isEmpty() && d.cost().maxBudget().isPresent()) {
        throw new ConfigException(source, "model_list[" + d.id() + "].model_info.max_budget",
            "no price is known for " + d.provider().prefix() + "/" + d.upstreamModel()
                + ", so the budget cannot be enforced: set input_cost_per_token and output_cost_per_token");
      }
      if (price.isEmpty()) {
        LOG.atWarn().addKeyValue("deployment", d.id()).addKeyValue("model", d.provider().prefix() + "/"
            + d.upstreamModel()).log("router.price.unknown");
      }
      costs.add(new SpendControls.DeploymentCost(d.id(), d.modelName(), price, d.cost().maxBudget(),
          d.cost().period()));
    }
    return costs;
  }
}
