package dev.clincher.gateway.tools.fs;

import java.time.Duration;

/** Base of the file tools: each has a byte cap per call and a timeout for its sandbox command. */
abstract class FileTool extends SandboxTool {
  protected final int maxBytes;
  protected final Duration timeout;

  FileTool(int maxBytes, Duration timeout) {
    if (maxBytes <= 0 || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("maxBytes and timeout must be positive");
    }
    this.maxBytes = maxBytes;
    this.timeout = timeout;
  }
}
