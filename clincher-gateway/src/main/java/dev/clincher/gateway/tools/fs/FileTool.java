package dev.clincher.gateway.tools.fs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.tools.SandboxTool;
import java.time.Duration;

/** Base of the file tools (policy group {@code group:fs}): each has a byte cap per call and a sandbox timeout. */
abstract class FileTool extends SandboxTool {
  protected final int maxBytes;
  protected final Duration timeout;

  FileTool(String name, String description, JsonNode parameters, int maxBytes, Duration timeout) {
    super(name, description, "group:fs", parameters);
    if (maxBytes <= 0 || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("maxBytes and timeout must be positive");
    }
    this.maxBytes = maxBytes;
    this.timeout = timeout;
  }
}
