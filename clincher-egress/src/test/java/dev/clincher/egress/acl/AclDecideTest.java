package dev.clincher.egress.acl;

import static dev.clincher.egress.acl.AclDecision.Result.ALLOW;
import static dev.clincher.egress.acl.AclDecision.Result.ALLOW_REPORT;
import static dev.clincher.egress.acl.AclDecision.Result.DENY;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Decisions for {@code roles.yaml}, which mirrors the cases of Smokescreen's {@code acl_test.go}. */
class AclDecideTest {
  private static Acl acl;

  @BeforeAll
  static void load() throws Exception {
    acl = Acl.load(resource("roles.yaml"));
  }

  static Path resource(String name) throws Exception {
    return Paths.get(AclDecideTest.class.getResource("/acl/" + name).toURI());
  }

  @ParameterizedTest(name = "{0} -> {1}: {3}/{4}")
  @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
      router   | api.openai.com            | ALLOW        | allowed_domain   | router  | llm
      router   | www.openai.com            | DENY         | not_in_allowlist | router  | llm
      router   | api.anthropic.com         | ALLOW        | allowed_domain   | router  | llm
      router   | anthropic.com             | DENY         | not_in_allowlist | router  | llm
      router   | API.OpenAI.com.           | ALLOW        | allowed_domain   | router  | llm
      auditor  | audit.example             | ALLOW        | allowed_domain   | auditor | security
      auditor  | elsewhere.example         | ALLOW_REPORT | not_in_allowlist | auditor | security
      crawler  | anything.example          | ALLOW        | open_action      | crawler | automation
      gateway  | a.b.example.org           | ALLOW        | allowed_domain   | gateway | ''
      gateway  | example.org               | DENY         | not_in_allowlist | gateway | ''
      gateway  | 203.0.113.7               | ALLOW        | allowed_domain   | gateway | ''
      gateway  | 2001:DB8:0:0:0:0:0:7      | ALLOW        | allowed_domain   | gateway | ''
      gateway  | [2001:db8::7]             | ALLOW        | allowed_domain   | gateway | ''
      gateway  | 203.0.113.8               | DENY         | not_in_allowlist | gateway | ''
      stranger | default.example           | ALLOW        | allowed_domain   | default | other
      stranger | api.openai.com            | DENY         | not_in_allowlist | default | other
      NULL     | default.example           | ALLOW        | allowed_domain   | default | other
      ''       | default.example           | ALLOW        | allowed_domain   | default | other
      ROUTER   | api.openai.com            | DENY         | not_in_allowlist | default | other
      router   | status.example            | ALLOW        | global_allow     | router  | llm
      stranger | status.example            | ALLOW        | global_allow     | default | other
      router   | blocked-but-mine.example  | ALLOW        | allowed_domain   | router  | llm
      auditor  | blocked-but-mine.example  | DENY         | global_deny      | auditor | security
      crawler  | blocked-but-mine.example  | DENY         | global_deny      | crawler | automation
      crawler  | x.evil.example            | DENY         | global_deny      | crawler | automation
      crawler  | X.EVIL.EXAMPLE.           | DENY         | global_deny      | crawler | automation
      crawler  | evil.example              | ALLOW        | open_action      | crawler | automation
      crawler  | both.example              | DENY         | global_deny      | crawler | automation
      router   | ''                        | DENY         | invalid_host     | router  | llm
      crawler  | ''                        | DENY         | invalid_host     | crawler | automation
      crawler  | 'bad host'                | DENY         | invalid_host     | crawler | automation
      crawler  | NULL                      | DENY         | invalid_host     | crawler | automation
      """)
  void decidesInSmokescreensOrder(
      String role, String host, AclDecision.Result result, String reason, String rule, String project) {
    assertThat(acl.decide(role, host)).isEqualTo(new AclDecision(result, reason, rule, project));
  }

  @Test
  void reportRuleAllowsButFlags() {
    AclDecision decision = acl.decide("auditor", "elsewhere.example");
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.result()).isEqualTo(ALLOW_REPORT);
  }

  @Test
  void unknownRoleWithoutDefaultIsDenied() throws Exception {
    Acl noDefault = Acl.load(resource("no-default.yaml"));
    assertThat(noDefault.defaultRule()).isEmpty();
    assertThat(noDefault.decide("stranger", "api.openai.com"))
        .isEqualTo(new AclDecision(DENY, "no_rule", "stranger", ""));
    assertThat(noDefault.decide(null, "api.openai.com"))
        .isEqualTo(new AclDecision(DENY, "no_rule", "default", ""));
    assertThat(noDefault.decide("router", "api.openai.com").result()).isEqualTo(ALLOW);
    assertThat(noDefault.rule("stranger")).isEmpty();
  }

  @Test
  void defaultRuleMayNameItself() throws Exception {
    Acl named = Acl.parse("""
        version: v1
        services: []
        default: {name: fallback, action: open}
        """, "inline");
    assertThat(named.decide(null, "example.com")).isEqualTo(new AclDecision(ALLOW, "open_action", "fallback", ""));
  }

  @Test
  void exposesWhatItLoaded() {
    assertThat(acl.services()).containsOnlyKeys("router", "auditor", "crawler", "gateway");
    assertThat(acl.services().keySet()).containsExactly("router", "auditor", "crawler", "gateway");
    assertThat(acl.services().get("crawler").allowedDomains()).isEmpty();
    assertThat(acl.defaultRule()).get().extracting(AclRule::name, AclRule::action)
        .containsExactly("default", AclAction.ENFORCE);
    assertThat(acl.globalAllowList()).extracting(DomainGlob::toString).containsExactly("status.example", "both.example");
    assertThat(acl.globalDenyList()).hasSize(3);
    assertThat(acl.rule("router")).get().extracting(AclRule::project).isEqualTo("llm");
    assertThat(acl.rule("stranger")).isEqualTo(acl.defaultRule());
    assertThat(acl.source()).endsWith("roles.yaml");
  }

  @Test
  void seedAllowlistAllowsProvidersAndNothingElse() throws Exception {
    Acl seed = Acl.load(resource("seed-egress-acl.yaml"));
    assertThat(seed.decide(null, "api.anthropic.com").result()).isEqualTo(ALLOW);
    assertThat(seed.decide(null, "generativelanguage.googleapis.com").result()).isEqualTo(ALLOW);
    assertThat(seed.decide(null, "api.telegram.org").result()).isEqualTo(ALLOW);
    assertThat(seed.decide(null, "integrate.api.nvidia.com").result()).isEqualTo(ALLOW);
    assertThat(seed.decide(null, "api.nvidia.com").result()).isEqualTo(DENY);
    assertThat(seed.decide(null, "anthropic.com").result()).isEqualTo(DENY);
    assertThat(seed.decide(null, "169.254.169.254"))
        .isEqualTo(new AclDecision(DENY, "not_in_allowlist", "default", "openclaw"));
    assertThat(seed.decide(null, "api.anthropic.com.evil.test").result()).isEqualTo(DENY);
  }

  @Test
  void actionsParseOnlyInLowerCase() {
    assertThat(AclAction.fromYaml("enforce")).contains(AclAction.ENFORCE);
    assertThat(AclAction.fromYaml("report")).contains(AclAction.REPORT);
    assertThat(AclAction.fromYaml("open")).contains(AclAction.OPEN);
    assertThat(AclAction.fromYaml("Enforce")).isEmpty();
    assertThat(AclAction.fromYaml("")).isEmpty();
    assertThat(AclAction.fromYaml(null)).isEmpty();
  }
}
