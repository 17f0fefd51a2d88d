package dev.clincher.gateway.session;

import dev.clincher.gateway.agent.AgentDefinition;
import dev.clincher.gateway.agent.AgentTools;

/** A configured agent with its tool set, ready to run. */
public record AgentRuntime(AgentDefinition definition, AgentTools tools) {}
