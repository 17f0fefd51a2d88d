package dev.clincher.gateway.tools.fs;

import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.tools.ToolArguments.BadArgumentException;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.WorkspacePath;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Reading and writing whole or partial files in the sandbox. Paths go as argv to fixed scripts; file contents go
 * through stdin and stdout, never the command line, so any size up to the caps and any bytes round-trip exactly.
 */
final class FileBytes {
  private static final String READ = "[ -e \"$1\" ] || { echo 'no such file' >&2; exit 2; }; "
      + "[ -f \"$1\" ] || { echo 'not a regular file (use list for directories)' >&2; exit 3; }; "
      + "wc -c < \"$1\" && tail -c +\"$2\" < \"$1\" | head -c \"$3\"";
  private static final String WRITE = "mkdir -p -- \"$1\" && cat > \"$2\" && wc -c < \"$2\"";

  /** A slice of a file: the bytes read and the file's full size. */
  record Slice(byte[] bytes, long size, long offset) {
    boolean complete() {
      return offset + bytes.length >= size;
    }
  }

  private FileBytes() {}

  /** Reads at most {@code limit} bytes from {@code offset}. */
  static Slice read(ToolContext context, String path, long offset, int limit, Duration timeout)
      throws SandboxException, InterruptedException, BadArgumentException {
    ExecResult result = context.sandbox().exec(List.of("sh", "-c", READ, "sh", path, Long.toString(offset + 1),
        Integer.toString(limit)), null, timeout, limit + 32);
    if (result.timedOut()) {
      throw new BadArgumentException("reading " + path + " timed out");
    }
    if (result.exitCode() != 0) {
      throw new BadArgumentException(path + ": " + result.stderrText());
    }
    byte[] out = result.stdout();
    int newline = indexOf(out, (byte) '\n');
    if (newline < 0) {
      throw new SandboxException("unexpected output while reading " + path);
    }
    long size = Long.parseLong(new String(out, 0, newline, StandardCharsets.US_ASCII).trim());
    return new Slice(Arrays.copyOfRange(out, newline + 1, out.length), size, offset);
  }

  /** Writes exactly {@code bytes} to the file (creating parent directories); returns the size written. */
  static long write(ToolContext context, String path, byte[] bytes, Duration timeout)
      throws SandboxException, InterruptedException, BadArgumentException {
    ExecResult result = context.sandbox().exec(List.of("sh", "-c", WRITE, "sh", WorkspacePath.parent(path), path),
        bytes, timeout, 4096);
    if (result.timedOut()) {
      throw new BadArgumentException("writing " + path + " timed out");
    }
    if (result.exitCode() != 0) {
      throw new BadArgumentException(path + ": " + result.stderrText());
    }
    long written = Long.parseLong(new String(result.stdout(), StandardCharsets.US_ASCII).trim());
    if (written != bytes.length) {
      throw new SandboxException("wrote " + written + " of " + bytes.length + " bytes to " + path);
    }
    return written;
  }

  /**
   * The bytes as UTF-8 text, or null when they are binary (a NUL byte, or invalid UTF-8). A slice cut in the middle
   * of a character loses that partial character only.
   */
  static String text(byte[] bytes, boolean cut) {
    if (indexOf(bytes, (byte) 0) >= 0) {
      return null;
    }
    for (int drop = 0; drop <= (cut ? 3 : 0) && drop <= bytes.length; drop++) {
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes, 0, bytes.length - drop)).toString();
      } catch (CharacterCodingException e) {
        // try without the last byte of a cut character
      }
    }
    return null;
  }

  private static int indexOf(byte[] bytes, byte value) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == value) {
        return i;
      }
    }
    return -1;
  }
}
