package dev.clincher.gateway.auth;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.net.IpLiterals;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The browser origins allowed to call the gateway (HTTP requests and WebSocket upgrades).
 *
 * <p>An origin is {@code scheme://host[:port]} with scheme {@code http} or {@code https}; matching is exact after
 * normalising: scheme and host lower-cased, the default port ({@code :80} for http, {@code :443} for https)
 * dropped. No wildcards, no paths. A request with one {@code Origin} header is allowed when it names
 * <ul>
 *   <li>the request's own origin (see {@link RequestOrigin}) and that origin's host is an IP literal or
 *       {@code localhost} — the page the gateway served calling back home. A host <em>name</em> is not enough on its
 *       own: a DNS-rebinding page (its name pointed at the gateway's address) would be "same origin" too, so a
 *       public name must be listed; or</li>
 *   <li>one of the configured origins ({@code auth.allowed_origins}).</li>
 * </ul>
 * {@code Origin: null}, a malformed value or several {@code Origin} headers are refused. A request without
 * {@code Origin} (curl, SDKs, server-side clients) is allowed unless {@code requireOrigin} is set.
 */
public final class AllowedOrigins {
  private static final Pattern ORIGIN =
      Pattern.compile("(?i)(https?)://([a-z0-9.-]+|\\[[0-9a-f:.]+\\])(?::([0-9]{1,5}))?");

  private final Set<String> allowed;
  private final boolean requireOrigin;

  private AllowedOrigins(Set<String> allowed, boolean requireOrigin) {
    this.allowed = allowed;
    this.requireOrigin = requireOrigin;
  }

  /**
   * Parses the configured origins.
   *
   * @throws ConfigException naming {@code key[i]} when an entry is not a plain {@code scheme://host[:port]}
   */
  public static AllowedOrigins parse(String source, String key, List<String> origins, boolean requireOrigin)
      throws ConfigException {
    List<String> normalised = new ArrayList<>();
    for (int i = 0; i < origins.size(); i++) {
      String origin = origins.get(i);
      int index = i;
      normalised.add(normalise(origin).orElseThrow(() -> new ConfigException(source, key + "[" + index + "]",
          "\"" + origin + "\" is not an origin; write scheme://host[:port] with http or https, no path or wildcard")
          ));
    }
    return new AllowedOrigins(Set.copyOf(normalised), requireOrigin);
  }

  /** The outcome of {@link #check}: allowed or not, and the rule that decided (for the log line). */
  public record Check(boolean allowed, String rule) {}

  /** True if a request with these {@code Origin} header values and no known origin of its own may proceed. */
  public boolean allows(List<String> originHeaders) {
    return check(originHeaders, Optional.empty()).allowed();
  }

  /**
   * Decides a request with these {@code Origin} header values, addressed to {@code own} (its own origin in
   * canonical form, when known).
   */
  public Check check(List<String> originHeaders, Optional<String> own) {
    if (originHeaders.isEmpty()) {
      return requireOrigin ? new Check(false, "origin_required") : new Check(true, "no_origin");
    }
    if (originHeaders.size() > 1) {
      return new Check(false, "several_origins");
    }
    Optional<String> origin = normalise(originHeaders.get(0));
    if (origin.isEmpty()) {
      return new Check(false, "malformed_or_null_origin");
    }
    boolean same = own.isPresent() && own.get().equals(origin.get());
    if (same && isAddressHost(origin.get())) {
      return new Check(true, "same_origin");
    }
    if (allowed.contains(origin.get())) {
      return new Check(true, "allowed_origins");
    }
    return new Check(false, same ? "same_origin_name_not_in_allowed_origins" : "origin_not_allowed");
  }

  /** Whether a canonical origin's host is an IP literal or {@code localhost}: names DNS rebinding cannot borrow. */
  static boolean isAddressHost(String canonicalOrigin) {
    Matcher m = ORIGIN.matcher(canonicalOrigin);
    if (!m.matches()) {
      return false;
    }
    String host = m.group(2);
    if (host.startsWith("[")) {
      return IpLiterals.parseIpv6(host.substring(1, host.length() - 1)).isPresent();
    }
    return host.equals("localhost") || IpLiterals.parseIpv4Canonical(host).isPresent();
  }

  /** {@code scheme://host[:port]} in canonical form, or empty when {@code text} is not exactly an origin. */
  static Optional<String> normalise(String text) {
    if (text == null || text.length() > 300) {
      return Optional.empty();
    }
    Matcher m = ORIGIN.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    String scheme = m.group(1).toLowerCase(Locale.ROOT);
    String host = m.group(2).toLowerCase(Locale.ROOT);
    if (host.startsWith(".") || host.endsWith(".") || host.contains("..")) {
      return Optional.empty();
    }
    String port = m.group(3);
    if (port == null) {
      return Optional.of(scheme + "://" + host);
    }
    int number = Integer.parseInt(port);
    if (number < 1 || number > 65535 || port.charAt(0) == '0') {
      return Optional.empty();
    }
    boolean isDefault = (scheme.equals("http") && number == 80) || (scheme.equals("https") && number == 443);
    return Optional.of(scheme + "://" + host + (isDefault ? "" : ":" + number));
  }
}
