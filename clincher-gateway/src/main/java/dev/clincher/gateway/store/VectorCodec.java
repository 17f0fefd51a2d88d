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

  /** The number of dimensions of an encoded vector. */
  static int dimensions(byte[] encoded) {
    return encoded.length / Float.BYTES;
  }

  /** The dot product of {@code query} and an encoded vector of the same length, without decoding it first. */
  static float dot(float[] query, byte[] encoded) {
    ByteBuffer buffer = ByteBuffer.wrap(encoded).order(ByteOrder.LITTLE_ENDIAN);
    float sum = 0;
    for (int i = 0; i < query.length; i++) {
      sum += query[i] * buffer.getFloat(i * Float.BYTES);
    }
    return sum;
  }
}
