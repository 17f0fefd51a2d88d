package dev.clincher.gateway.events;

/** The event types a run writes to the transcript and streams to clients. */
public final class EventTypes {
  public static final String USER_MESSAGE = "user_message";
  public static final String ASSISTANT_DELTA = "assistant_delta";
  public static final String ASSISTANT_MESSAGE = "assistant_message";
  public static final String TOOL_CALL = "tool_call";
  public static final String TOOL_RESULT = "tool_result";
  public static final String TOOL_DENIED = "tool_denied";
  public static final String SUMMARY = "summary";
  public static final String ERROR = "error";
  public static final String DONE = "done";
  public static final String RUN_INTERRUPTED = "run_interrupted";

  private EventTypes() {}
}
