package dev.clincher.gateway.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.agent.AgentDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The agents of the {@code agents} section, with their system prompts read (a prompt file is relative to the config). */
public final class AgentDefinitions {
  /** Longest system prompt file accepted. */
  static final long MAX_PROMPT_BYTES = 256 * 1024;

  private AgentDefinitions() {}

  /** Every agent by name, in the config's order; an invalid one fails with its key ({@code agents.NAME}). */
  public static Map<String, AgentDefinition> read(String source, GatewayConfig config, Path configFile)
      throws ConfigException {
    Map<String, AgentDefinition> agents = new LinkedHashMap<>();
    for (var entry : config.agents().entrySet()) {
      String name = entry.getKey();
      GatewayConfig.Agent agent = entry.getValue();
      String key = "agents." + name;
      try {
        agents.put(name, new AgentDefinition(name, agent.model(), systemPrompt(source, key, agent, configFile),
            agent.maxSteps(), agent.runTimeout().value(), agent.maxOutputTokens(), agent.contextTokens(),
            agent.maxToolResultChars()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(source, key, e.getMessage());
      }
    }
    return agents;
  }

  private static String systemPrompt(String source, String key, GatewayConfig.Agent agent, Path configFile)
      throws ConfigException {
    if (agent.systemPromptFile() == null) {
      return agent.systemPrompt() == null ? "You are a helpful assistant." : agent.systemPrompt();
    }
    Path file = Path.of(agent.systemPromptFile());
    if (!file.isAbsolute() && configFile.getParent() != null) {
      file = configFile.getParent().resolve(file);
    }
    try {
      if (Files.size(file) > MAX_PROMPT_BYTES) {
        throw new ConfigException(source, key + ".system_prompt_file", "larger than " + MAX_PROMPT_BYTES + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(source, key + ".system_prompt_file", "cannot be read (" + e.getClass().getSimpleName()
          + ")");
    }
  }
}
