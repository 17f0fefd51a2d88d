package dev.clincher.gateway.sandbox;

import java.time.Instant;

/**
 * One sandbox container as Docker reports it.
 *
 * @param key the sandbox key (from the scope: session, agent or shared)
 * @param containerId the full container ID
 * @param agent the agent that first used it
 * @param session the session that first used it
 * @param createdAt when the manager created it
 * @param state Docker's state ({@code running}, {@code exited}, …)
 * @param current whether it was made with the current settings (else the next start-up recreates it)
 */
public record SandboxInfo(String key, String containerId, String agent, String session, Instant createdAt,
    String state, boolean current) {}
