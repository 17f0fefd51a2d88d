package dev.clincher.cache.embedding;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

/**
 * The all-MiniLM-L6-v2 sentence model (384 dimensions), run in-process by ONNX Runtime; the model file ships inside
 * the langchain4j artifact, so nothing is downloaded at run time. Loading takes about a second and 90 MB:
 * {@link #loadedOnFirstUse()} defers that to the first {@link #embed} for callers that may never embed.
 */
public final class OnnxEmbedder implements Embedder {
  private volatile AllMiniLmL6V2EmbeddingModel model;

  /** Loads the model now. */
  public OnnxEmbedder() {
    model();
  }

  private OnnxEmbedder(boolean loadNow) {
    if (loadNow) {
      model();
    }
  }

  /** An embedder that loads the model on its first {@link #embed}. */
  public static OnnxEmbedder loadedOnFirstUse() {
    return new OnnxEmbedder(false);
  }

  private AllMiniLmL6V2EmbeddingModel model() {
    AllMiniLmL6V2EmbeddingModel loaded = model;
    if (loaded == null) {
      synchronized (this) {
        if (model == null) {
          model = new AllMiniLmL6V2EmbeddingModel();
        }
        loaded = model;
      }
    }
    return loaded;
  }

  @Override
  public float[] embed(String text) {
    float[] vector = model().embed(text).content().vector();
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
