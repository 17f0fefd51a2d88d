package dev.clincher.cache.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * K-fold cross-validation of {@link LogisticModel}: the rows are shuffled with a fixed seed and dealt into
 * {@code folds} folds; each fold is scored by a model trained on the other folds only. The result is one held-out
 * probability per row, so every figure computed from it is measured on pairs the scoring model never saw.
 */
public final class CrossValidation {
  /** The folds of the shipped model's validation. */
  public static final int FOLDS = 10;
  /** The shuffle's seed (the number). */
  public static final long SEED = 18;

  private CrossValidation() {}

  /** The held-out probability of each row (in the rows' order). */
  public static double[] heldOutProbabilities(List<double[]> rows, List<Boolean> duplicate, int folds, long seed) {
    if (folds < 2 || rows.size() < folds || rows.size() != duplicate.size()) {
      throw new IllegalArgumentException("need at least " + folds + " labelled rows and 2 folds");
    }
    int[] fold = foldOfEachRow(rows.size(), folds, seed);
    double[] probabilities = new double[rows.size()];
    for (int k = 0; k < folds; k++) {
      List<double[]> trainRows = new ArrayList<>();
      List<Boolean> trainLabels = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if (fold[i] != k) {
          trainRows.add(rows.get(i));
          trainLabels.add(duplicate.get(i));
        }
      }
      LogisticModel model = LogisticModel.train(trainRows, trainLabels);
      for (int i = 0; i < rows.size(); i++) {
        if (fold[i] == k) {
          probabilities[i] = model.probability(rows.get(i));
        }
      }
    }
    return probabilities;
  }

  /** Row i's fold: the rows shuffled by {@code seed}, then dealt round-robin. */
  static int[] foldOfEachRow(int rows, int folds, long seed) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    int[] fold = new int[rows];
    for (int position = 0; position < rows; position++) {
      fold[order.get(position)] = position % folds;
    }
    return fold;
  }
}
