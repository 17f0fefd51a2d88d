package dev.clincher.cache.embedding;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

/**
 * The all-MiniLM-L6-v2 sentence model (384 dimensions), run in-process by ONNX Runtime; the model file ships inside
 * the langchain4j artifact, so nothing is downloaded at run time.
 */
public final class OnnxEmbedder implements Embedder {

  private final AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();

  @Override
  public float[] embed(String text) {
    float[] vector = model.embed(text).content().vector();
    return Vectors.normalised(vector);
  }

  @Override
  public int dimensions() {
    return 384;
  }

  @Override
  public String modelName() {
    return "all-minilm-l6-v2";
  }
}
