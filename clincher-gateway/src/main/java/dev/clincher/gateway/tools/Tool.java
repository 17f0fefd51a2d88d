package dev.clincher.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool the model may call. Every built-in tool is listed, with its group, in
 * {@code dev.clincher.gateway.BuiltInTools}; most extend {@link DescribedTool} or {@link SandboxTool}.
 * Implementations are stateless and thread-safe; everything a call needs arrives in the {@link ToolContext}. A tool never throws for a bad call: it answers with {@link ToolResult#error}, which the model
 * reads and may correct. Only interruption (an abort or the run timeout) propagates.
 */
public interface Tool {

  /** The name the model calls, lower case, e.g. {@code exec}. */
  String name();

  /** One or two sentences the model reads to decide when to call the tool. */
  String description();

  /** The policy group the tool belongs to, as written in allow and deny lists, e.g. {@code group:runtime}. */
  String group();

  /** The JSON schema of the arguments object (an OpenAI function's {@code parameters}). */
  JsonNode parameters();

  /**
   * Whether the tool only reads (the gateway's own store): it changes nothing, in the sandbox or outside, so its call
   * need not be on record before it runs — the loop commits the call with its result instead of waiting for the disk
   * first (and streams the two together). A read may then not yet see the run's newest events (the call itself).
   * False unless a tool says so.
   */
  default boolean readOnly() {
    return false;
  }

  /** Runs the call with the parsed arguments object. */
  ToolResult call(ToolContext context, JsonNode arguments) throws InterruptedException;
}
