package dev.clincher.cache.embedding;

import org.apache.lucene.util.VectorUtil;

/** Small vector helpers shared by embedders and indexes. */
public final class Vectors {

  private Vectors() {}

  /** A copy of {@code vector} scaled to length 1 (a zero vector stays zero). */
  public static float[] normalised(float[] vector) {
    double sum = 0;
    for (float value : vector) {
      sum += value * value;
    }
    float[] copy = vector.clone();
    if (sum == 0) {
      return copy;
    }
    float scale = (float) (1.0 / Math.sqrt(sum));
    for (int i = 0; i < copy.length; i++) {
      copy[i] *= scale;
    }
    return copy;
  }

  /**
   * The dot product; for unit vectors, their cosine similarity. Lucene's {@link VectorUtil} computes it with SIMD
   * instructions when the JVM runs with {@code --add-modules jdk.incubator.vector}, else with a plain loop.
   */
  public static float dot(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vectors of length " + a.length + " and " + b.length);
    }
    return VectorUtil.dotProduct(a, b);
  }
}
