package dev.clincher.egress.acl;

import dev.clincher.egress.hostname.HostNames;
import java.util.Locale;
import java.util.Objects;

/**
 * One entry of an {@code allowed_domains}, {@code global_allow_list} or {@code global_deny_list}: an exact host
 * ({@code api.tavily.com}, {@code 203.0.113.7}) or a wildcard over subdomains ({@code *.anthropic.com}).
 *
 * <p>Semantics follow Smokescreen ({@code pkg/smokescreen/acl/v1/acl.go}, {@code ValidateDomainGlob} and
 * {@code HostMatchesGlob}, with the cases in {@code acl_test.go}):
 * <ul>
 *   <li>{@code *.example.com} matches subdomains at any depth ({@code a.example.com}, {@code a.b.example.com}) but
 *       <b>not</b> {@code example.com} itself (Smokescreen's test "deny by glob missing subdomain"); list both to
 *       allow both.
 *   <li>A wildcard is only valid as the whole first label, once: {@code *} and {@code *.} ("must not match
 *       everything"), {@code *foo.com} and {@code **.com} ("must represent a full prefix (sub)domain"),
 *       {@code foo.*.com}, {@code *.*.com} and {@code foo*.com} ("only supported as prefix") are rejected.
 *       {@code *.com} is accepted, as Smokescreen accepts it.
 *   <li>Globs must be written in normalised form: lower case and Punycode; {@code Example.com} and
 *       {@code éxämple.com} are rejected with the spelling to use ({@code example.com},
 *       {@code xn--xmple-gra7a.com}). One trailing dot is accepted and ignored.
 *   <li>Labels follow the STD3 host-name rules Smokescreen's IDNA lookup profile applies: letters, digits and
 *       hyphens, no hyphen first or last, no {@code --} in positions 3-4 except in {@code xn--} labels.
 *   <li>IPv6 addresses are exact entries only and must be in RFC 5952 form ({@code 2001:db8::1}), as Go prints
 *       them.
 * </ul>
 * Clincher is stricter than Smokescreen only for entries that can never match a real host: empty labels
 * ({@code a..b}), labels over 63 characters, names over 253 characters, and a wildcard in front of an IP address.
 *
 * @param domain the normalised domain (without {@code *.} and without trailing dot) or IP literal
 * @param wildcard true for {@code *.domain}: matches proper subdomains of {@code domain} only
 */
public record DomainGlob(String domain, boolean wildcard) {

  public DomainGlob {
    Objects.requireNonNull(domain, "domain");
    String problem = syntaxProblem(domain, wildcard);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Parses one glob strictly.
   *
   * @throws IllegalArgumentException with the reason it is invalid, worded for an operator
   */
  public static DomainGlob parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("glob cannot be empty");
    }
    if (text.equals("*") || text.equals("*.")) {
      throw new IllegalArgumentException("domain glob must not match everything");
    }
    if (text.startsWith("*") && !text.startsWith("*.")) {
      throw new IllegalArgumentException("domain glob must represent a full prefix (sub)domain, e.g. *.example.com");
    }
    boolean wildcard = text.startsWith("*.");
    String domain = wildcard ? text.substring(2) : text;
    if (domain.indexOf('*') >= 0) {
      throw new IllegalArgumentException("domain globs are only supported as prefix (*.example.com)");
    }
    requireNormalised(wildcard, domain);
    return new DomainGlob(HostNames.withoutTrailingDot(domain), wildcard);
  }

  /**
   * Whether {@code host} matches, after bringing it to the canonical spelling (lower case, Punycode, no trailing
   * dot, RFC 5952 IPv6), as Smokescreen's {@code HostMatchesGlob} does. An empty or invalid host never matches.
   */
  public boolean matches(String host) {
    String normalised = HostNames.normalize(host);
    return normalised != null && matchesNormalised(normalised);
  }

  /** {@link #matches} for a host already normalised by {@link HostNames#normalize}. */
  boolean matchesNormalised(String host) {
    if (!wildcard) {
      return host.equals(domain);
    }
    int dot = host.length() - domain.length() - 1;
    return dot > 0 && host.endsWith(domain) && host.charAt(dot) == '.';
  }

  /** The glob as written in a file: {@code *.example.com} or {@code example.com}. */
  @Override
  public String toString() {
    return wildcard ? "*." + domain : domain;
  }

  /** Rejects spellings that Smokescreen would rewrite, naming the spelling to use. */
  private static void requireNormalised(boolean wildcard, String domain) {
    String prefix = wildcard ? "*." : "";
    if (domain.indexOf(':') >= 0 || domain.startsWith("[")) {
      requireCanonicalIpv6(wildcard, domain);
      return;
    }
    String ascii = HostNames.toAscii(domain);
    if (ascii == null) {
      throw new IllegalArgumentException("not a valid international domain name");
    }
    if (!ascii.equals(domain)) {
      throw new IllegalArgumentException("incorrect ACL entry; use \"" + prefix + ascii + "\"");
    }
  }

  private static void requireCanonicalIpv6(boolean wildcard, String domain) {
    if (wildcard) {
      throw new IllegalArgumentException("a wildcard cannot prefix an IP address");
    }
    String unbracketed = domain.startsWith("[") && domain.endsWith("]")
        ? domain.substring(1, domain.length() - 1) : domain;
    String canonical = HostNames.canonicalIpv6(unbracketed);
    if (canonical == null) {
      throw new IllegalArgumentException(
          "not a domain name or IPv6 address (write host names without scheme or port)");
    }
    if (!canonical.equals(domain)) {
      throw new IllegalArgumentException("incorrect ACL entry; use \"" + canonical + "\"");
    }
  }

  /** Why {@code domain} cannot be a glob's domain part, or {@code null} when it can. */
  private static String syntaxProblem(String domain, boolean wildcard) {
    if (domain.indexOf(':') >= 0) {
      if (wildcard) {
        return "a wildcard cannot prefix an IP address";
      }
      return domain.equals(HostNames.canonicalIpv6(domain)) ? null : "not a canonical IPv6 address: " + domain;
    }
    if (domain.isEmpty()) {
      return "glob cannot be empty";
    }
    if (domain.length() > HostNames.MAX_NAME_LENGTH) {
      return "domain name is longer than " + HostNames.MAX_NAME_LENGTH + " characters";
    }
    for (String label : domain.split("\\.", -1)) {
      String problem = labelProblem(label);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static String labelProblem(String label) {
    if (label.isEmpty()) {
      return "domain name has an empty label";
    }
    if (label.length() > HostNames.MAX_LABEL_LENGTH) {
      return "domain name label is longer than " + HostNames.MAX_LABEL_LENGTH + " characters: " + label;
    }
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return "domain names may contain only a-z, 0-9, '-' and '.', found '" + printable(c) + "'";
      }
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      return "domain name label must not start or end with '-': " + label;
    }
    if (label.length() > 4 && label.startsWith("--", 2) && !label.startsWith("xn--")) {
      return "domain name label must not have '--' in positions 3 and 4: " + label;
    }
    return null;
  }

  private static String printable(char c) {
    return c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c);
  }
}
