package dev.clincher.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.metrics.Metrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthMetricsTest {

  @Test
  void aRefusalIsCountedUnderTheRuleThatDecidedItAndAnAdmissionIsNot() throws ConfigException {
    AuthenticatorTest requests = new AuthenticatorTest();
    try (Metrics metrics = Metrics.create("gateway")) {
      AuthMetrics counted = new AuthMetrics(metrics);

      counted.decided(requests.http(AuthenticatorTest.ATTACKER, "Bearer " + AuthenticatorTest.TOKEN + "x"));
      counted.decided(requests.http(AuthenticatorTest.ATTACKER, null));
      counted.decided(requests.http(AuthenticatorTest.ATTACKER, "Bearer " + AuthenticatorTest.TOKEN));

      String refused = "clincher_gateway_auth_refused_total{outcome=\"UNAUTHENTICATED\",rule=";
      assertThat(metrics.scrape())
          .contains(refused + "\"wrong_token\",service=\"gateway\"} 1.0")
          .contains(refused + "\"missing_credentials\",service=\"gateway\"} 1.0")
          .doesNotContain("rule=\"allowed_origins\"", "rule=\"no_origin\"", "rule=\"same_origin\"");
    }
  }
}
