package dev.clincher.cache.embedding;

/**
 * Turns text into a unit-length vector, so that the dot product of two vectors is their cosine similarity.
 * Implementations are thread-safe.
 */
public interface Embedder {

  /** The vector of {@code text}, normalised to length 1. */
  float[] embed(String text);

  /** The length of every vector this embedder returns. */
  int dimensions();

  /** A name for logs and metrics, e.g. {@code all-minilm-l6-v2}. */
  String modelName();
}
