package dev.clincher.cache.calibration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.embedding.Vectors;
import dev.clincher.cache.verify.CrossValidation;
import dev.clincher.cache.verify.LogisticModel;
import dev.clincher.cache.verify.PairFeatures;
import dev.clincher.cache.verify.PairRules;
import dev.clincher.cache.verify.PrecisionRecall;
import dev.clincher.cache.verify.VerificationModel;
import dev.clincher.cache.verify.Verifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Trains the verification stage and measures it on held-out folds: embeds both questions of every pair of the
 * calibration file with all-MiniLM-L6-v2, measures {@link PairFeatures}, runs {@value CrossValidation#FOLDS}-fold
 * cross-validation (seed {@value CrossValidation#SEED}), prints the precision/recall curve of the cosine alone and of
 * the verification model, picks the lowest acceptance probability whose held-out precision is at least
 * {@value VerificationModel#TARGET_PRECISION}, trains the final model on every pair and, with {@code --write FILE},
 * writes it (the shipped {@code verification-model.json}). Also prints the verification's cost per lookup.
 *
 * <p>Run: {@code bench/cache/run --verification [--write FILE]}. Deterministic: the same file gives the same weights.
 */
public final class VerificationTraining {
  /** The features, labels and cosines of the calibration pairs. */
  public record Measured(List<CalibrationPairs.Pair> pairs, double[] cosine, List<PairFeatures> features,
      List<Boolean> duplicate) {

    /** The features as model input rows. */
    public List<double[]> rows() {
      return features.stream().map(PairFeatures::values).toList();
    }
  }

  /**
   * The outcome of cross-validation.
   *
   * @param score  held-out probability per pair; 0 below the candidate similarity or when a rule is broken
   * @param curve  the verification curve, thresholds ascending
   * @param chosen the default setting: the lowest threshold meeting {@link VerificationModel#TARGET_PRECISION}, if any
   */
  public record Validation(double[] score, List<PrecisionRecall> curve, Optional<PrecisionRecall> chosen) {}

  private VerificationTraining() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: VerificationTraining <qqp-calibration.jsonl> [--write FILE] [--cosines FILE]");
      System.exit(2);
    }
    Path data = Path.of(args[0]);
    Optional<Path> write = option(args, "--write");
    Optional<Path> cosines = option(args, "--cosines");
    Embedder embedder = new OnnxEmbedder();
    long start = System.nanoTime();
    List<CalibrationPairs.Pair> pairs = CalibrationPairs.read(data, Integer.MAX_VALUE);
    Measured measured = measure(pairs, cosines(pairs, embedder, cosines));
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "%d pairs (%d duplicates), embedded and measured in %.1f s%n", measured.pairs().size(),
        measured.duplicate().stream().filter(d -> d).count(), (System.nanoTime() - start) / 1e9);
    out.println();
    out.println("stage 1, cosine only (" + embedder.modelName() + "; no training, so no folds):");
    print(out, PrecisionRecall.curve(measured.cosine(), measured.duplicate(), steps(80, 99)));
    printRules(out, measured);
    Validation validation = crossValidate(measured);
    out.println();
    out.printf(Locale.ROOT, "stage 2, verification model, held-out probabilities (%d folds, seed %d, candidates "
        + "at cosine >= %.2f):%n", CrossValidation.FOLDS, CrossValidation.SEED,
        VerificationModel.CANDIDATE_SIMILARITY);
    print(out, validation.curve());
    out.println();
    if (validation.chosen().isEmpty()) {
      out.printf(Locale.ROOT, "no threshold reaches held-out precision %.2f%n",
          VerificationModel.TARGET_PRECISION);
      return;
    }
    PrecisionRecall chosen = validation.chosen().get();
    out.printf(Locale.ROOT, "default verification threshold %.2f: held-out precision %.3f, recall %.3f (target "
        + "precision >= %.2f with recall >= %.2f: %s)%n", chosen.threshold(), chosen.precision(), chosen.recall(),
        VerificationModel.TARGET_PRECISION, VerificationModel.TARGET_RECALL,
        chosen.recall() >= VerificationModel.TARGET_RECALL ? "met" : "recall NOT met");
    VerificationModel model = new VerificationModel(embedder.modelName(),
        LogisticModel.train(measured.rows(), measured.duplicate()), chosen.threshold(),
        new VerificationModel.HeldOut(data.getFileName() + " sha256:" + sha256(data), measured.pairs().size(),
            CrossValidation.FOLDS, CrossValidation.SEED, validation.curve()));
    printWeights(out, model);
    printCost(out, measured, Verifier.of(model));
    if (write.isPresent()) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      Files.writeString(write.get(), mapper.writeValueAsString(model.toJson(mapper)) + "\n");
      out.println("wrote " + write.get());
    }
  }

  /**
   * The cosine similarity of each pair: read from {@code cache} when it holds one per pair (embedding 6,000
   * questions takes minutes), else embedded (and written to {@code cache}, when given).
   */
  public static double[] cosines(List<CalibrationPairs.Pair> pairs, Embedder embedder, Optional<Path> cache)
      throws IOException {
    if (cache.isPresent() && Files.exists(cache.get())) {
      double[] cosine = Files.readAllLines(cache.get()).stream().mapToDouble(Double::parseDouble).toArray();
      if (cosine.length == pairs.size()) {
        return cosine;
      }
    }
    double[] cosine = new double[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      cosine[i] = Vectors.dot(embedder.embed(pairs.get(i).a()), embedder.embed(pairs.get(i).b()));
    }
    if (cache.isPresent()) {
      Files.write(cache.get(), Arrays.stream(cosine).mapToObj(Double::toString).toList());
    }
    return cosine;
  }

  /** Measures the features of every pair of similarities {@code cosine}. */
  public static Measured measure(List<CalibrationPairs.Pair> pairs, double[] cosine) {
    List<PairFeatures> features = new ArrayList<>();
    List<Boolean> duplicate = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      CalibrationPairs.Pair pair = pairs.get(i);
      features.add(PairFeatures.of(pair.b(), pair.a(), cosine[i]));
      duplicate.add(pair.duplicate());
    }
    return new Measured(pairs, cosine, features, duplicate);
  }

  /** Held-out scores of {@code measured}, their curve and the default setting. */
  public static Validation crossValidate(Measured measured) {
    double[] probability = CrossValidation.heldOutProbabilities(measured.rows(), measured.duplicate(),
        CrossValidation.FOLDS, CrossValidation.SEED);
    double[] score = new double[probability.length];
    for (int i = 0; i < score.length; i++) {
      boolean candidate = measured.cosine()[i] >= VerificationModel.CANDIDATE_SIMILARITY;
      score[i] = candidate && PairRules.broken(measured.features().get(i)).isEmpty() ? probability[i] : 0;
    }
    List<PrecisionRecall> curve = PrecisionRecall.curve(score, measured.duplicate(), steps(50, 99));
    return new Validation(score, curve,
        PrecisionRecall.lowestMeeting(curve, VerificationModel.TARGET_PRECISION));
  }

  private static Optional<Path> option(String[] args, String name) {
    for (int i = 1; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Optional.of(Path.of(args[i + 1]));
      }
    }
    return Optional.empty();
  }

  /** from/100 … to/100. */
  static List<Double> steps(int from, int to) {
    List<Double> list = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      list.add(i / 100.0);
    }
    return list;
  }

  private static void print(PrintStream out, List<PrecisionRecall> curve) {
    out.println("threshold  hits  correct  precision  recall");
    for (PrecisionRecall row : curve) {
      out.printf(Locale.ROOT, "%9.2f %5d %8d %9.1f%% %6.1f%%%n", row.threshold(), row.accepted(), row.correct(),
          100 * row.precision(), 100 * row.recall());
    }
  }

  private static void printRules(PrintStream out, Measured measured) {
    long rejected = measured.features().stream().filter(f -> PairRules.broken(f).isPresent()).count();
    long duplicates = IntStream.range(0, measured.pairs().size())
        .filter(i -> measured.duplicate().get(i) && PairRules.broken(measured.features().get(i)).isPresent()).count();
    out.printf(Locale.ROOT, "%nrules (numbers, names, negation, order) reject %d pairs, %d of them duplicates%n",
        rejected, duplicates);
  }

  private static void printWeights(PrintStream out, VerificationModel model) {
    out.println("weights of the final model (standardised features), trained on every pair:");
    for (int i = 0; i < PairFeatures.NAMES.size(); i++) {
      out.printf(Locale.ROOT, "  %-18s %8.3f%n", PairFeatures.NAMES.get(i), model.model().weights()[i]);
    }
    out.printf(Locale.ROOT, "  %-18s %8.3f%n", "bias", model.model().bias());
  }

  /**
   * Microseconds the verification adds per candidate, on every pair (no embedding, no store read): token count of
   * long texts, features, rules and model; and for a question past the window.
   */
  private static void printCost(PrintStream out, Measured measured, Verifier verifier) {
    int n = measured.pairs().size();
    long[] nanos = new long[n];
    for (int round = 0; round < 5; round++) { // the first rounds warm the JIT up
      for (int i = 0; i < n; i++) {
        CalibrationPairs.Pair pair = measured.pairs().get(i);
        long begin = System.nanoTime();
        verifier.decide(pair.b(), pair.a(), (float) Math.max(measured.cosine()[i], 0.8));
        nanos[i] = System.nanoTime() - begin;
      }
    }
    Arrays.sort(nanos);
    String longQuestion = "Please read the following and answer the question at the end. ".repeat(20);
    long[] longNanos = new long[200];
    for (int i = 0; i < longNanos.length; i++) {
      long begin = System.nanoTime();
      verifier.decide(longQuestion + i, longQuestion, 0.99f);
      longNanos[i] = System.nanoTime() - begin;
    }
    Arrays.sort(longNanos);
    out.printf(Locale.ROOT, "verification cost per candidate (tokens, features, rules, model; %d pairs): p50 %.1f µs,"
        + " p99 %.1f µs; a 1,300-character question (past the window): p50 %.1f µs%n", n,
        nanos[n / 2] / 1e3, nanos[(int) (n * 0.99)] / 1e3, longNanos[longNanos.length / 2] / 1e3);
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
