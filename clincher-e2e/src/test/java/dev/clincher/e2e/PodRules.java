package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The hardening every Clincher workload on Kubernetes must have, checked on one rendered workload object
 * (Deployment, StatefulSet, DaemonSet, Job or CronJob): the list of what it breaks, each naming the rule, empty
 * when it breaks none.
 */
final class PodRules {
  /** Kinds whose pods come from a template; a bare Pod is refused outright (nothing restarts or spreads it). */
  static final Set<String> WORKLOAD_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob");

  private PodRules() {}

  /**
   * @param workload the rendered object
   * @param tokenAllowed whether this workload may mount an API token (it talks to the API server)
   * @param serviceAccount the ServiceAccount object the pods run as, or null when none was rendered
   */
  static List<String> violations(JsonNode workload, boolean tokenAllowed, JsonNode serviceAccount) {
    String name = workload.path("kind").asText() + "/" + workload.path("metadata").path("name").asText();
    JsonNode pod = podSpec(workload);
    List<String> found = new ArrayList<>();
    if (workload.path("kind").asText().equals("Deployment") && workload.path("spec").path("replicas").asInt(1) < 2) {
      found.add(name + ": replicas must be at least 2");
    }
    JsonNode podSecurity = pod.path("securityContext");
    for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (pod.path(host).asBoolean(false)) {
        found.add(name + ": " + host + " is set");
      }
    }
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.has("hostPath")) {
        found.add(name + ": volume " + volume.path("name").asText() + " is a hostPath");
      }
    }
    boolean token = pod.path("automountServiceAccountToken").asBoolean(
        serviceAccount == null || serviceAccount.path("automountServiceAccountToken").asBoolean(true));
    if (token && !tokenAllowed) {
      found.add(name + ": mounts a service-account token it does not need (automountServiceAccountToken)");
    }
    List<JsonNode> containers = new ArrayList<>();
    pod.path("initContainers").forEach(containers::add);
    pod.path("containers").forEach(containers::add);
    if (containers.isEmpty()) {
      found.add(name + ": no containers");
    }
    for (JsonNode container : containers) {
      found.addAll(containerViolations(name + " container " + container.path("name").asText(), container,
          podSecurity));
    }
    return found;
  }

  /** The pod spec of a workload (CronJob: its job template's). */
  static JsonNode podSpec(JsonNode workload) {
    JsonNode spec = workload.path("spec");
    if (workload.path("kind").asText().equals("CronJob")) {
      spec = spec.path("jobTemplate").path("spec");
    }
    return spec.path("template").path("spec");
  }

  private static List<String> containerViolations(String name, JsonNode container, JsonNode podSecurity) {
    List<String> found = new ArrayList<>();
    JsonNode security = container.path("securityContext");
    if (!effective(security, podSecurity, "runAsNonRoot").asBoolean(false)) {
      found.add(name + ": runAsNonRoot is not true");
    }
    if (effective(security, podSecurity, "runAsUser").asLong(0) == 0) {
      found.add(name + ": no non-zero runAsUser");
    }
    if (!security.path("readOnlyRootFilesystem").asBoolean(false)) {
      found.add(name + ": readOnlyRootFilesystem is not true");
    }
    if (security.path("allowPrivilegeEscalation").asBoolean(true)) {
      found.add(name + ": allowPrivilegeEscalation is not false");
    }
    if (security.path("privileged").asBoolean(false)) {
      found.add(name + ": privileged");
    }
    JsonNode drop = security.path("capabilities").path("drop");
    if (!(drop.size() == 1 && drop.get(0).asText().equals("ALL"))) {
      found.add(name + ": capabilities.drop is not [ALL]");
    }
    if (!security.path("capabilities").path("add").isEmpty()) {
      found.add(name + ": adds capabilities " + security.path("capabilities").path("add"));
    }
    if (!effective(security, podSecurity, "seccompProfile").path("type").asText().equals("RuntimeDefault")) {
      found.add(name + ": seccompProfile is not RuntimeDefault");
    }
    for (String kind : List.of("requests", "limits")) {
      for (String resource : List.of("cpu", "memory")) {
        if (!container.path("resources").path(kind).has(resource)) {
          found.add(name + ": no resources." + kind + "." + resource);
        }
      }
    }
    String image = container.path("image").asText();
    if (!pinned(image)) {
      found.add(name + ": image " + image + " is not pinned to a tag or digest other than latest");
    }
    for (JsonNode env : container.path("env")) {
      if (env.path("valueFrom").has("secretKeyRef")) {
        found.add(name + ": env " + env.path("name").asText() + " is a secret value (mount it as a file)");
      }
    }
    for (JsonNode from : container.path("envFrom")) {
      if (from.has("secretRef")) {
        found.add(name + ": envFrom a Secret (mount it as a file)");
      }
    }
    return found;
  }

  /** An image reference with a digest, or with a tag that is not {@code latest}. */
  static boolean pinned(String image) {
    if (image.contains("@sha256:")) {
      return true;
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon <= slash) {
      return false;
    }
    String tag = image.substring(colon + 1);
    return !tag.isEmpty() && !tag.equals("latest");
  }

  private static JsonNode effective(JsonNode container, JsonNode pod, String field) {
    return container.has(field) ? container.path(field) : pod.path(field);
  }
}
