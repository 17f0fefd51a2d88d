package dev.clincher.gateway.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Stores a vector as little-endian IEEE-754 floats: 4 bytes a dimension, nothing else. */
final class VectorCodec {
  private VectorCodec() {}

  static byte[] encode(float[] vector) {
    ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(vector);
    return buffer.array();
  }

  static float[] decode(byte[] bytes) {
    float[] vector = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
    return vector;
  }
}
