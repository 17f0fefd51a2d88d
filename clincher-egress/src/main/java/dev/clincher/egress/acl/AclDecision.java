package dev.clincher.egress.acl;

import java.util.Objects;

/**
 * The ACL's answer for one role and host: allow, allow-but-report, or deny, with a short reason for the decision log.
 *
 * @param result what the proxy must do
 * @param reason snake_case reason: one of the {@code REASON_*} constants
 * @param role the name of the rule that decided ({@code default} for the default rule unless it names itself), or
 *     the requested role when no rule applied
 * @param project the rule's {@code project}, for logs; empty when none is set or no rule applied
 */
public record AclDecision(Result result, String reason, String role, String project) {

  /** The host matched the rule's {@code allowed_domains}. */
  public static final String REASON_ALLOWED_DOMAIN = "allowed_domain";
  /** The host matched the file's {@code global_deny_list}. */
  public static final String REASON_GLOBAL_DENY = "global_deny";
  /** The host matched the file's {@code global_allow_list}. */
  public static final String REASON_GLOBAL_ALLOW = "global_allow";
  /** The host matched no list; the rule's action is {@code enforce} (denied) or {@code report} (allowed, reported). */
  public static final String REASON_NOT_IN_ALLOWLIST = "not_in_allowlist";
  /** The host matched no list and the rule's action is {@code open}. */
  public static final String REASON_OPEN_ACTION = "open_action";
  /** The role has no rule and the file has no {@code default} rule. */
  public static final String REASON_NO_RULE = "no_rule";
  /** The host was empty or not a valid host name; never allowed. */
  public static final String REASON_INVALID_HOST = "invalid_host";

  /** What the proxy does with the request. */
  public enum Result {
    /** Connect. */
    ALLOW,
    /** Connect, and log that an enforcing rule would have denied this (a {@code report} rule). */
    ALLOW_REPORT,
    /** Refuse; open no connection. */
    DENY
  }

  public AclDecision {
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(reason, "reason");
    role = role == null ? "" : role;
    project = project == null ? "" : project;
  }

  /** True for {@link Result#ALLOW} and {@link Result#ALLOW_REPORT}: the proxy may connect. */
  public boolean allowed() {
    return result != Result.DENY;
  }
}
