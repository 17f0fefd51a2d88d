package dev.clincher.cache.calibration;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.embedding.Vectors;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures what a similarity threshold does on labelled question pairs ({@code qqp-calibration.jsonl}: {@code a},
 * {@code b}, {@code label} 1 = the same question asked two ways). For each pair the cache holds {@code a} and is asked
 * {@code b}: a <em>hit</em> is a similarity at or above the threshold, a <em>wrong hit</em> a hit on a pair labelled 0
 * (the cache would serve the answer to a different question).
 *
 * <p>Run: {@code bench/cache/run [--quick]}, or {@code java -cp … ThresholdCalibration <file> [--quick]}.
 */
public final class ThresholdCalibration {
  /** Pairs read by {@code --quick}. */
  public static final int QUICK_PAIRS = 500;

  /** One labelled pair and its similarity. */
  public record Scored(float similarity, boolean duplicate) {}

  /**
   * One row of the table.
   *
   * @param hitRate      hits / pairs
   * @param recall       hits on duplicates / duplicates (how many true repeats the cache would serve)
   * @param wrongHitRate wrong hits / hits (share of served answers that belong to another question)
   */
  public record Row(double threshold, int hits, int wrongHits, double hitRate, double recall, double wrongHitRate) {}

  private ThresholdCalibration() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: ThresholdCalibration <qqp-calibration.jsonl> [--quick]");
      System.exit(2);
    }
    boolean quick = args.length > 1 && args[1].equals("--quick");
    long start = System.nanoTime();
    Embedder embedder = new OnnxEmbedder();
    List<Scored> scored = score(Path.of(args[0]), embedder, quick ? QUICK_PAIRS : Integer.MAX_VALUE);
    double seconds = (System.nanoTime() - start) / 1e9;
    print(System.out, embedder.modelName(), scored, table(scored, thresholds()), seconds);
  }

  /** 0.80, 0.81, … 0.98. */
  public static List<Double> thresholds() {
    List<Double> list = new ArrayList<>();
    for (int i = 80; i <= 98; i++) {
      list.add(i / 100.0);
    }
    return list;
  }

  /** Embeds both questions of the first {@code limit} pairs and returns their similarities. */
  public static List<Scored> score(Path file, Embedder embedder, int limit) throws IOException {
    List<Scored> scored = new ArrayList<>();
    for (CalibrationPairs.Pair pair : CalibrationPairs.read(file, limit)) {
      scored.add(new Scored(Vectors.dot(embedder.embed(pair.a()), embedder.embed(pair.b())), pair.duplicate()));
    }
    return scored;
  }

  /** The table for each threshold. */
  public static List<Row> table(List<Scored> scored, List<Double> thresholds) {
    long duplicates = scored.stream().filter(Scored::duplicate).count();
    List<Row> rows = new ArrayList<>();
    for (double threshold : thresholds) {
      int hits = 0;
      int wrong = 0;
      for (Scored pair : scored) {
        if (pair.similarity() >= threshold) {
          hits++;
          wrong += pair.duplicate() ? 0 : 1;
        }
      }
      rows.add(new Row(threshold, hits, wrong, ratio(hits, scored.size()), ratio(hits - wrong, duplicates),
          ratio(wrong, hits)));
    }
    return rows;
  }

  /** The lowest threshold whose wrong-hit rate is at most {@code maxWrongHitRate}, else the one with the fewest. */
  public static Row choose(List<Row> rows, double maxWrongHitRate) {
    Row best = rows.get(0);
    for (Row row : rows) {
      if (row.hits() > 0 && row.wrongHitRate() <= maxWrongHitRate) {
        return row;
      }
      if (row.wrongHitRate() < best.wrongHitRate()) {
        best = row;
      }
    }
    return best;
  }

  private static void print(PrintStream out, String model, List<Scored> scored, List<Row> rows, double seconds) {
    long duplicates = scored.stream().filter(Scored::duplicate).count();
    out.printf(Locale.ROOT, "model %s, %d pairs (%d duplicates), embedded in %.1f s%n", model, scored.size(),
        duplicates, seconds);
    out.println("threshold  hits  hit_rate  recall  wrong_hits  wrong_hit_rate");
    for (Row row : rows) {
      out.printf(Locale.ROOT, "%9.2f %5d %8.1f%% %6.1f%% %11d %14.1f%%%n", row.threshold(), row.hits(),
          100 * row.hitRate(), 100 * row.recall(), row.wrongHits(), 100 * row.wrongHitRate());
    }
    Row chosen = choose(rows, 0.05);
    String verdict = chosen.wrongHitRate() <= 0.05 ? "lowest threshold with wrong hits <= 5%"
        : "no threshold reaches wrong hits <= 5%; fewest wrong hits at";
    out.printf(Locale.ROOT, "%s %.2f (hit rate %.1f%%, wrong hits %.1f%%)%n", verdict, chosen.threshold(),
        100 * chosen.hitRate(), 100 * chosen.wrongHitRate());
  }

  private static double ratio(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }
}
