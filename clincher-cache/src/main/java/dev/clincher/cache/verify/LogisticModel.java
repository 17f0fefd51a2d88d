package dev.clincher.cache.verify;

import java.util.List;

/**
 * Logistic regression on standardised features: {@code p = 1 / (1 + exp(-(bias + Σ weight·(x − mean)/scale)))}.
 * {@link #train} is full-batch gradient descent with an L2 penalty from all-zero weights, so the same rows give the
 * same model bit for bit (no randomness, no iteration-order effects).
 *
 * @param means   per feature, subtracted before weighting
 * @param scales  per feature, divided by before weighting (standard deviations; 1 for a constant feature)
 * @param weights per standardised feature
 * @param bias    the intercept
 */
public record LogisticModel(double[] means, double[] scales, double[] weights, double bias) {
  /** Gradient steps of {@link #train}. */
  public static final int ITERATIONS = 3000;
  /** Step size of {@link #train}. */
  public static final double LEARNING_RATE = 0.5;
  /** L2 penalty of {@link #train} (on the weights, not the bias). */
  public static final double L2 = 1e-3;

  public LogisticModel {
    if (means.length != weights.length || scales.length != weights.length) {
      throw new IllegalArgumentException("means, scales and weights must have one value per feature");
    }
  }

  /** The probability that the pair with features {@code x} is a duplicate. */
  public double probability(double[] x) {
    if (x.length != weights.length) {
      throw new IllegalArgumentException(x.length + " features for a model of " + weights.length);
    }
    double z = bias;
    for (int i = 0; i < x.length; i++) {
      z += weights[i] * (x[i] - means[i]) / scales[i];
    }
    return 1 / (1 + Math.exp(-z));
  }

  /** Fits a model to {@code rows} (features) and {@code duplicate} (labels). */
  public static LogisticModel train(List<double[]> rows, List<Boolean> duplicate) {
    int n = rows.size();
    int d = rows.getFirst().length;
    double[] means = new double[d];
    double[] scales = new double[d];
    for (double[] row : rows) {
      for (int j = 0; j < d; j++) {
        means[j] += row[j] / n;
      }
    }
    for (double[] row : rows) {
      for (int j = 0; j < d; j++) {
        scales[j] += (row[j] - means[j]) * (row[j] - means[j]) / n;
      }
    }
    for (int j = 0; j < d; j++) {
      scales[j] = scales[j] > 0 ? Math.sqrt(scales[j]) : 1;
    }
    double[][] x = new double[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        x[i][j] = (rows.get(i)[j] - means[j]) / scales[j];
      }
    }
    double[] w = new double[d];
    double b = 0;
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      double[] gradient = new double[d];
      double gradientBias = 0;
      for (int i = 0; i < n; i++) {
        double z = b;
        for (int j = 0; j < d; j++) {
          z += w[j] * x[i][j];
        }
        double error = 1 / (1 + Math.exp(-z)) - (duplicate.get(i) ? 1 : 0);
        for (int j = 0; j < d; j++) {
          gradient[j] += error * x[i][j];
        }
        gradientBias += error;
      }
      for (int j = 0; j < d; j++) {
        w[j] -= LEARNING_RATE * (gradient[j] / n + L2 * w[j]);
      }
      b -= LEARNING_RATE * gradientBias / n;
    }
    return new LogisticModel(means, scales, w, b);
  }
}
