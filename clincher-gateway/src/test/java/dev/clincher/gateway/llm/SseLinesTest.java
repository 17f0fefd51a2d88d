package dev.clincher.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SseLinesTest {

  @Test
  void splitsOnNewlineDropsCarriageReturnsAndKeepsALastLineWithoutNewline() throws IOException {
    assertThat(lines("data: a\r\n\r\ndata: b\n\nlast", 1024, 3)).containsExactly("data: a", "", "data: b", "", "last");
    assertThat(lines("", 1024, 16)).isEmpty();
    assertThat(lines("\n", 1024, 16)).containsExactly("");
  }

  @Test
  void aMultiByteCharacterSplitAcrossReadsIsDecodedWhole() throws IOException {
    String text = "data: {\"content\":\"żółw 🐢 ü\"}\n";
    for (int chunk = 1; chunk <= 8; chunk++) {
      assertThat(lines(text, 1024, chunk)).containsExactly("data: {\"content\":\"żółw 🐢 ü\"}");
    }
  }

  @Test
  void aLineOverTheBoundIsRefusedNotBuffered() {
    String longLine = "data: " + "x".repeat(5_000) + "\n";
    assertThatThrownBy(() -> lines(longLine, 4_096, 1_000)).isInstanceOf(IOException.class)
        .hasMessageContaining("longer than 4096 bytes");
  }

  @Test
  void aLineExactlyAtTheBoundIsAccepted() throws IOException {
    String line = "y".repeat(4_096);
    assertThat(lines(line + "\r\n", 4_097, 100)).containsExactly(line);
  }

  @Test
  void agreesWithSplittingTheWholeTextOnRandomInput() throws IOException {
    Random random = new Random(19);
    String alphabet = "ab\n\r:é€😀 ";
    for (int round = 0; round < 2_000; round++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(200);
      for (int i = 0; i < length; i++) {
        text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
            random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      assertThat(lines(text.toString(), 1 << 20, 1 + random.nextInt(7))).as("input %s", text)
          .isEqualTo(reference(text.toString()));
    }
  }

  /** The lines as splitting the whole text gives them: on '\n', one '\r' before it dropped, no empty last line. */
  private static List<String> reference(String text) {
    List<String> result = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        result.add(withoutCarriageReturn(text.substring(start, i)));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      result.add(withoutCarriageReturn(text.substring(start)));
    }
    return result;
  }

  private static String withoutCarriageReturn(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private static List<String> lines(String text, int maxLineBytes, int bytesPerRead) throws IOException {
    SseLines lines = new SseLines(new TrickleStream(text.getBytes(StandardCharsets.UTF_8), bytesPerRead),
        maxLineBytes);
    List<String> result = new ArrayList<>();
    String line;
    while ((line = lines.next()) != null) {
      result.add(line);
    }
    return result;
  }

  /** Gives at most {@code perRead} bytes per read, as a network stream may. */
  private static final class TrickleStream extends InputStream {
    private final ByteArrayInputStream bytes;
    private final int perRead;

    TrickleStream(byte[] data, int perRead) {
      this.bytes = new ByteArrayInputStream(data);
      this.perRead = perRead;
    }

    @Override
    public int read() {
      return bytes.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return bytes.read(b, off, Math.min(len, perRead));
    }
  }
}
