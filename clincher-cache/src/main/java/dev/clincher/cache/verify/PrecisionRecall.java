package dev.clincher.cache.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What accepting every pair scored at or above a threshold does, on labelled pairs.
 *
 * @param threshold the least accepted score
 * @param accepted  pairs accepted (hits)
 * @param correct   accepted pairs labelled duplicate
 * @param precision correct / accepted (1 − the share of hits that serve another question's answer); 1 when none
 * @param recall    correct / all duplicates (the share of true repeats served from the cache)
 */
public record PrecisionRecall(double threshold, int accepted, int correct, double precision, double recall) {

  /** The row for each of {@code thresholds}, given each pair's {@code score} and label. */
  public static List<PrecisionRecall> curve(double[] score, List<Boolean> duplicate, List<Double> thresholds) {
    long duplicates = duplicate.stream().filter(d -> d).count();
    List<PrecisionRecall> rows = new ArrayList<>();
    for (double threshold : thresholds) {
      int accepted = 0;
      int correct = 0;
      for (int i = 0; i < score.length; i++) {
        if (score[i] >= threshold) {
          accepted++;
          correct += duplicate.get(i) ? 1 : 0;
        }
      }
      rows.add(new PrecisionRecall(threshold, accepted, correct, accepted == 0 ? 1 : (double) correct / accepted,
          duplicates == 0 ? 0 : (double) correct / duplicates));
    }
    return rows;
  }

  /**
   * The lowest threshold (so the most recall) whose precision, and that of every higher threshold of
   * {@code curve} with hits, is at least {@code precision}; empty when even the highest falls short. {@code curve}
   * is in ascending order of threshold.
   */
  public static Optional<PrecisionRecall> lowestMeeting(List<PrecisionRecall> curve, double precision) {
    Optional<PrecisionRecall> lowest = Optional.empty();
    for (int i = curve.size() - 1; i >= 0; i--) {
      PrecisionRecall row = curve.get(i);
      if (row.accepted() > 0 && row.precision() < precision) {
        break;
      }
      lowest = Optional.of(row);
    }
    return lowest;
  }
}
