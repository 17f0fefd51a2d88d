package dev.clincher.gateway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventSink;
import dev.clincher.gateway.events.EventTypes;
import dev.clincher.gateway.llm.ChatClient;
import dev.clincher.gateway.llm.ChatStep;
import dev.clincher.gateway.llm.LlmException;
import dev.clincher.gateway.llm.ToolCall;
import dev.clincher.gateway.sandbox.SessionSandbox;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent loop: call the model with the tool definitions, run the tool calls it asks for (each one checked
 * against the agent's tool policy first), feed the results back, and repeat until the model answers without tools,
 * the step limit is reached, or the run is stopped (timeout, abort) or refused (budget). Every step is an event on the
 * {@link EventSink}; the run always ends with exactly one {@code done} event saying why. The loop waits for the disk
 * only before a tool that changes something runs (its call, and the events before it, are durable first, in one
 * commit); the other events are committed while the loop goes on, and streamed once durable. The call of a
 * {@link Tool#readOnly() read-only} tool is committed with its result.
 *
 * <p>The loop holds no state between runs; everything it needs is in its arguments, so one runner serves every
 * session. Stopping is by interrupting the run's thread; its {@link RunStop} then says whether it was an abort or
 * the timeout.
 */
public final class AgentRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.agent");
  static final String SUMMARY_INSTRUCTION = "Summarise the conversation so far for your own later use: the user's"
      + " goals, decisions made, facts learned and open tasks. Be concise; plain text; no tool calls.";

  private final ChatClient chat;
  private final ObjectMapper json;
  private final RunMetrics metrics;
  /** Writes text deltas the model's stream left waiting (see {@link DeltaBatcher}); one thread for every run. */
  private final ScheduledExecutorService deltaTimer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("clincher-delta-flush").daemon().factory());

  /** The runner owns {@code chat}: {@link #close()} closes it. */
  public AgentRunner(ChatClient chat, ObjectMapper json, RunMetrics metrics) {
    this.chat = chat;
    this.json = json;
    this.metrics = metrics;
  }

  /** What one run needs. */
  public record RunRequest(AgentDefinition agent, AgentTools tools, String sessionId, String runId,
      ContextWindow context, SessionSandbox sandbox, RunStop stop) {}

  /** Runs to the end; never throws except for programming errors. Returns why it ended. */
  public RunEnd run(RunRequest request, EventSink sink) {
    RunEnd end;
    String message = "";
    int steps = 0;
    long started = System.nanoTime();
    metrics.runStarted();
    try {
      StepLoop loop = new StepLoop(request, sink);
      end = loop.run();
      steps = loop.steps;
    } catch (InterruptedException e) {
      Thread.interrupted(); // clear, so the closing events can be written
      end = request.stop().reason();
      message = end == RunEnd.TIMED_OUT ? "the run took longer than " + request.agent().runTimeout() : "aborted";
    } catch (LlmException e) {
      Thread.interrupted();
      end = e.isBudgetRefusal() ? RunEnd.BUDGET : RunEnd.ERROR;
      message = e.getMessage();
      ObjectNode error = json.createObjectNode();
      error.put("source", "model");
      error.put("status", e.status());
      error.put("type", e.type());
      error.put("message", e.getMessage());
      sink.emit(EventTypes.ERROR, error);
    }
    if (end == RunEnd.STEP_LIMIT) {
      message = "the agent reached its limit of " + request.agent().maxSteps() + " steps";
    }
    ObjectNode done = json.createObjectNode();
    done.put("reason", end.wireName());
    done.put("message", message);
    sink.emit(EventTypes.DONE, done);
    metrics.runEnded(request.agent().name(), end, System.nanoTime() - started);
    LOG.atInfo().addKeyValue("agent", request.agent().name()).addKeyValue("session", request.sessionId())
        .addKeyValue("run", request.runId()).addKeyValue("end", end.wireName()).addKeyValue("steps", steps)
        .log("gateway.run.ended");
    return end;
  }

  /** Stops the delta timer and closes the model client's connections; call once no run is left. */
  @Override
  public void close() {
    deltaTimer.shutdownNow();
    chat.close();
  }

  /** The loop of one run. */
  private final class StepLoop {
    private final RunRequest request;
    private final EventSink sink;
    private final AgentDefinition agent;
    private int steps;

    StepLoop(RunRequest request, EventSink sink) {
      this.request = request;
      this.sink = sink;
      this.agent = request.agent();
    }

    RunEnd run() throws InterruptedException, LlmException {
      ArrayNode toolDefinitions = toolDefinitions();
      while (steps < agent.maxSteps()) {
        fitContext();
        steps++;
        long started = System.nanoTime();
        ChatStep step;
        try (DeltaBatcher deltas = new DeltaBatcher(sink, json, deltaTimer)) {
          step = chat.complete(modelRequest(toolDefinitions, request.context().messages()), deltas::add);
        }
        metrics.modelCall(agent.name(), System.nanoTime() - started);
        long seq = step.toolCalls().isEmpty() ? sink.emit(EventTypes.ASSISTANT_MESSAGE, assistantEvent(step))
            : sink.emitWithNext(EventTypes.ASSISTANT_MESSAGE, assistantEvent(step)); // its first tool call follows
        request.context().addAssistant(seq, assistantEvent(step));
        if (step.toolCalls().isEmpty()) {
          metrics.stepEnded(agent.name(), System.nanoTime() - started);
          return RunEnd.COMPLETED;
        }
        for (ToolCall call : step.toolCalls()) {
          runToolCall(call);
        }
        metrics.stepEnded(agent.name(), System.nanoTime() - started);
      }
      return RunEnd.STEP_LIMIT;
    }

    private ArrayNode toolDefinitions() {
      ArrayNode tools = json.createArrayNode();
      for (Tool tool : request.tools().offered()) {
        tools.add(ChatClient.functionTool(json, tool.name(), tool.description(), tool.parameters()));
      }
      return tools;
    }

    private ObjectNode modelRequest(ArrayNode tools, ArrayNode messages) {
      ObjectNode body = json.createObjectNode();
      body.put("model", agent.model());
      body.set("messages", messages);
      body.put("max_tokens", agent.maxOutputTokens());
      if (!tools.isEmpty()) {
        body.set("tools", tools);
      }
      body.put("user", "clincher:" + agent.name());
      return body;
    }

    private ObjectNode assistantEvent(ChatStep step) {
      ObjectNode data = json.createObjectNode();
      data.put("content", step.content());
      ArrayNode calls = data.putArray("tool_calls");
      for (ToolCall call : step.toolCalls()) {
        calls.addObject().put("id", call.id()).put("name", call.name()).put("arguments", call.arguments());
      }
      data.put("finish_reason", step.finishReason());
      data.putObject("usage").put("prompt_tokens", step.promptTokens())
          .put("completion_tokens", step.completionTokens());
      return data;
    }

    private void runToolCall(ToolCall call) throws InterruptedException {
      AgentTools.Permission permission = request.tools().check(call.name());
      if (!permission.isAllowed()) {
        deny(call, permission);
        return;
      }
      Tool tool = permission.tool().orElseThrow();
      ObjectNode announced = json.createObjectNode();
      announced.put("id", call.id()).put("name", tool.name()).put("arguments", call.arguments());
      sink.emitWithNext(EventTypes.TOOL_CALL, announced);
      if (!tool.readOnly()) {
        sink.awaitDurable(); // the call is on record before it runs (with the events before it, in one commit)
      }
      // a read-only tool changes nothing: its call is committed with its result, while the next model call runs (a
      // commit started now would hold the store's lock through its fsync, and the result's append would wait it out)
      long started = System.nanoTime();
      ToolResult result = callTool(tool, call);
      metrics.toolCall(agent.name(), tool.name(), result.error() ? "error" : "ok", System.nanoTime() - started);
      if (!result.refusedBy().isEmpty()) { // the tool's own check said no: once in the log, with its rule
        metrics.toolRefused(agent.name(), tool.name(), result.refusedBy());
        LOG.atWarn().addKeyValue("agent", agent.name()).addKeyValue("session", request.sessionId())
            .addKeyValue("tool", tool.name()).addKeyValue("rule", result.refusedBy()).log("gateway.tool.refused");
      }
      String content = ToolOutput.capped(result.content(), agent.maxToolResultChars());
      ObjectNode data = json.createObjectNode();
      data.put("id", call.id()).put("name", tool.name()).put("content", content).put("error", result.error())
          .put("truncated", content.length() != result.content().length());
      long seq = sink.emit(EventTypes.TOOL_RESULT, data);
      request.context().addToolResult(seq, call.id(), content);
    }

    private ToolResult callTool(Tool tool, ToolCall call) throws InterruptedException {
      JsonNode arguments;
      try {
        arguments = call.arguments().isBlank() ? json.createObjectNode() : json.readTree(call.arguments());
      } catch (java.io.IOException e) {
        return ToolResult.error("the arguments are not valid JSON; send one JSON object");
      }
      if (!arguments.isObject()) {
        return ToolResult.error("the arguments must be a JSON object");
      }
      ToolContext context = new ToolContext(agent.name(), request.sessionId(), request.runId(), request.sandbox(),
          sink);
      try {
        return tool.call(context, arguments);
      } catch (RuntimeException e) {
        LOG.atWarn().addKeyValue("tool", tool.name()).addKeyValue("exception", e.getClass().getName())
            .log("gateway.tool.failed");
        return ToolResult.error("the tool failed unexpectedly (" + e.getClass().getSimpleName() + ")");
      }
    }

    private void deny(ToolCall call, AgentTools.Permission permission) {
      String content = "Tool '" + ToolOutput.printable(call.name()) + "' is not available: " + permission.reason()
          + ". Continue without it.";
      ObjectNode data = json.createObjectNode();
      data.put("id", call.id()).put("name", ToolOutput.printable(call.name())).put("reason", permission.reason())
          .put("layer", permission.layer()).put("rule", permission.rule()).put("content", content);
      long seq = sink.emit(EventTypes.TOOL_DENIED, data);
      request.context().addToolResult(seq, call.id(), content);
      metrics.toolDenied(agent.name(), permission.layer(), permission.rule());
      LOG.atWarn().addKeyValue("agent", agent.name()).addKeyValue("session", request.sessionId())
          .addKeyValue("tool", ToolOutput.printable(call.name())).addKeyValue("layer", permission.layer())
          .addKeyValue("rule", permission.rule()).addKeyValue("reason", permission.reason())
          .log("gateway.tool.denied");
    }

    /** Prunes old tool results, then summarises older turns, until the context fits the agent's budget. */
    private void fitContext() throws InterruptedException, LlmException {
      ContextWindow context = request.context();
      int budget = agent.contextTokens() - agent.maxOutputTokens();
      if (context.estimatedTokens() <= budget) {
        return;
      }
      int pruned = context.pruneToolResults(budget);
      if (pruned > 0) {
        metrics.contextPruned(agent.name(), pruned);
      }
      if (context.estimatedTokens() <= budget || context.olderTurns().isEmpty()) {
        return;
      }
      String summary = summarise(context);
      ObjectNode data = json.createObjectNode();
      data.put("content", summary);
      data.put("covers_until_seq", context.olderTurnsEndSeq());
      sink.emit(EventTypes.SUMMARY, data);
      context.applySummary(summary);
    }

    private String summarise(ContextWindow context) throws InterruptedException, LlmException {
      ArrayNode messages = json.createArrayNode();
      messages.addObject().put("role", "system").put("content", SUMMARY_INSTRUCTION);
      StringBuilder transcript = new StringBuilder();
      if (!context.summary().isEmpty()) {
        transcript.append("Earlier summary: ").append(context.summary()).append('\n');
      }
      for (ObjectNode message : context.olderTurns()) {
        transcript.append(message.path("role").asText()).append(": ")
            .append(ToolOutput.capped(message.path("content").asText(""), 2_000)).append('\n');
      }
      messages.addObject().put("role", "user").put("content",
          ToolOutput.capped(transcript.toString(), 4 * (agent.contextTokens() / 2)));
      ObjectNode body = json.createObjectNode();
      body.put("model", agent.model());
      body.set("messages", messages);
      body.put("max_tokens", Math.min(agent.maxOutputTokens(), 1024));
      return chat.complete(body, text -> { }).content();
    }
  }
}
