package dev.clincher.egress.address;

import static dev.clincher.egress.address.InvalidHostException.AMBIGUOUS_NUMERIC_HOST;
import static dev.clincher.egress.address.InvalidHostException.INVALID_HOST;

import dev.clincher.egress.hostname.HostNames;
import java.util.function.IntPredicate;

/**
 * The strict domain-name rules a name must pass before it is handed to DNS, shared by {@link RequestedHost#parse}
 * and {@link RequestedHost.DomainName}; the spelling itself comes from the egress's one normaliser, {@link HostNames}.
 */
final class DomainNameSyntax {
  private DomainNameSyntax() {}

  /** True if the last label (after dropping one trailing dot) is decimal digits or 0x-hex. */
  static boolean endsInNumber(String host) {
    String body = HostNames.withoutTrailingDot(host);
    String last = body.substring(body.lastIndexOf('.') + 1);
    if (last.isEmpty()) {
      return false;
    }
    if (last.length() >= 2 && last.charAt(0) == '0' && (last.charAt(1) == 'x' || last.charAt(1) == 'X')) {
      return allMatch(last.substring(2), DomainNameSyntax::isAsciiHex);
    }
    return allMatch(last, c -> c >= '0' && c <= '9');
  }

  /** Lower-cased name without trailing dot, or an exception saying what is wrong. */
  static String normalize(String host) throws InvalidHostException {
    if (host == null || host.isEmpty() || host.length() > RequestedHost.MAX_INPUT_LENGTH) {
      throw new InvalidHostException(INVALID_HOST, host, "empty or too long");
    }
    if (endsInNumber(host)) {
      throw new InvalidHostException(AMBIGUOUS_NUMERIC_HOST, host, "a domain name cannot end in a number");
    }
    String name = HostNames.withoutTrailingDot(host);
    if (name.isEmpty() || name.length() > HostNames.MAX_NAME_LENGTH) {
      throw new InvalidHostException(INVALID_HOST, host, "a name has 1.." + HostNames.MAX_NAME_LENGTH + " characters");
    }
    for (String label : name.split("\\.", -1)) {
      checkLabel(host, label);
    }
    return HostNames.toAscii(name);
  }

  private static void checkLabel(String host, String label) throws InvalidHostException {
    if (label.isEmpty() || label.length() > HostNames.MAX_LABEL_LENGTH) {
      throw new InvalidHostException(INVALID_HOST, host,
          "each label has 1.." + HostNames.MAX_LABEL_LENGTH + " characters");
    }
    if (!allMatch(label, HostNames::isLabelChar)) {
      throw new InvalidHostException(INVALID_HOST, host,
          "only ASCII letters, digits, '-' and '_' are allowed (IDNs must be punycode)");
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      throw new InvalidHostException(INVALID_HOST, host, "a label cannot start or end with '-'");
    }
  }

  private static boolean allMatch(String text, IntPredicate test) {
    for (int i = 0; i < text.length(); i++) {
      if (!test.test(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiHex(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
