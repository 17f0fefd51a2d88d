package dev.clincher.egress.decision;

import java.net.InetAddress;
import java.util.List;

/**
 * The outcome of checking one request: whether to connect, and everything the decision log line needs.
 *
 * @param allowed whether the proxy may connect
 * @param status the HTTP status to answer when not allowed (403, 400, 503)
 * @param reason snake_case reason, e.g. {@code allowed_domain}, {@code not_in_allowlist}, {@code private},
 *     {@code dns_failure}
 * @param role the ACL rule that decided, e.g. {@code default}
 * @param project the rule's project, for logs
 * @param reportOnly true when a {@code report} rule let through what {@code enforce} would have denied
 * @param addresses the resolved addresses: when allowed, the checked ones to connect to, in order; when denied, those
 *     known at the time (the denied one first), for the log only
 */
public record Decision(
    boolean allowed,
    int status,
    String reason,
    String role,
    String project,
    boolean reportOnly,
    List<InetAddress> addresses) {

  public Decision {
    addresses = List.copyOf(addresses);
  }

  static Decision deny(int status, String reason, String role, String project) {
    return new Decision(false, status, reason, role, project, false, List.of());
  }

  static Decision deny(int status, String reason, String role, String project, InetAddress denied) {
    return new Decision(false, status, reason, role, project, false, List.of(denied));
  }
}
