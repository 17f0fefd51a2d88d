package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.cache.verify.VerificationModel;
import dev.clincher.common.config.ConfigException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheSettingsReaderTest {

  static Optional<CacheSettings> parse(String params, Map<String, String> env) throws ConfigException {
    return CacheSettingsReader.parse("test.yaml", "litellm_settings:\n  cache: true\n  cache_params:\n" + params, env,
        Set.of("gpt-test", "voyage/voyage-3-lite"));
  }

  @Test
  void theSeedConfigReadsAsRedisSemanticWithVoyageAndWarnsAboutItsThreshold() throws Exception {
    String seed;
    try (InputStream in = CacheSettingsReaderTest.class.getResourceAsStream("/seed-router-config.yaml")) {
      seed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    CacheSettings settings = CacheSettingsReader.parse("seed.yaml", seed, Map.of("LITELLM_MASTER_KEY", "k"),
        Set.of("voyage/voyage-3-lite")).orElseThrow();
    assertThat(settings.type()).isEqualTo(CacheSettings.Type.REDIS_SEMANTIC);
    assertThat(settings.semantic()).isTrue();
    assertThat(settings.redis()).hasValueSatisfying(redis -> {
      assertThat(redis.host()).isEqualTo("openclaw-redis");
      assertThat(redis.port()).isEqualTo(6379);
    });
    assertThat(settings.ttl()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.threshold()).isEqualTo(0.8f);
    assertThat(settings.embeddingModel()).contains("voyage/voyage-3-lite");
    assertThat(settings.warnings()).anySatisfy(w -> assertThat(w).contains("similarity_threshold 0.80")
        .contains("not calibrated"));
  }

  @Test
  void defaultsAreTheInProcessModelWithTheShippedVerificationThreshold() throws Exception {
    CacheSettings settings = parse("    type: redis-semantic\n", Map.of()).orElseThrow();
    assertThat(settings.embeddingModel()).isEmpty();
    assertThat(settings.threshold()).isEqualTo(VerificationModel.CANDIDATE_SIMILARITY);
    assertThat(settings.verificationThreshold()).contains(VerificationModel.shipped().threshold());
    assertThat(settings.warnings()).isEmpty();
    assertThat(settings.redis()).hasValueSatisfying(redis -> assertThat(redis.host()).isEqualTo("127.0.0.1"));
  }

  @Test
  void aSimilarityThresholdBelowTheCandidateFloorIsWarnedAbout() throws Exception {
    CacheSettings settings = parse("    type: redis-semantic\n    similarity_threshold: 0.5\n", Map.of())
        .orElseThrow();
    assertThat(settings.warnings()).singleElement().satisfies(w -> assertThat(w)
        .contains("similarity_threshold 0.50").contains("rejects every candidate below 0.80"));
  }

  @Test
  void aLowerVerificationThresholdIsWarnedAboutWithItsHeldOutPrecision() throws Exception {
    CacheSettings settings = parse("    type: redis-semantic\n    verification_threshold: 0.7\n", Map.of())
        .orElseThrow();
    assertThat(settings.verificationThreshold()).contains(0.7);
    double precision = VerificationModel.shipped().heldOut().at(0.7).orElseThrow().precision();
    assertThat(settings.warnings()).singleElement().satisfies(w -> assertThat(w)
        .contains("verification_threshold 0.70 is below the default")
        .contains(String.format(java.util.Locale.ROOT, "held-out precision %.1f%%", 100 * precision)));
    assertThatThrownBy(() -> parse("    type: redis-semantic\n    verification_threshold: 1.5\n", Map.of()))
        .hasMessageContaining("cache_params.verification_threshold").hasMessageContaining("[0, 1]");
  }

  @Test
  void anotherEmbeddingModelHasNoVerificationStage() throws Exception {
    CacheSettings settings = parse("    type: redis-semantic\n    redis_semantic_cache_embedding_model: "
        + "voyage/voyage-3-lite\n    verification_threshold: 0.9\n", Map.of()).orElseThrow();
    assertThat(settings.verificationThreshold()).isEmpty();
    assertThat(settings.threshold()).isEqualTo(0.96f);
    assertThat(settings.warnings()).anySatisfy(w -> assertThat(w).contains("verification_threshold is ignored"));
  }

  @Test
  void redisComesFromTheEnvironmentWhenNotConfigured() throws Exception {
    CacheSettings settings = parse("    type: redis\n", Map.of("REDIS_HOST", "cache.internal", "REDIS_PORT", "6380",
        "REDIS_PASSWORD", "s3cret")).orElseThrow();
    assertThat(settings.semantic()).isFalse();
    assertThat(settings.redis()).hasValueSatisfying(redis -> {
      assertThat(redis.host()).isEqualTo("cache.internal");
      assertThat(redis.port()).isEqualTo(6380);
      assertThat(redis.password()).hasValueSatisfying(p -> assertThat(p.current().reveal()).isEqualTo("s3cret"));
    });
  }

  @Test
  void qdrantUnknownTypesKeysAndModelsAreRefusedWithoutEchoingSecrets() {
    assertThatThrownBy(() -> parse("    type: qdrant-semantic\n", Map.of())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cache_params.type").hasMessageContaining("qdrant-semantic is not supported");
    assertThatThrownBy(() -> parse("    type: s3\n", Map.of())).hasMessageContaining("'s3' is not supported");
    assertThatThrownBy(() -> parse("    type: redis\n    passwrd: hunter2\n", Map.of()))
        .hasMessageContaining("cache_params.passwrd").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> parse("    type: redis-semantic\n    redis_semantic_cache_embedding_model: nope\n",
        Map.of())).hasMessageContaining("not a model_name");
    assertThatThrownBy(() -> parse("    type: redis-semantic\n    similarity_threshold: 1.5\n", Map.of()))
        .hasMessageContaining("(0, 1]");
  }

  @Test
  void cacheFalseOrAbsentMeansNoCache() throws Exception {
    assertThat(CacheSettingsReader.parse("t", "litellm_settings:\n  cache: false\n", Map.of(), Set.of())).isEmpty();
    assertThat(CacheSettingsReader.parse("t", "model_list: []\n", Map.of(), Set.of())).isEmpty();
  }

  @Test
  void localWithAThresholdIsSemanticInMemory() throws Exception {
    CacheSettings local = parse("    type: local\n    similarity_threshold: 0.97\n", Map.of()).orElseThrow();
    assertThat(local.semantic()).isTrue();
    assertThat(local.redis()).isEmpty();
    assertThat(parse("    type: local\n", Map.of()).orElseThrow().semantic()).isFalse();
  }

  @Test
  void boundsAndTheDiskDirectoryHaveDefaultsAndAreRead() throws Exception {
    CacheSettings defaults = parse("    type: local\n", Map.of()).orElseThrow();
    assertThat(defaults.bounds()).isEqualTo(dev.clincher.cache.index.IndexBounds.DEFAULTS);
    assertThat(defaults.directory()).isEmpty();
    CacheSettings set = parse("""
            type: local
            disk_cache_dir: /var/lib/clincher/cache
            max_entries_per_namespace: 5000
            max_bytes_per_namespace: 1048576
            max_namespaces: 10
        """, Map.of()).orElseThrow();
    assertThat(set.bounds().maxEntriesPerNamespace()).isEqualTo(5000);
    assertThat(set.bounds().maxBytesPerNamespace()).isEqualTo(1048576);
    assertThat(set.bounds().maxNamespaces()).isEqualTo(10);
    assertThat(set.directory()).contains(java.nio.file.Path.of("/var/lib/clincher/cache"));
  }

  @Test
  void badBoundsAndADiskDirectoryForRedisAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> parse("    max_entries_per_namespace: 0\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cache_params.max_entries_per_namespace")
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> parse("    max_bytes_per_namespace: 1.5\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cache_params.max_bytes_per_namespace");
    assertThatThrownBy(() -> parse("    max_namespaces: lots\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cache_params.max_namespaces");
    assertThatThrownBy(() -> parse("    type: redis\n    disk_cache_dir: /tmp/x\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cache_params.disk_cache_dir")
        .hasMessageContaining("only type local");
  }
}
