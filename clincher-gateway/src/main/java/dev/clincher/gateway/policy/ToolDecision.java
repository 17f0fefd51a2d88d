package dev.clincher.gateway.policy;

/**
 * Whether a tool call (or offering a tool to the model) is allowed, and which rule of which layer decided. The lead
 * emits a {@code tool_denied} event, logs and counts a denial with {@link #verdict()} as the reason label.
 * {@link #toString()} is log-safe: the requested name (model output) is cut and escaped.
 *
 * @param requested the name the model asked for, made log-safe (at most 64 characters, non-printables escaped)
 * @param tool the normalised tool name, or empty when the name is invalid
 * @param verdict allowed, or why not
 * @param layer the layer that decided: {@code gateway}, {@code agent}, or {@code registry} for unknown tools
 * @param rule the entry that decided, e.g. {@code group:runtime}, {@code *}; empty when no entry applies
 */
public record ToolDecision(String requested, String tool, Verdict verdict, String layer, String rule) {

  /** Allowed, or why not. */
  public enum Verdict {
    ALLOWED,
    /** The gateway-wide deny list covers the tool; no agent config can change that. */
    DENIED_BY_GATEWAY,
    /** The agent's deny list covers the tool. */
    DENIED_BY_AGENT,
    /** No entry of the agent's allow list covers the tool. */
    NOT_IN_AGENT_ALLOW,
    /** Not exactly the name of a registered tool (after lower-casing ASCII letters). */
    UNKNOWN_TOOL
  }

  public boolean allowed() {
    return verdict == Verdict.ALLOWED;
  }

  /** What the model reads when its call is refused. */
  public String modelMessage() {
    return switch (verdict) {
      case ALLOWED -> "";
      case UNKNOWN_TOOL -> "unknown tool \"" + requested + "\"; call only the tools you were given";
      default -> "tool \"" + tool + "\" is not allowed by the policy of this agent";
    };
  }
}
