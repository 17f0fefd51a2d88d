package dev.clincher.gateway.tools;

import dev.clincher.gateway.sandbox.Sandbox;
import java.util.ArrayList;
import java.util.List;

/**
 * A path the model named, resolved inside {@code /workspace}: relative paths are taken from the workspace, absolute
 * ones must lie in it, and {@code ..} segments, control characters and over-long paths are refused with an error the
 * model can act on. This is defence in depth and clearer errors; the container is the real boundary (a symlink in
 * the workspace may still point elsewhere inside the sandbox, which is harmless). The result always starts with
 * {@code /workspace}, so it can never be mistaken for an option when passed as an argument.
 */
public final class WorkspacePath {
  public static final String ROOT = Sandbox.WORKSPACE;
  private static final int MAX_LENGTH = 4096;

  private WorkspacePath() {}

  /** The absolute path inside the workspace. */
  public static String resolve(String path) throws InvalidPathException {
    if (path == null || path.isBlank()) {
      throw new InvalidPathException("the path is empty");
    }
    if (path.length() > MAX_LENGTH) {
      throw new InvalidPathException("the path is longer than " + MAX_LENGTH + " characters");
    }
    if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new InvalidPathException("the path contains control characters");
    }
    String relative;
    if (path.startsWith("/")) {
      if (!path.equals(ROOT) && !path.startsWith(ROOT + "/")) {
        throw new InvalidPathException("'" + path + "' is outside the workspace; use a path relative to " + ROOT);
      }
      relative = path.substring(ROOT.length());
    } else {
      relative = path;
    }
    List<String> segments = new ArrayList<>();
    for (String segment : relative.split("/")) {
      if (segment.equals("..")) {
        throw new InvalidPathException("'..' is not allowed in paths; name the file relative to " + ROOT);
      }
      if (!segment.isEmpty() && !segment.equals(".")) {
        segments.add(segment);
      }
    }
    return segments.isEmpty() ? ROOT : ROOT + "/" + String.join("/", segments);
  }

  /** The parent directory of a resolved path (the workspace for its direct children). */
  public static String parent(String resolved) {
    int slash = resolved.lastIndexOf('/');
    return slash <= ROOT.length() ? ROOT : resolved.substring(0, slash);
  }

  /** The path is not acceptable; the message says why, for the model. */
  public static final class InvalidPathException extends Exception {
    public InvalidPathException(String message) {
      super(message);
    }
  }
}
