package dev.clincher.gateway.sandbox.runner;

/** The runner's side of the stream broke the protocol (the sandbox sent garbage, or lied about a length). */
final class RunnerProtocolException extends RunnerException {
  RunnerProtocolException(String message) {
    super("runner_protocol", message);
  }
}
