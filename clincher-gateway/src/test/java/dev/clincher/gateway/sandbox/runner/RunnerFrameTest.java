package dev.clincher.gateway.sandbox.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The gateway's parser of what the (untrusted) runner sends: strict, and bounded whatever the bytes say. */
class RunnerFrameTest {
  private static byte[] frame(char type, int id, long length, byte[] payload) {
    return ByteBuffer.allocate(9 + payload.length).put((byte) type).putInt(id).putInt((int) length).put(payload)
        .array();
  }

  private static RunnerFrame read(byte[] bytes) throws IOException {
    return RunnerFrame.read(new ByteArrayInputStream(bytes));
  }

  @Test
  void readsEachFrameTheRunnerSends() throws Exception {
    assertThat(read(frame('H', 0, 17, RunnerFrame.VERSION.getBytes())).text()).isEqualTo(RunnerFrame.VERSION);
    assertThat(read(frame('O', 7, 3, "abc".getBytes())).payload()).containsExactly('a', 'b', 'c');
    assertThat(read(frame('X', 7, 4, new byte[] {0, 0, 0, 42})).exitCode()).isEqualTo(42);
    assertThat(read(frame('S', 9, 0, new byte[0])).id()).isEqualTo(9);
    assertThat(read(new byte[0])).isNull();
  }

  @Test
  void refusesUnknownTypesLyingLengthsAndTruncation() {
    assertThatThrownBy(() -> read(frame('Z', 1, 0, new byte[0]))).isInstanceOf(RunnerProtocolException.class)
        .hasMessageContaining("unknown frame type 90");
    assertThatThrownBy(() -> read(frame('R', 1, 0, new byte[0]))).as("a request type coming back")
        .isInstanceOf(RunnerProtocolException.class);
    assertThatThrownBy(() -> read(frame('O', 1, 0xffffffffL, new byte[0]))).isInstanceOf(RunnerProtocolException.class)
        .hasMessageContaining("4294967295 bytes");
    assertThatThrownBy(() -> read(frame('O', 1, 65537, new byte[0]))).isInstanceOf(RunnerProtocolException.class);
    assertThatThrownBy(() -> read(frame('S', 1, 1, new byte[1]))).isInstanceOf(RunnerProtocolException.class);
    assertThatThrownBy(() -> read(frame('X', 1, 3, new byte[3]))).isInstanceOf(RunnerProtocolException.class);
    assertThatThrownBy(() -> read(frame('F', 1, 2000, new byte[2000]))).isInstanceOf(RunnerProtocolException.class);
    assertThatThrownBy(() -> read(frame('O', 1, 10, new byte[4]))).isInstanceOf(RunnerProtocolException.class)
        .hasMessageContaining("ended inside a frame");
    assertThatThrownBy(() -> read(new byte[] {'O', 0, 0})).isInstanceOf(RunnerProtocolException.class)
        .hasMessageContaining("frame header");
  }

  @Test
  void aLyingLengthAllocatesNothingBeforeItIsChecked() {
    InputStream endless = new InputStream() {
      private final byte[] header = frame('E', 1, 0x7fffffff, new byte[0]);
      private int at;

      @Override
      public int read() {
        return at < header.length ? header[at++] & 0xff : 0;
      }
    };
    assertThatThrownBy(() -> RunnerFrame.read(endless)).isInstanceOf(RunnerProtocolException.class);
  }

  /** Random bytes and mutated valid streams: only a frame, a clean end or a protocol error ever comes out. */
  @Test
  void fuzzedInputEndsInAFrameOrAProtocolError() throws Exception {
    Random random = new Random(19);
    byte[] valid = ByteBuffer.allocate(64).put(frame('O', 1, 3, "abc".getBytes()))
        .put(frame('X', 1, 4, new byte[4])).put(frame('S', 2, 0, new byte[0])).array();
    for (int round = 0; round < 20_000; round++) {
      byte[] input;
      if (round % 2 == 0) {
        input = new byte[random.nextInt(40)];
        random.nextBytes(input);
      } else {
        input = valid.clone();
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
          input[random.nextInt(input.length)] = (byte) random.nextInt(256);
        }
      }
      InputStream in = new ByteArrayInputStream(input);
      try {
        RunnerFrame frame;
        int frames = 0;
        while ((frame = RunnerFrame.read(in)) != null) {
          assertThat(frame.payload().length).isLessThanOrEqualTo(RunnerFrame.MAX_OUTPUT_CHUNK);
          assertThat(++frames).isLessThanOrEqualTo(input.length / RunnerFrame.HEADER);
        }
      } catch (RunnerProtocolException expected) {
        assertThat(expected.rule()).isEqualTo("runner_protocol");
      }
    }
  }

  @Test
  void runRequestsAreBoundedAndRefuseNulBytes() {
    byte[] request = RunnerFrame.run(5, List.of("sh", "-c", "echo"), "/workspace", null);
    assertThat(request[0]).isEqualTo((byte) 'R');
    assertThat(ByteBuffer.wrap(request).getInt(1)).isEqualTo(5);
    assertThat(ByteBuffer.wrap(request).getInt(5)).isEqualTo(request.length - 9);
    assertThatThrownBy(() -> RunnerFrame.run(1, List.of("a\0b"), "/", null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RunnerFrame.run(1, List.of("cat"), "/", new byte[RunnerFrame.MAX_REQUEST]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceed");
  }
}
