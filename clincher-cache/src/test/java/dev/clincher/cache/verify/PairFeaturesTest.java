package dev.clincher.cache.verify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pair features on small, hand-checked pairs (no model). */
class PairFeaturesTest {

  @Test
  void numbersAreSplitFromUnitsAndCompared() {
    PairFeatures f = PairFeatures.of("How heavy is 5kg of rice?", "How heavy is 5 kg of rice?", 0.99);
    assertThat(f.numbersOneSide()).isZero();
    assertThat(f.contentOneSide()).isZero();
    assertThat(PairFeatures.of("When does train 19708 leave?", "When does train 19707 leave?", 0.99)
        .numbersOneSide()).isEqualTo(4); // 19708, "19708 leave", 19707, "19707 leave"
    assertThat(PairFeatures.of("Calories in 100 grams of rice?", "Calories in 100 ounces of rice?", 0.99)
        .numbersOneSide()).isEqualTo(2); // "100 gram", "100 ounce"
  }

  @Test
  void aNameTheOtherSideMentionsInLowerCaseIsNotADifference() {
    assertThat(PairFeatures.of("Which is the best cab service in Pune?", "best cab service in pune", 0.99)
        .namesOneSide()).isZero();
    assertThat(PairFeatures.of("What is the capital of Austria?", "What is the capital of Australia?", 0.99)
        .namesOneSide()).isEqualTo(2);
  }

  @Test
  void swappedOrderAndOneSidedNegationAreSeen() {
    PairFeatures swapped = PairFeatures.of("Is Messi better than Ronaldo?", "Is Ronaldo better than Messi?", 0.99);
    assertThat(swapped.orderSwapped()).isGreaterThan(0);
    assertThat(swapped.contentOverlap()).isEqualTo(1.0);
    assertThat(PairFeatures.of("Is Messi better than Ronaldo?", "Is Messi better than Ronaldo?", 1).orderSwapped())
        .isZero();
    assertThat(PairFeatures.of("Why is the sky blue?", "Why isn't the sky blue?", 0.95).negationOneSide()).isOne();
    assertThat(PairFeatures.of("Why isn't it blue?", "Why is it not blue?", 0.95).negationOneSide()).isZero();
  }

  @Test
  void theRulesNameWhatDiffers() {
    assertThat(PairRules.broken(PairFeatures.of("Is Messi better than Ronaldo?", "Is Ronaldo better than Messi?",
        0.99))).contains("order_swapped");
    assertThat(PairRules.broken(PairFeatures.of("How do I reset my password?", "How can I reset my password?",
        0.98))).isEmpty();
  }

  @Test
  void theOrderComparisonIsBoundedOnLongTexts() {
    String words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma "
        .repeat(500);
    PairFeatures f = PairFeatures.of(words, new StringBuilder(words).reverse().toString(), 0.9);
    assertThat(f.orderSwapped()).isBetween(0.0, 1.0);
  }
}
