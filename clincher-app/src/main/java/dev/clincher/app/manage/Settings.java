package dev.clincher.app.manage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The settings keys, teams and users share, as options named after LiteLLM's fields ({@code --max-budget} is
 * {@code max_budget}); only the options given become fields, so an update changes only those.
 */
final class Settings {
  private Settings() {}

  /** Models, budget and metadata. */
  static final class Budget {
    @Option(names = "--models", split = ",", paramLabel = "MODEL",
        description = "Model names it may call, comma-separated (all-proxy-models: every model).")
    List<String> models;

    @Option(names = "--max-budget", paramLabel = "USD", description = "Budget in USD (above 0).")
    Double maxBudget;

    @Option(names = "--budget-duration", paramLabel = "DURATION",
        description = "Budget window: 30s, 30m, 24h, 30d, 1w, 1mo (none: for all time).")
    String budgetDuration;

    @Option(names = "--metadata", paramLabel = "JSON", description = "Metadata, a JSON object.")
    String metadata;

    void into(ObjectNode input) throws ManagementRequest.BadArguments {
      if (models != null) {
        models.forEach(input.putArray("models")::add);
      }
      if (maxBudget != null) {
        input.put("max_budget", maxBudget);
      }
      if (budgetDuration != null) {
        input.put("budget_duration", budgetDuration);
      }
      if (metadata != null) {
        input.set("metadata", object(metadata));
      }
    }
  }

  /** Rate and parallel limits, and the budget. */
  static final class Limits {
    @Mixin
    Budget budget;

    @Option(names = "--rpm-limit", paramLabel = "N", description = "Requests per minute at most.")
    Long rpmLimit;

    @Option(names = "--tpm-limit", paramLabel = "N", description = "Tokens per minute at most.")
    Long tpmLimit;

    @Option(names = "--max-parallel-requests", paramLabel = "N", description = "Calls in flight at once at most.")
    Long maxParallelRequests;

    void into(ObjectNode input) throws ManagementRequest.BadArguments {
      budget.into(input);
      if (rpmLimit != null) {
        input.put("rpm_limit", rpmLimit);
      }
      if (tpmLimit != null) {
        input.put("tpm_limit", tpmLimit);
      }
      if (maxParallelRequests != null) {
        input.put("max_parallel_requests", maxParallelRequests);
      }
    }
  }

  static JsonNode object(String text) throws ManagementRequest.BadArguments {
    try {
      JsonNode node = ManagementRequest.JSON.readTree(text);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (JsonProcessingException e) {
      // refused below
    }
    throw new ManagementRequest.BadArguments("--metadata must be a JSON object, e.g. '{\"team\":\"qa\"}'");
  }

  /** Puts {@code value} as {@code field} when given. */
  static void text(ObjectNode input, String field, String value) {
    if (value != null) {
      input.put(field, value);
    }
  }
}
