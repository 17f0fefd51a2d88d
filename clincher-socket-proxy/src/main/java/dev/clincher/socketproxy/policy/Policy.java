package dev.clincher.socketproxy.policy;

/**
 * Decides, from method and path alone, whether a request may reach Docker. Body inspection and the sandbox
 * profile's container checks come after an allowing verdict.
 */
public interface Policy {
  /** The profile's name for logs: {@code sandbox} or {@code compat}. */
  String profile();

  /** The inspection settings for container and exec creation bodies. */
  InspectionPolicy inspection();

  /** Whether this profile requires the sandbox label on containers it touches and filters listings by it. */
  boolean confinesToSandboxes();

  Verdict decide(String method, ApiPath path);

  /** Finds the endpoint, then asks {@code rule} whether it is open. */
  static Verdict decideWith(String method, ApiPath path, java.util.function.Function<Endpoint, Verdict> rule) {
    return Endpoints.find(method, path).map(rule).orElseGet(() -> Verdict.unknown(method));
  }
}
