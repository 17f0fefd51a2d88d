package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The flows a namespace's NetworkPolicies allow, as {@code from -> to proto/port} lines, computed the way the API
 * defines them: a pod selected by no policy of a direction is open in that direction (written {@code OPEN}), a rule
 * without peers allows any peer ({@code ANY}), a rule without ports every port ({@code any-port}). Peers are named:
 * {@code pod:<workload>} for a workload of the namespace (by its pod labels), {@code ns:<name>} or
 * {@code ns:<name>/<key>=<value>} for pods of another namespace (selected by {@code kubernetes.io/metadata.name}), and
 * {@code cidr:<range>[ except ...]} for address blocks. Selectors other than these (matchExpressions, namespaces
 * chosen by other labels) are not interpreted: they become {@code UNSUPPORTED:...} peers, which no expected graph
 * holds, so a policy written that way fails the test rather than being misread.
 *
 * @param egress flows as the senders' egress rules allow them
 * @param ingress flows as the receivers' ingress rules allow them
 */
record NetworkPolicyGraph(TreeSet<String> egress, TreeSet<String> ingress) {
  static final String NAME_LABEL = "kubernetes.io/metadata.name";

  /**
   * @param workloads the namespace's workloads by name, with their pod template labels
   * @param policies the namespace's NetworkPolicy objects
   */
  static NetworkPolicyGraph of(Map<String, Map<String, String>> workloads, List<JsonNode> policies) {
    TreeSet<String> egress = new TreeSet<>();
    TreeSet<String> ingress = new TreeSet<>();
    for (String workload : workloads.keySet()) {
      Map<String, String> labels = workloads.get(workload);
      List<JsonNode> selecting = policies.stream().filter(p -> selects(p.path("spec").path("podSelector"), labels))
          .toList();
      collect(workload, selecting, "Egress", "egress", "to", workloads, egress);
      collect(workload, selecting, "Ingress", "ingress", "from", workloads, ingress);
    }
    return new NetworkPolicyGraph(egress, ingress);
  }

  /** Every flow either side allows. */
  TreeSet<String> all() {
    TreeSet<String> all = new TreeSet<>(egress);
    all.addAll(ingress);
    return all;
  }

  private static void collect(String workload, List<JsonNode> policies, String type, String rulesKey,
      String peersKey, Map<String, Map<String, String>> workloads, TreeSet<String> flows) {
    List<JsonNode> ofType = policies.stream().filter(p -> types(p).contains(type)).toList();
    String self = "pod:" + workload;
    if (ofType.isEmpty()) {
      flows.add(type.equals("Egress") ? self + " -> OPEN any-port" : "OPEN -> " + self + " any-port");
      return;
    }
    for (JsonNode policy : ofType) {
      for (JsonNode rule : policy.path("spec").path(rulesKey)) {
        for (String peer : peers(rule.path(peersKey), workloads)) {
          for (String port : ports(rule.path("ports"))) {
            flows.add(type.equals("Egress") ? self + " -> " + peer + " " + port : peer + " -> " + self + " " + port);
          }
        }
      }
    }
  }

  /** policyTypes, defaulted as the API does: Ingress always, Egress when the policy has egress rules. */
  private static List<String> types(JsonNode policy) {
    List<String> types = new ArrayList<>();
    JsonNode declared = policy.path("spec").path("policyTypes");
    if (declared.isArray() && !declared.isEmpty()) {
      declared.forEach(type -> types.add(type.asText()));
    } else {
      types.add("Ingress");
      if (policy.path("spec").has("egress")) {
        types.add("Egress");
      }
    }
    return types;
  }

  private static List<String> peers(JsonNode peers, Map<String, Map<String, String>> workloads) {
    if (peers.isMissingNode() || peers.isNull() || peers.isEmpty()) {
      return List.of("ANY");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode peer : peers) {
      names.addAll(peer(peer, workloads));
    }
    return names;
  }

  private static List<String> peer(JsonNode peer, Map<String, Map<String, String>> workloads) {
    if (peer.has("ipBlock")) {
      JsonNode block = peer.path("ipBlock");
      TreeSet<String> except = new TreeSet<>();
      block.path("except").forEach(range -> except.add(range.asText()));
      return List.of("cidr:" + block.path("cidr").asText() + (except.isEmpty() ? "" : " except " + except));
    }
    JsonNode pods = peer.path("podSelector");
    if (peer.has("namespaceSelector")) {
      JsonNode namespaces = peer.path("namespaceSelector");
      Map<String, String> byName = matchLabels(namespaces);
      if (byName == null || byName.size() != 1 || !byName.containsKey(NAME_LABEL)) {
        return List.of("UNSUPPORTED:" + peer);
      }
      String name = "ns:" + byName.get(NAME_LABEL);
      Map<String, String> podLabels = pods.isMissingNode() ? Map.of() : matchLabels(pods);
      if (podLabels == null) {
        return List.of("UNSUPPORTED:" + peer);
      }
      StringBuilder text = new StringBuilder(name);
      new TreeMap<>(podLabels).forEach((key, value) -> text.append('/').append(key).append('=').append(value));
      return List.of(text.toString());
    }
    List<String> selected = new ArrayList<>();
    for (var workload : workloads.entrySet()) {
      if (selects(pods, workload.getValue())) {
        selected.add("pod:" + workload.getKey());
      }
    }
    return selected.isEmpty() ? List.of("UNSUPPORTED:" + peer) : selected;
  }

  private static List<String> ports(JsonNode ports) {
    if (ports.isMissingNode() || ports.isNull() || ports.isEmpty()) {
      return List.of("any-port");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode port : ports) {
      String protocol = port.path("protocol").asText("TCP");
      String number = port.has("port") ? port.path("port").asText() : "*";
      names.add(protocol + "/" + number + (port.has("endPort") ? "-" + port.path("endPort").asText() : ""));
    }
    return names;
  }

  /** Whether a selector (matchLabels only; {@code {}} selects all) selects pods with these labels. */
  static boolean selects(JsonNode selector, Map<String, String> labels) {
    Map<String, String> wanted = matchLabels(selector);
    return wanted != null && labels.entrySet().containsAll(wanted.entrySet());
  }

  /** A selector's matchLabels; null when it also has matchExpressions (not interpreted here). */
  private static Map<String, String> matchLabels(JsonNode selector) {
    if (selector.has("matchExpressions") && !selector.path("matchExpressions").isEmpty()) {
      return null;
    }
    Map<String, String> labels = new TreeMap<>();
    selector.path("matchLabels").properties().forEach(entry -> labels.put(entry.getKey(), entry.getValue().asText()));
    return labels;
  }
}
