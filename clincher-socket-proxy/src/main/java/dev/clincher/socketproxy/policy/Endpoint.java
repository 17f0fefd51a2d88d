package dev.clincher.socketproxy.policy;

import java.util.List;

/**
 * One Docker Engine API operation the proxy knows.
 *
 * @param op a stable name, e.g. {@code container.start}; the sandbox profile lists the ops it allows
 * @param method the HTTP method, matched exactly
 * @param pattern the anchored path pattern (after the optional version prefix)
 * @param section the docker-socket-proxy variable that opens it, e.g. {@code CONTAINERS}, or a Clincher
 *     {@code ALLOW_*} variable for operations that stay closed unless named ({@code ALLOW_ARCHIVE})
 * @param write whether it changes state: in compat mode it then also needs {@code POST=1}
 * @param grants variables that open this one operation on their own, even with {@code POST=0}
 *     ({@code ALLOW_START}, {@code ALLOW_STOP}, {@code ALLOW_RESTARTS})
 * @param body what request body it may carry
 * @param subject what the sandbox profile checks before forwarding
 * @param hijacks whether Docker may take over the connection for a raw stream (exec start, attach)
 */
public record Endpoint(String op, String method, PathPattern pattern, String section, boolean write,
    List<String> grants, BodyKind body, Subject subject, boolean hijacks) {

  public Endpoint {
    grants = List.copyOf(grants);
  }

  static Endpoint read(String op, String method, String path, String section) {
    return new Endpoint(op, method, PathPattern.of(path), section, false, List.of(), BodyKind.NONE, Subject.NONE,
        false);
  }

  static Endpoint write(String op, String method, String path, String section, BodyKind body) {
    return new Endpoint(op, method, PathPattern.of(path), section, true, List.of(), body, Subject.NONE, false);
  }

  Endpoint on(Subject newSubject) {
    return new Endpoint(op, method, pattern, section, write, grants, body, newSubject, hijacks);
  }

  Endpoint grantedBy(String... variables) {
    return new Endpoint(op, method, pattern, section, write, List.of(variables), body, subject, hijacks);
  }

  Endpoint hijacking() {
    return new Endpoint(op, method, pattern, section, write, grants, body, subject, true);
  }

  public boolean matches(String requestMethod, ApiPath path) {
    return method.equals(requestMethod) && pattern.matches(path.segments());
  }
}
