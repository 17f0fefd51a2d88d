package dev.clincher.gateway.sandbox;

/** A sandbox could not be created or reached, or Docker refused a call; the message is safe to show the model. */
public class SandboxException extends Exception {

  public SandboxException(String message) {
    super(message);
  }

  public SandboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
