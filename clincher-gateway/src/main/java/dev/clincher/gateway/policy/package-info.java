/**
 * The tool policy: {@link dev.clincher.gateway.policy.ToolPolicy} decides per agent which tools are offered to the
 * model and whether a call may run, from a gateway-wide deny layer and each agent's allow/deny layer of
 * {@link dev.clincher.gateway.policy.ToolPattern}s (names, {@code *} globs, {@code group:} groups).
 */
package dev.clincher.gateway.policy;
