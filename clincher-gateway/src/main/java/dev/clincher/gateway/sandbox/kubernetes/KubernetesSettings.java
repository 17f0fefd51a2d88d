package dev.clincher.gateway.sandbox.kubernetes;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where and how sandbox pods are made (config section {@code sandbox.kubernetes}, used when {@code sandbox.backend}
 * is {@code kubernetes}); everything else (image, user, limits, scope) is the common {@code sandbox} section.
 *
 * @param namespace the namespace of the sandbox pods, where the gateway's ServiceAccount has the
 *     {@code clincher-sandbox-manager} Role (deploy/k8s/base/sandbox.yaml)
 * @param runtimeClass the RuntimeClass of sandbox pods (for example {@code gvisor}); empty for the cluster's default
 * @param startTimeout how long a new pod may take to be scheduled, pull its image and run; then it is deleted and
 *     the tool call fails
 * @param apiTimeout bound of every other API call (not exec sessions)
 */
public record KubernetesSettings(String namespace, String runtimeClass, Duration startTimeout, Duration apiTimeout) {
  /** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** A DNS-1123 subdomain: what Kubernetes accepts as a RuntimeClass name. */
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  public static final String DEFAULT_NAMESPACE = "clincher-sandbox";

  public KubernetesSettings {
    runtimeClass = runtimeClass == null ? "" : runtimeClass;
    if (namespace == null || !LABEL.matcher(namespace).matches()) {
      throw new IllegalArgumentException("sandbox.kubernetes.namespace must be a Kubernetes namespace name, got '"
          + namespace + "'");
    }
    if (!runtimeClass.isEmpty() && (runtimeClass.length() > 253 || !SUBDOMAIN.matcher(runtimeClass).matches())) {
      throw new IllegalArgumentException("sandbox.kubernetes.runtime_class must be a RuntimeClass name, got '"
          + runtimeClass + "'");
    }
    for (Duration duration : new Duration[] {startTimeout, apiTimeout}) {
      if (duration == null || duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("sandbox.kubernetes durations must be positive");
      }
    }
  }

  /** The defaults: namespace clincher-sandbox, the cluster's default runtime, 120 s to start, 30 s per call. */
  public static KubernetesSettings defaults() {
    return new KubernetesSettings(DEFAULT_NAMESPACE, "", Duration.ofSeconds(120), Duration.ofSeconds(30));
  }
}
