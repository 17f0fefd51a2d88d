package dev.clincher.gateway.tools;

import dev.clincher.gateway.events.EventSink;
import dev.clincher.gateway.sandbox.SessionSandbox;

/**
 * Who is calling a tool, and the run's own objects a tool may use: the session's sandbox and the run's event sink.
 * Both are handed over explicitly, so no tool reaches back into the session layer.
 *
 * @param agent the agent's name
 * @param sessionId the session the run belongs to
 * @param runId the run that made the call
 * @param sandbox the session's sandbox (the container is created on first use)
 * @param events the run's event sink (written to the transcript before any client sees it)
 */
public record ToolContext(String agent, String sessionId, String runId, SessionSandbox sandbox, EventSink events) {}
