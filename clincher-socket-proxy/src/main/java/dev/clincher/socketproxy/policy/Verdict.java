package dev.clincher.socketproxy.policy;

import java.util.Optional;

/**
 * A policy's answer for one request: allowed or not, the rule that decided (a variable such as {@code CONTAINERS},
 * or a Clincher rule such as {@code unknown_endpoint}) and a reason for logs and the 403 body.
 *
 * @param allowed whether the request may go on (to body inspection and the sandbox checks, then Docker)
 * @param endpoint the endpoint the request addresses, when known
 * @param rule the deciding rule
 * @param reason a short explanation chosen by the proxy (never request content)
 */
public record Verdict(boolean allowed, Optional<Endpoint> endpoint, String rule, String reason) {

  public static Verdict allow(Endpoint endpoint, String rule) {
    return new Verdict(true, Optional.of(endpoint), rule, "allowed");
  }

  public static Verdict deny(Endpoint endpoint, String rule, String reason) {
    return new Verdict(false, Optional.ofNullable(endpoint), rule, reason);
  }

  public static Verdict unknown(String method) {
    return new Verdict(false, Optional.empty(), "unknown_endpoint",
        "no known Docker API endpoint for " + method + " on this path");
  }
}
