package dev.clincher.cache.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The verification stage's learned model as shipped in {@value #RESOURCE}: a {@link LogisticModel} over
 * {@link PairFeatures}, the verification threshold (the least probability of an accepted candidate) and what
 * cross-validation measured. {@code VerificationTraining} ({@code bench/cache/run --verification}) writes it.
 *
 * @param embeddingModel the model whose cosine the weights were trained on (other models' cosines do not fit)
 * @param model          the weights
 * @param threshold      least probability of an accepted candidate (the default: chosen by cross-validation)
 * @param heldOut        what cross-validation measured
 */
public record VerificationModel(String embeddingModel, LogisticModel model, double threshold, HeldOut heldOut) {
  /** The shipped model's class-path resource. */
  public static final String RESOURCE = "/dev/clincher/cache/verify/verification-model.json";
  /** The precision the default threshold must reach on held-out folds (a wrong answer is worse than a miss). */
  public static final double TARGET_PRECISION = 0.95;
  /** The recall of true duplicates the default threshold should keep (issue 18's target). */
  public static final double TARGET_RECALL = 0.30;
  /** Least cosine similarity of a candidate: the nearest neighbour below it is never verified, never served. */
  public static final float CANDIDATE_SIMILARITY = 0.80f;

  /**
   * How the setting did on pairs its models never saw.
   *
   * @param data      the training file's name and SHA-256
   * @param pairs     labelled pairs
   * @param folds     cross-validation folds
   * @param seed      the folds' shuffle seed
   * @param curve     pooled held-out precision and recall per threshold, ascending
   */
  public record HeldOut(String data, int pairs, int folds, long seed, List<PrecisionRecall> curve) {

    public HeldOut {
      curve = List.copyOf(curve);
    }

    /** The row of the highest threshold of the curve at or below {@code threshold}, if any. */
    public Optional<PrecisionRecall> at(double threshold) {
      Optional<PrecisionRecall> row = Optional.empty();
      for (PrecisionRecall candidate : curve) {
        if (candidate.threshold() <= threshold + 1e-9) {
          row = Optional.of(candidate);
        }
      }
      return row;
    }
  }

  public VerificationModel {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("the verification threshold must be in [0, 1]");
    }
  }

  /** This model with another verification threshold. */
  public VerificationModel withThreshold(double other) {
    return new VerificationModel(embeddingModel, model, other, heldOut);
  }

  /** The probability that {@code features} describe the same question asked twice. */
  public double probability(PairFeatures features) {
    return model.probability(features.values());
  }

  /** The shipped model. */
  public static VerificationModel shipped() {
    try (InputStream in = VerificationModel.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      return fromJson(new ObjectMapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The model described by {@code json} (the format {@link #toJson} writes). */
  public static VerificationModel fromJson(JsonNode json) {
    List<String> names = new ArrayList<>();
    json.path("features").forEach(name -> names.add(name.asText()));
    if (!names.equals(PairFeatures.NAMES)) {
      throw new IllegalArgumentException("model features " + names + " are not " + PairFeatures.NAMES);
    }
    JsonNode held = json.path("held_out");
    List<PrecisionRecall> curve = new ArrayList<>();
    for (JsonNode row : held.path("curve")) {
      curve.add(new PrecisionRecall(row.path("threshold").asDouble(), row.path("accepted").asInt(),
          row.path("correct").asInt(), row.path("precision").asDouble(), row.path("recall").asDouble()));
    }
    return new VerificationModel(json.path("embedding_model").asText(),
        new LogisticModel(numbers(json.path("means")), numbers(json.path("scales")), numbers(json.path("weights")),
            json.path("bias").asDouble()),
        json.path("threshold").asDouble(),
        new HeldOut(held.path("data").asText(), held.path("pairs").asInt(), held.path("folds").asInt(),
            held.path("seed").asLong(), curve));
  }

  /** This model as JSON, for {@value #RESOURCE}. */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode json = mapper.createObjectNode();
    json.put("kind", "logistic regression over standardised pair features");
    json.put("embedding_model", embeddingModel);
    ArrayNode features = json.putArray("features");
    PairFeatures.NAMES.forEach(features::add);
    array(json.putArray("means"), model.means());
    array(json.putArray("scales"), model.scales());
    array(json.putArray("weights"), model.weights());
    json.put("bias", model.bias());
    json.put("threshold", threshold);
    ObjectNode held = json.putObject("held_out");
    held.put("data", heldOut.data());
    held.put("pairs", heldOut.pairs());
    held.put("folds", heldOut.folds());
    held.put("seed", heldOut.seed());
    ArrayNode curve = held.putArray("curve");
    for (PrecisionRecall row : heldOut.curve()) {
      curve.addObject().put("threshold", row.threshold()).put("accepted", row.accepted())
          .put("correct", row.correct()).put("precision", row.precision()).put("recall", row.recall());
    }
    return json;
  }

  private static double[] numbers(JsonNode array) {
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asDouble();
    }
    return values;
  }

  private static void array(ArrayNode target, double[] values) {
    for (double value : values) {
      target.add(value);
    }
  }
}
