package dev.clincher.cache.verify;

import java.util.Optional;

/**
 * Differences that make two questions different whatever their similarity, checked before the model: the model
 * weighs these features too, but they are rare in the calibration data, so it learns small weights for them, while a
 * cache must never answer "is 19707 late?" with the answer about 19708. Each costs some recall of true duplicates
 * (bench/cache/run --verification prints it).
 */
public final class PairRules {

  private PairRules() {}

  /** The first rule {@code pair} breaks ({@code numbers_differ}, …), or empty when it breaks none. */
  public static Optional<String> broken(PairFeatures pair) {
    if (pair.numbersOneSide() > 0) {
      return Optional.of("numbers_differ");
    }
    if (pair.namesOneSide() > 0) {
      return Optional.of("names_differ");
    }
    if (pair.negationOneSide() > 0) {
      return Optional.of("negation_differs");
    }
    if (pair.orderSwapped() > 0 && pair.contentOneSide() == 0) {
      return Optional.of("order_swapped");
    }
    return Optional.empty();
  }
}
