package dev.clincher.gateway.tools.web;

import dev.clincher.common.net.IpLiterals;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The strict URL check of {@code web_fetch}, applied to the model's URL and to every redirect target.
 *
 * <p>Accepted: absolute {@code http}/{@code https} URLs of printable ASCII (other characters must be
 * percent-encoded; international names as punycode), at most {@value #MAX_LENGTH} characters, whose host is a DNS
 * name of letters, digits and hyphens, a canonical dotted-quad IPv4 or a bracketed IPv6 literal without zone id, and
 * whose port, if given, is 1..65535. Refused: other schemes ({@code file:}, {@code ftp:}, {@code jar:},
 * {@code gopher:}, {@code data:} ...), credentials ({@code user@host}), legacy IPv4 forms ({@code 2130706433},
 * {@code 0x7f.1}, {@code 127.1}, {@code 010.0.0.1}), empty labels and trailing dots. The fragment is dropped.
 * Whether the address may be reached is not decided here: the egress proxy decides that after resolving the name.
 */
final class FetchUrl {
  static final int MAX_LENGTH = 4096;
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NUMERIC_LOOKING = Pattern.compile("(0x[0-9a-f]*|[0-9]+)");

  /** Why a URL is refused; the message is written for the model. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  private FetchUrl() {}

  /** The URL in canonical form (lower-case scheme and host, path at least {@code /}, no fragment). */
  static URI check(String text) throws Refused {
    if (text == null || text.isEmpty()) {
      throw new Refused("url is required");
    }
    if (text.length() > MAX_LENGTH) {
      throw new Refused("the URL is longer than " + MAX_LENGTH + " characters");
    }
    if (!text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new Refused("the URL must be printable ASCII without spaces; percent-encode other characters");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new Refused("not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new Refused("only http:// and https:// URLs can be fetched"
          + (scheme.isEmpty() ? " (the URL must be absolute)" : ", not " + scheme + ":"));
    }
    if (uri.isOpaque() || uri.getRawAuthority() == null) {
      throw new Refused("the URL has no host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawAuthority().contains("@")) {
      throw new Refused("credentials in the URL (user@host) are not allowed");
    }
    String host = checkHost(uri.getHost());
    int port = uri.getPort();
    if (port == 0 || port > 65535 || uri.getRawAuthority().endsWith(":")) {
      throw new Refused("the port must be 1..65535");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return URI.create(scheme + "://" + host + (port > 0 ? ":" + port : "") + path + query);
  }

  private static String checkHost(String rawHost) throws Refused {
    if (rawHost == null || rawHost.isEmpty()) {
      throw new Refused("the URL has no valid host name (letters, digits, '-' and '.' only)");
    }
    String host = rawHost.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      if (host.contains("%") || IpLiterals.parseIpv6(host.substring(1, host.length() - 1)).isEmpty()) {
        throw new Refused("not a valid IPv6 address (zone ids are not allowed)");
      }
      return host;
    }
    if (host.length() > 253 || host.endsWith(".")) {
      throw new Refused("the host name is too long or ends with a dot");
    }
    String[] labels = host.split("\\.", -1);
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        throw new Refused("the host name has an empty or invalid label");
      }
    }
    if (NUMERIC_LOOKING.matcher(labels[labels.length - 1]).matches()
        && IpLiterals.parseIpv4Canonical(host).isEmpty()) {
      throw new Refused("write an IPv4 address as four decimal parts (a.b.c.d), no other form");
    }
    return host;
  }
}
