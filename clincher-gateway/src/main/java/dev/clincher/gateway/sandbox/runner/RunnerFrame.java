package dev.clincher.gateway.sandbox.runner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One frame of the command runner's protocol: a 9-byte header ({@code [type u8][id u32][length u32]}, big-endian)
 * and {@code length} payload bytes. The frame types and payloads are described in
 * {@code deploy/images/sandbox/runner/clincher-runner.c}, the runner's source.
 *
 * <p>{@link #read} parses what the runner sends, strictly: the runner lives in the sandbox, which is untrusted and may
 * write anything to its stdout. Only the runner's frame types are accepted, each with its own payload limit, and the
 * payload is read only after its length has been checked, so a lying length costs no memory.
 */
record RunnerFrame(byte type, int id, byte[] payload) {
  static final byte HELLO = 'H';
  static final byte RUN = 'R';
  static final byte KILL = 'K';
  static final byte STARTED = 'S';
  static final byte STDOUT = 'O';
  static final byte STDERR = 'E';
  static final byte EXITED = 'X';
  static final byte FAILED = 'F';
  /** Written by the sandbox's init shell when the runner is missing or has exited. */
  static final byte GONE = 'G';

  static final String VERSION = "clincher-runner 1";
  static final int HEADER = 9;
  /** The runner sends output in chunks of at most 32 KiB; twice that is allowed. */
  static final int MAX_OUTPUT_CHUNK = 64 * 1024;
  static final int MAX_MESSAGE = 1024;
  /** The largest run request the runner accepts (argv, working directory and stdin together). */
  static final int MAX_REQUEST = 32 * 1024 * 1024;

  /** Reads the next frame from the runner; {@code null} at a clean end of the stream (between frames). */
  static RunnerFrame read(InputStream in) throws IOException {
    byte[] header = new byte[HEADER];
    int got = in.readNBytes(header, 0, HEADER);
    if (got == 0) {
      return null;
    }
    if (got < HEADER) {
      throw new RunnerProtocolException("the runner's stream ended inside a frame header");
    }
    ByteBuffer fields = ByteBuffer.wrap(header);
    byte type = fields.get();
    int id = fields.getInt();
    long length = Integer.toUnsignedLong(fields.getInt());
    long limit = switch (type) {
      case HELLO -> VERSION.length();
      case STARTED, GONE -> 0;
      case STDOUT, STDERR -> MAX_OUTPUT_CHUNK;
      case EXITED -> 4;
      case FAILED -> MAX_MESSAGE;
      default -> throw new RunnerProtocolException("unknown frame type " + (type & 0xff) + " from the runner");
    };
    if (length > limit || (type == EXITED && length != 4)) {
      throw new RunnerProtocolException("frame of type '" + (char) type + "' with " + length
          + " bytes (at most " + limit + ") from the runner");
    }
    byte[] payload = in.readNBytes((int) length);
    if (payload.length < length) {
      throw new RunnerProtocolException("the runner's stream ended inside a frame");
    }
    return new RunnerFrame(type, id, payload);
  }

  /** The payload as text (hello and failure messages), for logs and errors: printable characters only. */
  String text() {
    return new String(payload, StandardCharsets.UTF_8).replaceAll("[^\\p{Print}]", "?");
  }

  /** The exit code of an {@link #EXITED} frame. */
  int exitCode() {
    return ByteBuffer.wrap(payload).getInt();
  }

  static byte[] hello() {
    return encode(HELLO, 0, new byte[0]);
  }

  static byte[] kill(int id) {
    return encode(KILL, id, new byte[0]);
  }

  /**
   * A run request: argv, working directory, stdin ({@code null}: none, the command reads /dev/null). Throws
   * {@link IllegalArgumentException} when it is larger than the runner accepts or an argument holds a NUL byte.
   */
  static byte[] run(int id, List<String> argv, String workdir, byte[] stdin) {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    writeInt(payload, argv.size());
    for (String arg : argv) {
      writeString(payload, text(arg));
    }
    writeString(payload, text(workdir));
    payload.write(stdin == null ? 0 : 1);
    writeString(payload, stdin == null ? new byte[0] : stdin);
    if (payload.size() > MAX_REQUEST) {
      throw new IllegalArgumentException("the command and its stdin exceed the runner's " + MAX_REQUEST + " bytes");
    }
    return encode(RUN, id, payload.toByteArray());
  }

  private static byte[] text(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an argument or the working directory holds a NUL byte");
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] encode(byte type, int id, byte[] payload) {
    return ByteBuffer.allocate(HEADER + payload.length).put(type).putInt(id).putInt(payload.length).put(payload)
        .array();
  }

  private static void writeString(ByteArrayOutputStream out, byte[] bytes) {
    writeInt(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
  }
}
