package dev.clincher.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.router.config.ErrorKind;
import dev.clincher.router.config.FallbackSettings;
import dev.clincher.router.provider.ProviderException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The error kinds retry_policy names, and which fallback list each error moves to. */
class ErrorKindsTest {
  static ProviderException error(int status, String code, String message) {
    return new ProviderException(status, "invalid_request_error", code, message, Optional.empty());
  }

  @Test
  void statusesMapToLiteLlmsErrorKinds() {
    assertThat(ErrorKinds.of(error(400, "invalid_value", "bad"))).contains(ErrorKind.BAD_REQUEST);
    assertThat(ErrorKinds.of(error(413, null, "too big"))).contains(ErrorKind.BAD_REQUEST);
    assertThat(ErrorKinds.of(error(401, null, "no"))).contains(ErrorKind.AUTHENTICATION);
    assertThat(ErrorKinds.of(error(403, null, "no"))).contains(ErrorKind.AUTHENTICATION);
    assertThat(ErrorKinds.of(error(408, null, "slow"))).contains(ErrorKind.TIMEOUT);
    assertThat(ErrorKinds.of(ProviderException.unreachable("timed out", true))).contains(ErrorKind.TIMEOUT);
    assertThat(ErrorKinds.of(error(429, null, "slow down"))).contains(ErrorKind.RATE_LIMIT);
    assertThat(ErrorKinds.of(error(500, null, "boom"))).contains(ErrorKind.INTERNAL_SERVER);
    assertThat(ErrorKinds.of(error(529, null, "overloaded"))).contains(ErrorKind.INTERNAL_SERVER);
    assertThat(ErrorKinds.of(ProviderException.unreachable("refused", false))).isEmpty();
    assertThat(ErrorKinds.of(error(404, null, "no such model"))).isEmpty();
    assertThat(ErrorKinds.of(error(501, null, "not supported"))).isEmpty();
  }

  @Test
  void contentPolicyViolationsAreRecognisedFromOpenAiAzureAndAnthropic() {
    assertThat(ErrorKinds.of(error(400, "content_policy_violation", "rejected"))).contains(ErrorKind.CONTENT_POLICY);
    assertThat(ErrorKinds.of(error(400, "content_filter", "filtered"))).contains(ErrorKind.CONTENT_POLICY);
    assertThat(ErrorKinds.of(error(400, null, "Output blocked by content filtering policy")))
        .contains(ErrorKind.CONTENT_POLICY);
    assertThat(ErrorKinds.isContentPolicy(error(500, "content_policy_violation", "odd"))).isFalse();
    assertThat(ErrorKinds.isContentPolicy(error(400, "context_length_exceeded", "maximum context length"))).isFalse();
  }

  @Test
  void eachErrorMovesToItsOwnFallbackList() {
    Fallbacks fallbacks = new Fallbacks(new FallbackSettings(Map.of("a", List.of("general")),
        Map.of("a", List.of("long")), Map.of("a", List.of("lenient")), List.of("default", "a", "general"), 5));
    assertThat(fallbacks.after("a", error(400, "content_policy_violation", "rejected"))).containsExactly("lenient");
    assertThat(fallbacks.after("a", error(400, "context_length_exceeded", "too long"))).containsExactly("long");
    assertThat(fallbacks.after("a", error(503, null, "down"))).containsExactly("general", "default");
    assertThat(fallbacks.after("b", error(503, null, "down"))).containsExactly("default", "a", "general");
    assertThat(fallbacks.after("a", error(400, "invalid_value", "bad"))).isEmpty();
  }
}
