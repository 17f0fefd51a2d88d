package dev.clincher.gateway.sandbox.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** What an API error means for the operator, by status code; safe to show the model (no token, no URL). */
final class KubernetesErrors {
  private KubernetesErrors() {}

  static String describe(Throwable error) {
    if (!(error instanceof KubernetesClientException api)) {
      return error == null ? "unknown error" : error.getClass().getSimpleName();
    }
    String reason = api.getStatus() != null && api.getStatus().getMessage() != null
        ? api.getStatus().getMessage() : "";
    return switch (api.getCode()) {
      case 401 -> "the Kubernetes API refused the gateway's credentials (401)";
      case 403 -> "the gateway's ServiceAccount may not do this in the sandbox namespace (403; the Role "
          + "clincher-sandbox-manager of deploy/k8s/base/sandbox.yaml grants it): " + reason;
      case 404 -> "not found (404): " + reason;
      case 409 -> "conflict (409): " + reason;
      case 422 -> "the Kubernetes API rejected the sandbox pod (422): " + reason;
      case 429 -> "the Kubernetes API is throttling the gateway (429)";
      case 0, -1 -> "the Kubernetes API could not be reached or the exec stream failed (" + rootCause(api) + ")";
      default -> api.getCode() >= 500 ? "the Kubernetes API failed (" + api.getCode() + "): " + reason
          : "the Kubernetes API answered " + api.getCode() + ": " + reason;
    };
  }

  private static String rootCause(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName();
  }
}
