package dev.clincher.gateway.llm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a server-sent-event stream, read from its UTF-8 bytes: a line ends at {@code \n} (a {@code \r} before
 * it is dropped), which never occurs inside a multi-byte UTF-8 character, so each line is decoded whole. Reads the
 * stream in blocks, not byte by byte. Bounded: a line longer than {@code maxLineBytes} is an error, not a reason to
 * grow without end.
 */
final class SseLines {
  private static final int BLOCK = 16 * 1024;

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] block = new byte[BLOCK];
  private int position;
  private int limit;
  private byte[] line = new byte[256];
  private int lineLength;

  SseLines(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** The next line without its end, or null at the end of the stream (a last line without {@code \n} is returned). */
  String next() throws IOException {
    lineLength = 0;
    while (true) {
      if (position == limit && !fill()) {
        return lineLength == 0 ? null : decodedLine();
      }
      int start = position;
      while (position < limit && block[position] != '\n') {
        position++;
      }
      append(start, position - start);
      if (position < limit) { // at '\n'
        position++;
        return decodedLine();
      }
    }
  }

  private boolean fill() throws IOException {
    int read = in.read(block, 0, block.length);
    if (read <= 0) {
      return false;
    }
    position = 0;
    limit = read;
    return true;
  }

  private void append(int from, int count) throws IOException {
    if (lineLength + count > maxLineBytes) {
      throw new IOException("SSE line longer than " + maxLineBytes + " bytes");
    }
    if (lineLength + count > line.length) {
      line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, lineLength + count)));
    }
    System.arraycopy(block, from, line, lineLength, count);
    lineLength += count;
  }

  private String decodedLine() {
    int end = lineLength;
    if (end > 0 && line[end - 1] == '\r') {
      end--;
    }
    return new String(line, 0, end, StandardCharsets.UTF_8);
  }
}
