package dev.clincher.cache.embedding;

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

  /** The dot product; for unit vectors, their cosine similarity. */
  public static float dot(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("vectors of length " + a.length + " and " + b.length);
    }
    float sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
