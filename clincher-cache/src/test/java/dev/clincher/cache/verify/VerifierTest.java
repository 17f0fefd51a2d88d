package dev.clincher.cache.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.embedding.Vectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The verification stage with the real all-MiniLM-L6-v2 and the shipped model: pairs a sentence embedding puts
 * close together but that ask different things are rejected, each by the rule that names the difference.
 */
class VerifierTest {
  private static Embedder embedder;
  private static Verifier shipped;
  /** A low threshold, so that a rejection below can only come from the rules, not from a strict default. */
  private static Verifier lenient;

  @BeforeAll
  static void load() {
    embedder = new OnnxEmbedder();
    shipped = Verifier.shipped();
    lenient = Verifier.shipped(0.5);
  }

  private static float cosine(String a, String b) {
    return Vectors.dot(embedder.embed(a), embedder.embed(b));
  }

  private static Verifier.Verdict check(Verifier verifier, String asked, String cached) {
    return verifier.check(asked, cached, cosine(asked, cached));
  }

  @Test
  void theShippedThresholdIsTheCrossValidatedOne() {
    VerificationModel model = shipped.model();
    assertThat(model.embeddingModel()).isEqualTo(embedder.modelName());
    assertThat(model.heldOut().at(model.threshold())).hasValueSatisfying(row ->
        assertThat(row.precision()).isGreaterThanOrEqualTo(VerificationModel.TARGET_PRECISION));
  }

  @Test
  void aParaphraseIsAcceptedByTheModelAtALowerThreshold() {
    Verifier.Verdict verdict = check(lenient, "How do I reset my password?", "How can I reset my password?");
    assertThat(verdict.rule()).isEqualTo("verification_model");
    assertThat(verdict.accepted()).isTrue();
  }

  @Test
  void swappedOrderIsRejectedThoughTheVectorsAreNearlyEqual() {
    String asked = "Is Messi better than Ronaldo?";
    String cached = "Is Ronaldo better than Messi?";
    assertThat(cosine(asked, cached)).isGreaterThan(0.9f);
    assertThat(check(lenient, asked, cached)).isEqualTo(new Verifier.Verdict(false, "order_swapped", 0));
    assertThat(check(shipped, asked, cached).accepted()).isFalse();
  }

  @Test
  void differentNumbersAreRejected() {
    assertThat(check(lenient, "When does train no. 19708 arrive in Delhi?",
        "When does train no. 19707 arrive in Delhi?").rule()).isEqualTo("numbers_differ");
    assertThat(check(lenient, "Is 2 GB of RAM enough for Windows 10?", "Is 8 GB of RAM enough for Windows 10?")
        .rule()).isEqualTo("numbers_differ");
  }

  @Test
  void anotherUnitIsRejected() {
    assertThat(check(lenient, "How many calories are in 100 grams of rice?",
        "How many calories are in 100 ounces of rice?").rule()).isEqualTo("numbers_differ");
    assertThat(check(lenient, "How far is 10 km in miles?", "How far is 10 kilometers in miles?").accepted())
        .isFalse(); // a unit spelled another way is a miss too: precision first
  }

  @Test
  void aNegationOnOneSideIsRejected() {
    assertThat(check(lenient, "Why is the sky blue?", "Why is the sky not blue?").rule())
        .isEqualTo("negation_differs");
    assertThat(check(lenient, "Should I learn Python?", "Shouldn't I learn Python?").rule())
        .isEqualTo("negation_differs");
  }

  @Test
  void anotherEntityIsRejected() {
    assertThat(check(lenient, "What is the capital of Austria?", "What is the capital of Australia?").accepted())
        .isFalse();
    assertThat(lenient.check("What is the capital of Austria?", "What is the capital of Australia?", 0.99f).rule())
        .isEqualTo("names_differ"); // even were the vectors equal
    assertThat(check(lenient, "How do I install Python on Ubuntu?", "How do I install Java on Ubuntu?").accepted())
        .isFalse();
  }

  @Test
  void questionsPastTheEmbeddingWindowAreNeverSemanticHits() {
    String prefix = "Here is the full text of our company's travel policy, which every employee has to follow. "
        .repeat(12);
    String asked = prefix + "Question: may I book business class for a flight of nine hours?";
    String cached = prefix + "Question: may I bring my dog to the office on Fridays?";
    assertThat(cosine(asked, cached)).isGreaterThan(0.9f); // the vectors do not see the difference
    assertThat(check(lenient, asked, cached)).isEqualTo(new Verifier.Verdict(false, "past_embedding_window", 0));
    assertThat(check(lenient, asked, asked).rule()).isEqualTo("past_embedding_window"); // exact hits only
  }

  @Test
  void aShortQuestionIsNotCountedAsPastTheWindow() {
    Verifier counting = new Verifier(shipped.model().withThreshold(0.5), text -> {
      throw new AssertionError("a text of at most 126 characters needs no tokenizer");
    });
    assertThat(counting.check("How do I reset my password?", "How can I reset my password?", 0.97f).rule())
        .isEqualTo("verification_model");
  }

  @Test
  void aQuestionWithMoreWordsThanTheWindowIsRefusedWithoutTokenizing() {
    Verifier counting = new Verifier(shipped.model(), text -> {
      throw new AssertionError("more words than tokens in the window need no tokenizer");
    });
    String long1 = "Which of these is cheaper to run, given the prices below? ".repeat(15) + "The first.";
    String long2 = "Which of these is cheaper to run, given the prices below? ".repeat(15) + "The second.";
    assertThat(counting.check(long1, long2, 0.99f).rule()).isEqualTo("past_embedding_window");
    assertThat(Verifier.wordsAndMarks("Is 5kg (11 lb) heavy?")).isEqualTo(8); // is 5kg ( 11 lb ) heavy ?
  }

  @Test
  void betweenTheBoundsTheRealTokenizerDecides() {
    // 100 words, under the window by word count, but each is several WordPiece tokens: past it
    String rare = "antidisestablishmentarianism ".repeat(99) + "why?";
    assertThat(Verifier.wordsAndMarks(rare)).isLessThanOrEqualTo(126);
    assertThat(lenient.check(rare, rare + " ", 0.99f).rule()).isEqualTo("past_embedding_window");
    // 40 plain words over 127 characters: inside the window, so the model decides
    String plain = "How do I reset the password of my account when the reset mail never arrives and the support "
        + "line is closed for the weekend and I need to log in today?";
    assertThat(plain.length()).isGreaterThan(126);
    assertThat(lenient.check(plain, plain.replace("How do I", "How can I"), 0.99f).rule())
        .isEqualTo("verification_model");
  }

  @Test
  void aCandidateBelowTheCandidateSimilarityIsRejected() {
    assertThat(lenient.check("How do I reset my password?", "How can I reset my password?", 0.79f))
        .isEqualTo(new Verifier.Verdict(false, "below_candidate_similarity", 0));
  }
}
