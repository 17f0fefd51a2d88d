package dev.clincher.egress.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.common.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AclLoadTest {
  private static final String SOURCE = "test.yaml";

  @TempDir Path dir;

  // ----- valid files -----

  @Test
  void loadsTheSeedsAclFromTestResources() throws Exception {
    Acl seed = Acl.load(AclDecideTest.resource("seed-egress-acl.yaml"));
    assertThat(seed.services()).isEmpty();
    AclRule rule = seed.defaultRule().orElseThrow();
    assertThat(rule.name()).isEqualTo("default");
    assertThat(rule.project()).isEqualTo("openclaw");
    assertThat(rule.action()).isEqualTo(AclAction.ENFORCE);
    assertThat(rule.allowedDomains()).extracting(DomainGlob::toString)
        .contains("*.anthropic.com", "*.telegram.org", "integrate.api.nvidia.com", "api.search.brave.com");
  }

  @Test
  void loadsTheSharedSeedAclWhenPresent() throws Exception {
    Path shared = Paths.get("../../shared/seed/examples/egress-acl.yaml");
    assumeTrue(Files.isRegularFile(shared), "no ../shared checkout next to the repository");
    Acl seed = Acl.load(shared);
    assertThat(seed.decide(null, "api.openai.com").allowed()).isTrue();
    assertThat(seed.decide(null, "example.com").allowed()).isFalse();
  }

  @Test
  void acceptsMinimalAndOptionalForms() throws Exception {
    assertThat(Acl.parse("version: v1\nservices: []\n", SOURCE).defaultRule()).isEmpty();
    Acl acl = Acl.parse("""
        ---
        # leading document marker and comments, like Smokescreen's own testdata
        version: "v1"
        services:
          - name: a
            action: open
            allowed_domains:
          - name: b
            project: p
            action: report
            allowed_domains: []
        default:
        global_allow_list:
        global_deny_list: []
        """, SOURCE);
    assertThat(acl.services()).containsOnlyKeys("a", "b");
    assertThat(acl.services().get("a").project()).isEmpty();
    assertThat(acl.defaultRule()).isEmpty();
  }

  // ----- errors name the source, the key path and the reason -----

  @ParameterizedTest(name = "[{index}] {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      services: []                                               | version                      | missing
      'version: v2\nservices: []'                                 | version                      | expected "v1", got "v2"
      'version: V1\nservices: []'                                 | version                      | expected "v1"
      'version: 1\nservices: []'                                  | version                      | expected a string, got the number 1
      version: v1                                                | services                     | missing
      'version: v1\nservices:'                                    | services                     | missing
      'version: v1\nservices: {}'                                 | services                     | expected a list of rules
      'version: v1\nservices: [x]'                                | services[0]                  | expected a mapping
      'version: v1\nservices: [{action: open}]'                   | services[0].name             | every service needs a name
      'version: v1\nservices: [{name: a}]'                        | services[0].action           | missing; expected enforce, report or open
      'version: v1\nservices: [{name: a, action: Enforce}]'       | services[0].action           | unknown action 'Enforce'
      'version: v1\nservices: [{name: a, action: deny}]'          | services[0].action           | unknown action 'deny'
      'version: v1\nservices: [{name: a, action: [open]}]'        | services[0].action           | expected a string, got a list
      'version: v1\nservices: [{name: a, action: true}]'          | services[0].action           | expected a string, got the boolean true
      'version: v1\nservices: [{name: 7, action: open}]'          | services[0].name             | expected a string, got the number 7
      'version: v1\nservices: [{name: a, project: [x], action: open}]' | services[0].project     | expected a string
      'version: v1\nservices: [{name: a, action: open}, {name: a, action: open}]' | services[1].name | duplicate service name 'a' (first at services[0])
      'version: v1\nservices: [{name: a, action: open, allowed_domains: x.com}]' | services[0].allowed_domains | expected a list of domain globs
      'version: v1\nservices: [{name: a, action: open, allowed_domains: [1]}]'   | services[0].allowed_domains[0] | expected a domain glob string, got the number 1
      'version: v1\nservices: [{name: a, action: open, allowed_domains: [ok.com, "*"]}]' | services[0].allowed_domains[1] | invalid domain glob '*': domain glob must not match everything
      'version: v1\nservices: [{name: a, action: open, allowed_domains: ["*.*.com"]}]' | services[0].allowed_domains[0] | only supported as prefix
      'version: v1\nservices: [{name: a, action: open, allowed_domains: [Foo.com]}]' | services[0].allowed_domains[0] | use "foo.com"
      'version: v1\nservices: [{name: a, action: open, mitm_domains: []}]' | services[0].mitm_domains | not supported by clincher egress
      'version: v1\nservices: [{name: a, action: open, allowed_external_proxies: []}]' | services[0].allowed_external_proxies | not supported
      'version: v1\nservices: [{name: a, action: open, allowed_domain: [x.com]}]' | services[0].allowed_domain | unknown key; expected one of name, project, action, allowed_domains
      'version: v1\nservices: []\ndefault: {action: open, colour: red}' | default.colour       | unknown key
      'version: v1\nservices: []\ndefault: {action: opn}'         | default.action               | unknown action 'opn'
      'version: v1\nservices: []\ndefault: [open]'                | default                      | expected a mapping
      'version: v1\nservices: []\ndefault: {action: open, allowed_domains: ["*foo.com"]}' | default.allowed_domains[0] | full prefix
      'version: v1\nservices: []\nglobal_allow_list: ["foo.*.com"]' | global_allow_list[0]      | only supported as prefix
      'version: v1\nservices: []\nglobal_deny_list: [ok.com, ""]' | global_deny_list[1]          | glob cannot be empty
      'version: v1\nservices: []\nglobal_deny_list: x'            | global_deny_list             | expected a list
      'version: v1\nservices: []\nbroken: [x]'                    | broken                       | unknown key; expected one of version, services, default, global_allow_list, global_deny_list
      'version: v1\nservices: []\nunsafe_allow_wildcards_across_public_suffixes: true' | unsafe_allow_wildcards_across_public_suffixes | unknown key
      '- version: v1'                                            | ''                           | expected a mapping of keys, got a list
      'just text'                                                | ''                           | expected a mapping of keys
      """)
  void rejectsInvalidFiles(String yaml, String key, String reason) {
    assertConfigError(() -> Acl.parse(yaml.replace("\\n", "\n"), SOURCE), key, reason);
  }

  @Test
  void rejectsDuplicateKeysAtEveryLevel() {
    assertConfigError(() -> Acl.parse("version: v1\nversion: v1\nservices: []\n", SOURCE),
        "version", "Duplicate field 'version'");
    assertConfigError(() -> Acl.parse("""
        version: v1
        services:
          - name: a
            action: open
            action: enforce
        """, SOURCE), "services[0].action", "Duplicate field 'action'");
    assertConfigError(() -> Acl.parse("""
        version: v1
        services: []
        default:
          action: enforce
          allowed_domains: [a.com]
          allowed_domains: [b.com]
        """, SOURCE), "default.allowed_domains", "Duplicate field");
  }

  @Test
  void yamlSyntaxErrorsNameTheLine() {
    ConfigException e = configError(() -> Acl.parse("version: v1\nservices: [\n  - {name: a\n", SOURCE));
    assertThat(e.source()).isEqualTo(SOURCE);
    assertThat(e.reason()).contains("line ");
  }

  @Test
  void rejectsEmptyFilesAndCommentOnlyFiles() {
    assertConfigError(() -> Acl.parse("", SOURCE), "", "file is empty");
    assertConfigError(() -> Acl.parse("# nothing here\n", SOURCE), "", "file is empty");
    assertConfigError(() -> Acl.parse("---\n", SOURCE), "", "file is empty");
  }

  @Test
  void rejectsMoreThanOneDocument() {
    assertConfigError(() -> Acl.parse("version: v1\nservices: []\n---\nversion: v1\nservices: []\n", SOURCE),
        "", "more than one YAML document");
  }

  @Test
  void rejectsOversizeFiles() throws Exception {
    Path big = dir.resolve("big.yaml");
    String padding = "#" + "x".repeat(1023) + "\n";
    Files.writeString(big, "version: v1\nservices: []\n" + padding.repeat(1024));
    assertConfigError(() -> Acl.load(big), "", "larger than 1048576 bytes");
    assertConfigError(() -> Acl.parse(Files.readString(big), SOURCE), "", "larger than");
  }

  @Test
  void fileErrorsNameTheFile() throws Exception {
    Path missing = dir.resolve("missing.yaml");
    ConfigException e = configError(() -> Acl.load(missing));
    assertThat(e.source()).isEqualTo(missing.toString());
    assertThat(e.reason()).isEqualTo("file does not exist");
    assertThat(configError(() -> Acl.load(dir)).reason()).startsWith("cannot read file");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "version: v1\nservices: [{name: a, action: open, allowed_domains: [\"a.*.com\"]}]\n");
    assertThat(configError(() -> Acl.load(bad)).getMessage())
        .isEqualTo(bad + ": services[0].allowed_domains[0]: invalid domain glob 'a.*.com': "
            + "domain globs are only supported as prefix (*.example.com)");
  }

  @Test
  void readsUtf8GlobsAndAsksForPunycode() throws Exception {
    Path file = dir.resolve("idn.yaml");
    Files.writeString(file, "version: v1\nservices: []\ndefault: {action: enforce, allowed_domains: [bücher.example]}\n",
        StandardCharsets.UTF_8);
    assertConfigError(() -> Acl.load(file), "default.allowed_domains[0]", "use \"xn--bcher-kva.example\"");
  }

  private static void assertConfigError(ThrowingCallable call, String key, String reason) {
    ConfigException e = configError(call);
    assertThat(e.key()).as("key of: %s", e.getMessage()).isEqualTo(key);
    assertThat(e.reason()).as("reason of: %s", e.getMessage()).contains(reason);
  }

  private static ConfigException configError(ThrowingCallable call) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(thrown).isInstanceOf(ConfigException.class);
    return (ConfigException) thrown;
  }
}
