package dev.clincher.gateway.auth;

import dev.clincher.cache.testing.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import dev.clincher.common.net.IpLiterals;
import dev.clincher.gateway.auth.AuthDecision.Outcome;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
  static final String TOKEN = BearerTokenTest.randomHex(32);
  static final InetAddress PROXY = IpLiterals.parse("10.0.0.2").orElseThrow();
  static final InetAddress ATTACKER = IpLiterals.parse("203.0.113.66").orElseThrow();

  final ManualClock clock = new ManualClock();
  final Authenticator auth;

  AuthenticatorTest() throws ConfigException {
    auth = AuthSettings.of(Secret.of(TOKEN), "T", List.of("10.0.0.0/24"), List.of("https://chat.example.com"))
        .build("gateway.yaml", "auth", clock);
  }

  AuthDecision http(InetAddress peer, String authorization, String... xff) {
    return auth.authenticate(AuthRequest.http(peer,
        authorization == null ? List.of() : List.of(authorization), List.of(xff), List.of()));
  }

  AuthDecision upgrade(InetAddress peer, String protocols) {
    return auth.authenticate(new AuthRequest(peer, "GET", false, java.util.Map.of("Origin",
        List.of("https://chat.example.com"), "Sec-WebSocket-Protocol", List.of(protocols)), true));
  }

  @Test
  void theBearerHeaderIsTheCredential() {
    assertThat(http(ATTACKER, "Bearer " + TOKEN).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(http(ATTACKER, "bearer " + TOKEN).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(http(ATTACKER, "Bearer " + TOKEN + "x").reason()).isEqualTo("wrong_token");
    assertThat(http(ATTACKER, "Basic " + TOKEN).reason()).isEqualTo("malformed_authorization");
    assertThat(http(ATTACKER, "Bearer " + TOKEN + " extra").reason()).isEqualTo("malformed_authorization");
    assertThat(http(ATTACKER, TOKEN).reason()).isEqualTo("malformed_authorization");
    assertThat(http(ATTACKER, "Bearer").reason()).isEqualTo("malformed_authorization");
    AuthDecision missing = http(ATTACKER, null);
    assertThat(missing.outcome()).isEqualTo(Outcome.UNAUTHENTICATED);
    assertThat(missing.outcome().status()).isEqualTo(401);
    assertThat(missing.reason()).isEqualTo("missing_credentials");
    assertThat(missing.responseHeaders()).containsEntry("WWW-Authenticate", "Bearer");
  }

  @Test
  void settingsErrorsNameTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuthSettings.of(Secret.of(TOKEN), "T",
        List.of("10.0.0.0/24"), List.of("https://a.example/")).build("gateway.yaml", "auth", clock))
        .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.yaml: auth.allowedOrigins[0]");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuthSettings.of(Secret.of("short"), "TOKEN_FILE",
        List.of(), List.of()).build("gateway.yaml", "auth", clock))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKEN_FILE").hasMessageNotContaining("short");
  }

  @Test
  void twoAuthorizationHeadersAreRefusedEvenIfOneIsRight() {
    AuthDecision decision = auth.authenticate(AuthRequest.http(ATTACKER,
        List.of("Bearer wrong", "Bearer " + TOKEN), List.of(), List.of()));
    assertThat(decision.outcome()).isEqualTo(Outcome.UNAUTHENTICATED);
  }

  @Test
  void tenFailuresLockOutEvenTheCorrectToken() {
    for (int i = 0; i < 9; i++) {
      assertThat(http(ATTACKER, "Bearer guess" + i).outcome()).isEqualTo(Outcome.UNAUTHENTICATED);
    }
    AuthDecision tenth = http(ATTACKER, "Bearer guess9");
    assertThat(tenth.outcome()).isEqualTo(Outcome.LOCKED_OUT);
    assertThat(tenth.retryAfterSeconds()).isEqualTo(300);

    clock.advance(Duration.ofSeconds(100));
    AuthDecision locked = http(ATTACKER, "Bearer " + TOKEN);
    assertThat(locked.outcome()).isEqualTo(Outcome.LOCKED_OUT);
    assertThat(locked.outcome().status()).isEqualTo(429);
    assertThat(locked.retryAfterSeconds()).isEqualTo(200);
    assertThat(locked.clientMessage()).contains("200");
    assertThat(locked.responseHeaders()).containsEntry("Retry-After", "200");

    clock.advance(Duration.ofSeconds(200));
    assertThat(http(ATTACKER, "Bearer " + TOKEN).outcome()).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void missingCredentialsDoNotCount() {
    for (int i = 0; i < 50; i++) {
      http(ATTACKER, null);
    }
    assertThat(http(ATTACKER, "Bearer " + TOKEN).outcome()).isEqualTo(Outcome.ALLOWED);
  }

  @Test
  void aSpoofedForwardedForDoesNotEscapeTheLockout() {
    for (int i = 0; i < 10; i++) {
      http(ATTACKER, "Bearer guess", "198.51.100." + i);
    }
    AuthDecision decision = http(ATTACKER, "Bearer " + TOKEN, "198.51.100.200");
    assertThat(decision.outcome()).isEqualTo(Outcome.LOCKED_OUT);
    assertThat(decision.client()).isEqualTo("203.0.113.66");
  }

  @Test
  void behindTheTrustedProxyClientsAreCountedApart() {
    for (int i = 0; i < 10; i++) {
      http(PROXY, "Bearer guess", "198.51.100.1");
    }
    assertThat(http(PROXY, "Bearer " + TOKEN, "198.51.100.1").outcome()).isEqualTo(Outcome.LOCKED_OUT);
    AuthDecision other = http(PROXY, "Bearer " + TOKEN, "198.51.100.2");
    assertThat(other.outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(other.client()).isEqualTo("198.51.100.2");
  }

  @Test
  void foreignOriginsAreForbiddenEvenWithTheToken() {
    AuthDecision decision = auth.authenticate(AuthRequest.http(ATTACKER, List.of("Bearer " + TOKEN), List.of(),
        List.of("https://evil.example")));
    assertThat(decision.outcome()).isEqualTo(Outcome.FORBIDDEN_ORIGIN);
    assertThat(decision.outcome().status()).isEqualTo(403);
    AuthDecision allowed = auth.authenticate(AuthRequest.http(ATTACKER, List.of("Bearer " + TOKEN), List.of(),
        List.of("https://CHAT.example.com")));
    assertThat(allowed.allowed()).isTrue();
  }

  @Test
  void webSocketTicketsAreOneTimeAndBoundToTheClient() {
    AuthDecision authenticated = http(ATTACKER, "Bearer " + TOKEN);
    String ticket = auth.issueTicket(authenticated);
    assertThat(ticket).matches("[A-Za-z0-9_-]{43}");

    AuthDecision other = upgrade(PROXY, "clincher.v1, clincher.ticket." + ticket);
    assertThat(other.outcome()).as("another client").isEqualTo(Outcome.UNAUTHENTICATED);

    String second = auth.issueTicket(authenticated);
    AuthDecision upgraded = upgrade(ATTACKER, "clincher.v1, clincher.ticket." + second);
    assertThat(upgraded.allowed()).isTrue();
    assertThat(upgraded.subprotocol()).contains("clincher.v1");
    assertThat(upgrade(ATTACKER, "clincher.v1, clincher.ticket." + second).reason()).as("replay")
        .isEqualTo("invalid_ticket");
  }

  @Test
  void ticketsExpireAndCannotBeForged() {
    String ticket = auth.issueTicket(http(ATTACKER, "Bearer " + TOKEN));
    clock.advance(Duration.ofSeconds(31));
    assertThat(upgrade(ATTACKER, "clincher.ticket." + ticket).reason()).isEqualTo("invalid_ticket");
    assertThat(upgrade(ATTACKER, "clincher.ticket." + TOKEN).reason()).as("the token is not a ticket")
        .isEqualTo("invalid_ticket");
    assertThat(upgrade(ATTACKER, "clincher.v1").reason()).isEqualTo("missing_credentials");
    String a = auth.issueTicket(http(ATTACKER, "Bearer " + TOKEN));
    assertThat(upgrade(ATTACKER, "clincher.ticket." + a + ", clincher.ticket.x").reason())
        .isEqualTo("malformed_ticket");
  }

  @Test
  void ticketsAreOnlyForAllowedDecisions() {
    AuthDecision refused = http(ATTACKER, "Bearer nope");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> auth.issueTicket(refused))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decisionsAreSafeToLog() {
    for (String header : List.of("Bearer " + TOKEN, "Bearer " + TOKEN + "x", "Basic " + TOKEN)) {
      String logged = http(ATTACKER, header).toString();
      assertThat(logged).doesNotContain(TOKEN.substring(0, 8)).doesNotContain(TOKEN.substring(56));
    }
  }

  AuthRequest browser(String method, String origin, String host) {
    return AuthRequest.http(ATTACKER, List.of(), List.of(), origin == null ? List.of() : List.of(origin))
        .withMethod(method).withHeader("Host", host);
  }

  String cookieOf(Authenticator.SignIn signIn) {
    return "clincher_session=" + signIn.session().orElseThrow();
  }

  @Test
  void theRequestsOwnOriginIsAllowedForAddressHostsOnly() {
    assertThat(auth.authenticate(browser("POST", "http://127.0.0.1:18789", "127.0.0.1:18789")
        .withHeader("Authorization", "Bearer " + TOKEN)).reason()).isEqualTo("same_origin");
    assertThat(auth.authenticate(browser("POST", "http://[::1]:18789", "[::1]:18789")
        .withHeader("Authorization", "Bearer " + TOKEN)).allowed()).isTrue();
    AuthDecision rebound = auth.authenticate(browser("POST", "http://evil.example:18789", "evil.example:18789")
        .withHeader("Authorization", "Bearer " + TOKEN));
    assertThat(rebound.outcome()).isEqualTo(Outcome.FORBIDDEN_ORIGIN);
    assertThat(rebound.reason()).isEqualTo("same_origin_name_not_in_allowed_origins");
    assertThat(auth.authenticate(browser("POST", "http://127.0.0.1:18789", "127.0.0.1:18790")
        .withHeader("Authorization", "Bearer " + TOKEN)).outcome()).isEqualTo(Outcome.FORBIDDEN_ORIGIN);
  }

  @Test
  void aSignInCodeWorksOnceWithinFiveMinutes() {
    String code = auth.browsers().mintCode();
    AuthRequest request = browser("POST", "http://127.0.0.1:18789", "127.0.0.1:18789");
    Authenticator.SignIn first = auth.signIn(request, java.util.Optional.empty(), java.util.Optional.of(code));
    assertThat(first.decision().allowed()).isTrue();
    assertThat(first.session().orElseThrow()).isNotEqualTo(code);
    assertThat(auth.signIn(request, java.util.Optional.empty(), java.util.Optional.of(code)).decision().reason())
        .isEqualTo("invalid_or_used_code");
    String late = auth.browsers().mintCode();
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    assertThat(auth.signIn(request, java.util.Optional.empty(), java.util.Optional.of(late)).decision().allowed())
        .isFalse();
  }

  @Test
  void aSessionCookieLastsTwelveHoursAndStateChangesNeedOriginAndCsrf() {
    AuthRequest page = browser("POST", "http://127.0.0.1:18789", "127.0.0.1:18789");
    String cookie = cookieOf(auth.signIn(page, java.util.Optional.of(TOKEN), java.util.Optional.empty()));
    assertThat(auth.authenticate(browser("GET", null, "127.0.0.1:18789").withHeader("Cookie", cookie)).credential())
        .isEqualTo("cookie");
    assertThat(auth.authenticate(page.withHeader("Cookie", cookie)).reason()).isEqualTo("cookie_without_csrf_header");
    assertThat(auth.authenticate(browser("DELETE", null, "127.0.0.1:18789").withHeader("Cookie", cookie)
        .withHeader("X-Clincher-CSRF", "1")).reason()).isEqualTo("cookie_without_origin");
    assertThat(auth.authenticate(page.withHeader("Cookie", cookie).withHeader("X-Clincher-CSRF", "1")).allowed())
        .isTrue();
    clock.advance(Duration.ofHours(12));
    assertThat(auth.authenticate(browser("GET", null, "127.0.0.1:18789").withHeader("Cookie", cookie)).reason())
        .isEqualTo("unknown_or_expired_session");
  }

  @Test
  void staleCookiesDoNotCountAsFailuresButWrongSignInsDo() {
    for (int i = 0; i < 20; i++) {
      auth.authenticate(browser("GET", null, "127.0.0.1:18789").withHeader("Cookie", "clincher_session=stale" + i));
    }
    assertThat(http(ATTACKER, "Bearer " + TOKEN).allowed()).isTrue();
    AuthRequest page = browser("POST", "http://127.0.0.1:18789", "127.0.0.1:18789");
    for (int i = 0; i < 10; i++) {
      auth.signIn(page, java.util.Optional.of("guess" + i), java.util.Optional.empty());
    }
    assertThat(auth.signIn(page, java.util.Optional.of(TOKEN), java.util.Optional.empty()).decision().outcome())
        .isEqualTo(Outcome.LOCKED_OUT);
  }
}
