package dev.clincher.cache.verify;

import dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification stage: accepts or rejects the nearest cached question found for a question, on the full texts.
 * In order, a candidate is rejected when
 * <ol>
 *   <li>its cosine similarity is below {@link VerificationModel#CANDIDATE_SIMILARITY}
 *       ({@code below_candidate_similarity});</li>
 *   <li>either question is longer than the embedding model reads ({@value #EMBEDDING_WINDOW_TOKENS} tokens,
 *       {@code past_embedding_window}): past it the vectors of two questions with a shared long prefix are near
 *       equal whatever follows, so such questions are only ever exact hits;</li>
 *   <li>the two differ in a way {@link PairRules} names (numbers, names, negation, order; the rule's name);</li>
 *   <li>the model's probability that both ask the same is below the verification threshold
 *       ({@code verification_model}).</li>
 * </ol>
 * Every decision is logged once ({@code cache.semantic.candidate}: outcome, rule, similarity, probability; never
 * the texts).
 */
public final class Verifier {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.cache");
  /** Tokens all-MiniLM-L6-v2 was trained on, [CLS] and [SEP] included. */
  public static final int EMBEDDING_WINDOW_TOKENS = 128;

  /**
   * One decision.
   *
   * @param accepted    whether the cached answer may be served
   * @param rule        the rule that decided: {@code below_candidate_similarity}, {@code past_embedding_window}, a
   *                    rule of {@link PairRules} or {@code verification_model}
   * @param probability the model's probability (0 when it was not asked)
   */
  public record Verdict(boolean accepted, String rule, double probability) {}

  private final VerificationModel model;
  private final ToIntFunction<String> tokenCount;

  /** @param tokenCount the embedding model's tokens in a text, without [CLS] and [SEP] */
  public Verifier(VerificationModel model, ToIntFunction<String> tokenCount) {
    this.model = Objects.requireNonNull(model, "model");
    this.tokenCount = Objects.requireNonNull(tokenCount, "tokenCount");
  }

  /**
   * The shipped model at its cross-validated threshold, counting tokens with the BERT WordPiece tokenizer
   * all-MiniLM-L6-v2 uses.
   */
  public static Verifier shipped() {
    return of(VerificationModel.shipped());
  }

  /** The shipped model at another verification {@code threshold}. */
  public static Verifier shipped(double threshold) {
    return of(VerificationModel.shipped().withThreshold(threshold));
  }

  /** {@code model}, counting tokens with the BERT WordPiece tokenizer all-MiniLM-L6-v2 uses. */
  public static Verifier of(VerificationModel model) {
    HuggingFaceTokenCountEstimator tokenizer = new HuggingFaceTokenCountEstimator();
    return new Verifier(model, tokenizer::estimateTokenCountInText);
  }

  public VerificationModel model() {
    return model;
  }

  /** Whether the answer cached for {@code cached} may be served for {@code asked}. */
  public Verdict check(String asked, String cached, float similarity) {
    Verdict verdict = decide(asked, cached, similarity);
    LOG.atInfo().addKeyValue("outcome", verdict.accepted() ? "accepted" : "rejected")
        .addKeyValue("rule", verdict.rule()).addKeyValue("similarity", similarity)
        .addKeyValue("probability", Math.round(verdict.probability() * 1000) / 1000.0)
        .log("cache.semantic.candidate");
    return verdict;
  }

  /** {@link #check} without the log line (for measurements). */
  public Verdict decide(String asked, String cached, float similarity) {
    if (similarity < VerificationModel.CANDIDATE_SIMILARITY) {
      return new Verdict(false, "below_candidate_similarity", 0);
    }
    if (pastWindow(asked) || pastWindow(cached)) {
      return new Verdict(false, "past_embedding_window", 0);
    }
    PairFeatures features = PairFeatures.of(asked, cached, similarity);
    Optional<String> broken = PairRules.broken(features);
    if (broken.isPresent()) {
      return new Verdict(false, broken.get(), 0);
    }
    double probability = model.probability(features);
    return new Verdict(probability >= model.threshold(), "verification_model", probability);
  }

  /**
   * Whether {@code text} has more tokens than the window. Every WordPiece token covers at least one character, so a
   * text of at most window − 2 characters is inside it; and every word and punctuation mark is at least one token, so
   * a text with more of them is past it. Only texts in between are tokenized. (Characters the tokenizer drops can
   * make the second bound count too many: that only turns a semantic lookup into an exact-only one.)
   */
  private boolean pastWindow(String text) {
    int room = EMBEDDING_WINDOW_TOKENS - 2;
    if (text.length() <= room) {
      return false;
    }
    return wordsAndMarks(text) > room || tokenCount.applyAsInt(text) > room;
  }

  /** Runs of letters and digits, plus every other character that is not white space. */
  static int wordsAndMarks(String text) {
    int count = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isLetterOrDigit(c)) {
        count += inWord ? 0 : 1;
        inWord = true;
      } else {
        count += Character.isWhitespace(c) ? 0 : 1;
        inWord = false;
      }
    }
    return count;
  }
}
