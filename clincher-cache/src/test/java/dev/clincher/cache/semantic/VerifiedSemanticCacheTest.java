package dev.clincher.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.index.MemoryVectorIndex;
import dev.clincher.cache.store.MemoryEntryStore;
import dev.clincher.cache.verify.VerificationModel;
import dev.clincher.cache.verify.Verifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The cache with its verification stage (embedded index and store, the real embedder and shipped model). */
class VerifiedSemanticCacheTest {
  private static final SemanticCache.Settings SETTINGS = new SemanticCache.Settings(
      VerificationModel.CANDIDATE_SIMILARITY, Duration.ofMinutes(5), 4096);
  private static Embedder embedder;

  @BeforeAll
  static void loadModel() {
    embedder = new OnnxEmbedder();
  }

  private static SemanticCache cache(Optional<Verifier> verifier, MemoryEntryStore store) {
    return new SemanticCache(Optional.of(embedder), new MemoryVectorIndex(100, 10, Clock.systemUTC()), store,
        SETTINGS, verifier);
  }

  private static SemanticCache cache(double verificationThreshold) {
    return cache(Optional.of(Verifier.shipped(verificationThreshold)), new MemoryEntryStore(1 << 20,
        Clock.systemUTC()));
  }

  private static void store(SemanticCache cache, String question, String answer) {
    CacheKey key = SemanticCacheTest.key("a", question);
    Lookup first = cache.lookup(key);
    assertThat(first).isInstanceOf(Lookup.Miss.class);
    assertThat(cache.store(key, (Lookup.Miss) first, answer.getBytes(StandardCharsets.UTF_8))).isTrue();
  }

  private static Lookup ask(SemanticCache cache, String question) {
    return cache.lookup(SemanticCacheTest.key("a", question));
  }

  @Test
  void aVerifiedParaphraseIsASemanticHit() {
    SemanticCache cache = cache(0.5);
    store(cache, "How can I reset my password?", "Use the link on the login page");
    assertThat(ask(cache, "How do I reset my password?")).isInstanceOfSatisfying(Lookup.Hit.class, hit -> {
      assertThat(hit.kind()).isEqualTo(Lookup.Kind.SEMANTIC);
      assertThat(new String(hit.value(), StandardCharsets.UTF_8)).isEqualTo("Use the link on the login page");
    });
  }

  @Test
  void swappedRolesOtherNumbersAndNegationAreMisses() {
    SemanticCache cache = cache(0.5);
    store(cache, "Is Messi better than Ronaldo?", "Messi");
    store(cache, "When does train no. 19708 arrive in Delhi?", "At 10:40");
    store(cache, "Why is the sky blue?", "Rayleigh scattering");
    assertThat(ask(cache, "Is Ronaldo better than Messi?")).isInstanceOf(Lookup.Miss.class);
    assertThat(ask(cache, "When does train no. 19707 arrive in Delhi?")).isInstanceOf(Lookup.Miss.class);
    assertThat(ask(cache, "Why is the sky not blue?")).isInstanceOf(Lookup.Miss.class);
  }

  @Test
  void twoQuestionsWithALongSharedPrefixNeverGetEachOthersAnswer() {
    SemanticCache cache = cache(0.5);
    String prefix = "Context: the attached contract between the supplier and the buyer runs for five years and "
        + "covers delivery, payment terms, warranties, liability and termination. ";
    String refund = prefix.repeat(5) + "Can the buyer ask for a refund?";
    String terminate = prefix.repeat(5) + "Can the supplier end the contract early?";
    store(cache, refund, "refund answer");
    assertThat(ask(cache, terminate)).isInstanceOf(Lookup.Miss.class);
    assertThat(ask(cache, refund)).isInstanceOfSatisfying(Lookup.Hit.class, hit ->
        assertThat(hit.kind()).isEqualTo(Lookup.Kind.EXACT));
  }

  @Test
  void atTheShippedThresholdAnUnverifiedNearDuplicateIsAMiss() {
    SemanticCache cache = cache(VerificationModel.shipped().threshold());
    store(cache, "What is the best cab service in pune?", "answer");
    Lookup lookup = ask(cache, "Which is the best cab service in Pune?"); // labelled *different* in the data
    assertThat(lookup).isInstanceOf(Lookup.Miss.class);
  }

  @Test
  void anEntryStoredWithoutItsQuestionIsNeverASemanticHit() {
    MemoryEntryStore store = new MemoryEntryStore(1 << 20, Clock.systemUTC());
    MemoryVectorIndex index = new MemoryVectorIndex(100, 10, Clock.systemUTC());
    SemanticCache unverified = new SemanticCache(Optional.of(embedder), index, store, SETTINGS);
    store(unverified, "How can I reset my password?", "Use the link on the login page");
    SemanticCache verified = new SemanticCache(Optional.of(embedder), index, store, SETTINGS,
        Optional.of(Verifier.shipped(0.5)));
    assertThat(ask(verified, "How do I reset my password?")).isInstanceOf(Lookup.Miss.class);
    assertThat(ask(unverified, "How do I reset my password?")).isInstanceOf(Lookup.Hit.class);
  }
}
