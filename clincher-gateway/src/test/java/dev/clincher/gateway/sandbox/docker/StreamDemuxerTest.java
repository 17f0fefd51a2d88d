package dev.clincher.gateway.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.gateway.sandbox.docker.StreamDemuxer.MalformedStreamException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The multiplexed-stream parser on well-formed, hostile and random input. */
class StreamDemuxerTest {

  static byte[] frame(int type, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(type);
    out.write(0);
    out.write(0);
    out.write(0);
    out.write(payload.length >>> 24);
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static StreamDemuxer.Output read(int cap, byte[] stream) throws IOException {
    return new StreamDemuxer(cap).readAll(new ByteArrayInputStream(stream));
  }

  @Test
  void splitsStdoutAndStderrInOrder() throws Exception {
    StreamDemuxer.Output output = read(100, concat(frame(1, "a".getBytes()), frame(2, "E".getBytes()),
        frame(1, "bc".getBytes()), frame(3, "!".getBytes()), frame(1, new byte[0])));
    assertThat(new String(output.stdout())).isEqualTo("abc");
    assertThat(new String(output.stderr())).isEqualTo("E!");
    assertThat(output.droppedBytes()).isZero();
  }

  @Test
  void emptyStreamIsEmptyOutput() throws Exception {
    StreamDemuxer.Output output = read(10, new byte[0]);
    assertThat(output.stdout()).isEmpty();
    assertThat(output.stderr()).isEmpty();
  }

  @Test
  void capsEachStreamAndCountsTheRest() throws Exception {
    StreamDemuxer.Output output = read(5, concat(frame(1, "0123".getBytes()), frame(1, "4567".getBytes()),
        frame(2, "abcdefg".getBytes())));
    assertThat(new String(output.stdout())).isEqualTo("01234");
    assertThat(new String(output.stderr())).isEqualTo("abcde");
    assertThat(output.droppedBytes()).isEqualTo(3 + 2);
  }

  @Test
  void hostileHeadersAreRefusedWithoutAllocating() {
    byte[] huge = {1, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertThatThrownBy(() -> read(10, huge)).isInstanceOf(MalformedStreamException.class)
        .hasMessageContaining("exceeds");
    assertThatThrownBy(() -> read(10, new byte[] {1, 0, 1, 0, 0, 0, 0, 1, 'x'}))
        .isInstanceOf(MalformedStreamException.class).hasMessageContaining("padding");
    assertThatThrownBy(() -> read(10, frame(0, "x".getBytes()))).isInstanceOf(MalformedStreamException.class);
    assertThatThrownBy(() -> read(10, frame(4, "x".getBytes()))).isInstanceOf(MalformedStreamException.class);
    assertThatThrownBy(() -> read(10, frame(-1, "x".getBytes()))).isInstanceOf(MalformedStreamException.class);
    assertThatThrownBy(() -> read(10, new byte[] {1, 0, 0})).isInstanceOf(MalformedStreamException.class)
        .hasMessageContaining("header");
    byte[] cut = frame(1, "hello".getBytes());
    assertThatThrownBy(() -> read(10, Arrays.copyOf(cut, cut.length - 1)))
        .isInstanceOf(MalformedStreamException.class).hasMessageContaining("inside a frame");
  }

  @Test
  void outputBeforeAMalformedFrameStaysAvailable() throws Exception {
    StreamDemuxer demuxer = new StreamDemuxer(100);
    byte[] stream = concat(frame(1, "kept".getBytes()), new byte[] {9, 9});
    assertThatThrownBy(() -> demuxer.readAll(new ByteArrayInputStream(stream)))
        .isInstanceOf(MalformedStreamException.class);
    assertThat(new String(demuxer.output().stdout())).isEqualTo("kept");
  }

  @Test
  void aFrameAtTheSizeLimitPassesAndOneByteMoreDoesNot() throws Exception {
    byte[] max = new byte[StreamDemuxer.MAX_FRAME];
    assertThat(read(10, frame(1, max)).droppedBytes()).isEqualTo(StreamDemuxer.MAX_FRAME - 10);
    byte[] header = Arrays.copyOf(frame(1, new byte[0]), 8);
    int over = StreamDemuxer.MAX_FRAME + 1;
    header[4] = (byte) (over >>> 24);
    header[5] = (byte) (over >>> 16);
    header[6] = (byte) (over >>> 8);
    header[7] = (byte) over;
    assertThatThrownBy(() -> read(10, header)).isInstanceOf(MalformedStreamException.class);
  }

  /** Random well-formed streams read back exactly (up to the cap) however the bytes are split across reads. */
  @Test
  void fuzzWellFormedStreamsInTrickleReads() throws Exception {
    Random random = new Random(42);
    for (int round = 0; round < 300; round++) {
      int cap = 1 + random.nextInt(200);
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      ByteArrayOutputStream stderr = new ByteArrayOutputStream();
      for (int frames = random.nextInt(20); frames > 0; frames--) {
        byte[] payload = new byte[random.nextInt(150)];
        random.nextBytes(payload);
        int type = 1 + random.nextInt(2);
        stream.writeBytes(frame(type, payload));
        (type == 1 ? stdout : stderr).writeBytes(payload);
      }
      StreamDemuxer.Output output = new StreamDemuxer(cap).readAll(trickle(stream.toByteArray(), random));
      byte[] out = stdout.toByteArray();
      byte[] err = stderr.toByteArray();
      assertThat(output.stdout()).isEqualTo(Arrays.copyOf(out, Math.min(cap, out.length)));
      assertThat(output.stderr()).isEqualTo(Arrays.copyOf(err, Math.min(cap, err.length)));
      assertThat(output.droppedBytes()).isEqualTo(Math.max(0, out.length - cap) + Math.max(0, err.length - cap));
    }
  }

  /** Random bytes (and mutated valid streams) only ever end normally or with MalformedStreamException, bounded. */
  @Test
  void fuzzRandomAndMutatedBytes() throws Exception {
    Random random = new Random(7);
    for (int round = 0; round < 3000; round++) {
      byte[] bytes;
      if (round % 2 == 0) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        byte[] payload = new byte[random.nextInt(40)];
        random.nextBytes(payload);
        bytes = concat(frame(1, payload), frame(2, payload));
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      int cap = 1 + random.nextInt(16);
      StreamDemuxer demuxer = new StreamDemuxer(cap);
      try {
        demuxer.readAll(trickle(bytes, random));
      } catch (MalformedStreamException expected) {
        // the only failure allowed
      }
      StreamDemuxer.Output output = demuxer.output();
      assertThat(output.stdout().length).isLessThanOrEqualTo(cap);
      assertThat(output.stderr().length).isLessThanOrEqualTo(cap);
      assertThat(output.stdout().length + output.stderr().length + output.droppedBytes())
          .isLessThanOrEqualTo(bytes.length);
    }
  }

  /** Delivers the bytes a few at a time, as a slow network would. */
  private static InputStream trickle(byte[] bytes, Random random) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] buffer, int offset, int length) {
        return super.read(buffer, offset, Math.min(length, 1 + random.nextInt(7)));
      }
    };
  }
}
