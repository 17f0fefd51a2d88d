package dev.clincher.gateway.llm;

/**
 * A function call the model asked for.
 *
 * @param id the call's id, echoed in the tool result message
 * @param name the tool name exactly as the model wrote it (policy normalises and checks it)
 * @param arguments the arguments as the model wrote them: a JSON object in text, possibly malformed
 */
public record ToolCall(String id, String name, String arguments) {}
