package dev.clincher.cache.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the verification stage knows about a candidate hit: the question asked and the cached question it was
 * matched to. A sentence embedding blurs exactly these differences, so they are measured on the full texts.
 *
 * @param cosine            the embedding model's cosine similarity of the two questions
 * @param contentOverlap    Jaccard overlap of the two sets of content words (1 = the same content words)
 * @param contentOneSide    log(1 + content words present on one side only)
 * @param numbersOneSide    numbers (alone and with their unit) present on one side only ({@code 19707} /
 *                          {@code 19708}, {@code 100 grams} / {@code 100 ounces})
 * @param namesOneSide      names (capitalised words, acronyms) on one side that the other side does not mention
 * @param negationOneSide   1 when one side is negated and the other is not
 * @param orderSwapped      share of the shared content words' pairs that appear in the opposite order
 *                          ("is A better than B" / "is B better than A" = 1)
 * @param lengthRatio       shorter / longer, in words
 */
public record PairFeatures(double cosine, double contentOverlap, double contentOneSide, double numbersOneSide,
    double namesOneSide, double negationOneSide, double orderSwapped, double lengthRatio) {

  /** The features' names, in the order of {@link #values()} (and of the model's weights). */
  public static final List<String> NAMES = List.of("cosine", "content_overlap", "content_one_side",
      "numbers_one_side", "names_one_side", "negation_one_side", "order_swapped", "length_ratio");

  /** The most shared words whose order is compared (the pairs grow with its square). */
  static final int MAX_ORDERED_WORDS = 64;

  /** Measures the pair ({@code asked}, {@code cached}) whose embeddings have similarity {@code cosine}. */
  public static PairFeatures of(String asked, String cached, double cosine) {
    Words a = Words.of(asked);
    Words b = Words.of(cached);
    Set<String> contentA = new HashSet<>(a.content());
    Set<String> contentB = new HashSet<>(b.content());
    int shared = intersection(contentA, contentB).size();
    int union = contentA.size() + contentB.size() - shared;
    int oneSide = union - shared;
    return new PairFeatures(cosine,
        union == 0 ? 1 : (double) shared / union,
        Math.log1p(oneSide),
        oneSideOnly(a.numbers(), b.numbers()),
        namesNotMentioned(a, b) + namesNotMentioned(b, a),
        (a.negations() > 0) != (b.negations() > 0) ? 1 : 0,
        orderSwapped(a.content(), b.content()),
        ratio(a.words().size(), b.words().size()));
  }

  /** The values in the order of {@link #NAMES}. */
  public double[] values() {
    return new double[] {cosine, contentOverlap, contentOneSide, numbersOneSide, namesOneSide, negationOneSide,
        orderSwapped, lengthRatio};
  }

  private static int oneSideOnly(Set<String> a, Set<String> b) {
    return a.size() + b.size() - 2 * intersection(a, b).size();
  }

  /** Names of {@code side} whose word does not occur at all (in any case) in {@code other}. */
  private static int namesNotMentioned(Words side, Words other) {
    Set<String> otherWords = new HashSet<>(other.words());
    int missing = 0;
    for (String name : side.names()) {
      if (!otherWords.contains(name)) {
        missing++;
      }
    }
    return missing;
  }

  /**
   * The share of pairs of shared words (first occurrences) that are in opposite order on the two sides: a
   * Kendall-tau distance over at most {@link #MAX_ORDERED_WORDS} words, 0 when fewer than two words are shared.
   */
  private static double orderSwapped(List<String> a, List<String> b) {
    Map<String, Integer> positionInB = new HashMap<>();
    for (int i = 0; i < b.size(); i++) {
      positionInB.putIfAbsent(b.get(i), i);
    }
    List<Integer> positions = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String word : a) {
      if (positions.size() < MAX_ORDERED_WORDS && positionInB.containsKey(word) && seen.add(word)) {
        positions.add(positionInB.get(word));
      }
    }
    if (positions.size() < 2) {
      return 0;
    }
    int discordant = 0;
    int pairs = 0;
    for (int i = 0; i < positions.size(); i++) {
      for (int j = i + 1; j < positions.size(); j++) {
        pairs++;
        discordant += positions.get(i) > positions.get(j) ? 1 : 0;
      }
    }
    return (double) discordant / pairs;
  }

  private static Set<String> intersection(Set<String> a, Set<String> b) {
    Set<String> both = new HashSet<>(a);
    both.retainAll(b);
    return both;
  }

  private static double ratio(int x, int y) {
    return Math.max(x, y) == 0 ? 1 : (double) Math.min(x, y) / Math.max(x, y);
  }
}
