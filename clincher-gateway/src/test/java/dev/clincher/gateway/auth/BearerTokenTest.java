package dev.clincher.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class BearerTokenTest {
  static final SecureRandom RANDOM = new SecureRandom();

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static String randomBase64(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  @Test
  void acceptsWhatOpensslRandGivesEveryTime() throws Exception {
    for (int i = 0; i < 2000; i++) {
      BearerToken.of(Secret.of(randomHex(32)), "T");
      BearerToken.of(Secret.of(randomBase64(32)), "T");
      String url = Base64.getUrlEncoder().withoutPadding().encodeToString(HexFormat.of().parseHex(randomHex(32)));
      BearerToken.of(Secret.of(url), "T");
    }
  }

  @Test
  void countsKeyMaterialByAlphabet() {
    assertThat(BearerToken.keyBytes(randomHex(32))).isEqualTo(32);
    assertThat(BearerToken.keyBytes(randomBase64(32))).isEqualTo(32);
    assertThat(BearerToken.keyBytes("!" + randomHex(15))).isEqualTo(31);
  }

  @Test
  void refusesTooLittleKeyMaterial() {
    // 63 hex characters look long but hold 31 bytes.
    assertWeak(randomHex(32).substring(1), "31 bytes");
    assertWeak(randomBase64(31).replace("=", ""), "bytes of key material");
    assertWeak("", "empty");
  }

  @Test
  void refusesLowEntropyTokensOfAnyLength() {
    assertWeak("a".repeat(64), "distinct");
    assertWeak("0123456789abcdef".repeat(4), "repeats a shorter pattern");
    assertWeak("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "run of consecutive");
    assertWeak("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0123456789bcdefghijk", "third");
    assertWeak("password".repeat(8), "distinct");
  }

  @Test
  void refusesWhitespaceControlAndNonAscii() {
    assertWeak(randomHex(32) + " x", "visible ASCII");
    assertWeak(randomHex(32) + "\u00e9", "visible ASCII");
    assertWeak(randomHex(32) + "\u0000", "visible ASCII");
  }

  @Test
  void errorsNameTheSourceButNeverTheToken() {
    String weak = "0123456789abcdef".repeat(4);
    assertThatThrownBy(() -> BearerToken.of(Secret.of(weak), "GATEWAY_TOKEN_FILE"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GATEWAY_TOKEN_FILE")
        .hasMessageNotContaining("0123")
        .hasMessageNotContaining("cdef");
  }

  @Test
  void matchesOnlyTheExactToken() throws Exception {
    String value = randomHex(32);
    BearerToken token = BearerToken.of(Secret.of(value), "T");
    assertThat(token.matches(value)).isTrue();
    assertThat(token.matches(value.toUpperCase())).isFalse();
    assertThat(token.matches(value + " ")).isFalse();
    assertThat(token.matches(value.substring(0, 63))).isFalse();
    assertThat(token.matches(null)).isFalse();
    assertThat(token.toString()).doesNotContain(value.substring(0, 4));
  }

  static void assertWeak(String token, String reasonPart) {
    assertThat(BearerToken.weakness(token)).as(token).isNotNull().contains(reasonPart);
  }
}
