package dev.clincher.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code deploy/k8s}, rendered by the real {@code kubectl kustomize} (base and example overlay) and held to the rules
 * of docs/scaling.md: every workload hardened ({@link PodRules}), a PodDisruptionBudget per Deployment, the same uids
 * as compose, Redis and PostgreSQL only as references, no Secret objects, the sandbox namespace closed, and the
 * NetworkPolicies allowing exactly the compose topology's flows ({@link NetworkPolicyGraph}) — none missing, none
 * more. kubectl comes from clincher-e2e/ci-setup.sh (Debian's kubernetes-client when no kubectl is installed).
 */
class KubernetesManifestsTest {
  private static final Path REPOSITORY = Path.of(System.getenv().getOrDefault("CLINCHER_REPOSITORY", ".."));
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final String NAMESPACE = "clincher";
  private static final String SANDBOX_NAMESPACE = "clincher-sandbox";
  /** The one workload that talks to the API server: it creates the sandbox pods. */
  private static final Set<String> NEEDS_API_TOKEN = Set.of("gateway");
  private static final String DNS = "ns:kube-system/k8s-app=kube-dns";
  private static final String INTERNET =
      "cidr:0.0.0.0/0 except [10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16]";

  /** Each rendering, with the API server address its gateway policy must name. */
  static Stream<Arguments> renderings() {
    return Stream.of(Arguments.of("deploy/k8s/base", "192.0.2.1/32"),
        Arguments.of("deploy/k8s/overlays/example", "172.18.0.2/32"));
  }

  /**
   * The compose topology as flows (docker-compose.yml's networks, with caddy's place taken by the ingress controller
   * and the socket proxy's by the API server), each written from the sender's side.
   */
  static TreeSet<String> expectedEgress(String apiServer) {
    return new TreeSet<>(List.of(
        "pod:gateway -> pod:router TCP/4000", // openclaw-net: the model calls
        "pod:gateway -> pod:egress TCP/4750", // openclaw-net: web_fetch and channels through the egress proxy
        "pod:gateway -> ns:redis TCP/6379", // openclaw-net
        "pod:gateway -> ns:postgres TCP/5432", // the transcript store several replicas share
        "pod:gateway -> cidr:" + apiServer + " TCP/6443", // the sandbox backend, as the socket proxy is in compose
        "pod:gateway -> " + DNS + " UDP/53", "pod:gateway -> " + DNS + " TCP/53",
        "pod:router -> pod:egress TCP/4750", // openclaw-net: HTTPS_PROXY
        "pod:router -> ns:redis TCP/6379", "pod:router -> ns:postgres TCP/5432",
        "pod:router -> " + DNS + " UDP/53", "pod:router -> " + DNS + " TCP/53",
        "pod:egress -> " + INTERNET + " TCP/443", // egress-net, 443 only
        "pod:egress -> " + DNS + " UDP/53", "pod:egress -> " + DNS + " TCP/53"));
  }

  /** The same flows from the receivers' side, plus what comes from outside the namespace. */
  static TreeSet<String> expectedIngress() {
    return new TreeSet<>(List.of(
        "ns:ingress-nginx -> pod:gateway TCP/18789", // proxy-net: caddy -> gateway
        "ns:monitoring -> pod:gateway TCP/18789", // metrics scrape, with the gateway's metrics token
        "pod:gateway -> pod:router TCP/4000", "ns:monitoring -> pod:router TCP/4000",
        "pod:gateway -> pod:egress TCP/4750", "pod:router -> pod:egress TCP/4750",
        "ns:monitoring -> pod:egress TCP/4750"));
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void everyWorkloadIsHardenedAndRunsAsItsComposeUser(String directory, String apiServer) {
    List<JsonNode> objects = render(directory);
    Map<String, JsonNode> accounts = byName(objects, "ServiceAccount");
    Map<String, String> composeUsers = composeUsers();
    List<String> violations = new ArrayList<>();
    for (JsonNode workload : workloads(objects)) {
      String name = workload.path("metadata").path("name").asText();
      JsonNode pod = PodRules.podSpec(workload);
      String namespace = workload.path("metadata").path("namespace").asText();
      JsonNode account = accounts.get(namespace + "/" + pod.path("serviceAccountName").asText("default"));
      violations.addAll(PodRules.violations(workload, NEEDS_API_TOKEN.contains(name), account));
      assertThat(composeUsers).as("compose service of workload %s", name).containsKey(name);
      assertThat(pod.path("securityContext").path("runAsUser").asText() + ":"
          + pod.path("securityContext").path("runAsGroup").asText())
          .as("uid:gid of %s (docker-compose.yml)", name).isEqualTo(composeUsers.get(name));
    }
    assertThat(violations).as("hardening rules broken in %s", directory).isEmpty();
    assertThat(workloads(objects)).extracting(w -> w.path("metadata").path("name").asText())
        .containsExactlyInAnyOrder("gateway", "router", "egress");
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void probesUseTheHealthEndpointsOnTheServicePort(String directory, String apiServer) {
    for (JsonNode workload : workloads(render(directory))) {
      for (JsonNode container : PodRules.podSpec(workload).path("containers")) {
        String name = workload.path("metadata").path("name").asText();
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
            .as("readiness of %s", name).isEqualTo("/health/readiness");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText())
            .as("liveness of %s", name).isEqualTo("/health/liveliness");
        assertThat(container.path("readinessProbe").path("httpGet").path("port").asText())
            .isEqualTo(container.path("ports").get(0).path("name").asText());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void everyDeploymentHasADisruptionBudget(String directory, String apiServer) {
    List<JsonNode> objects = render(directory);
    List<JsonNode> budgets = ofKind(objects, "PodDisruptionBudget");
    for (JsonNode workload : workloads(objects)) {
      Map<String, String> labels = labels(workload.path("spec").path("template").path("metadata").path("labels"));
      List<JsonNode> covering = budgets.stream()
          .filter(b -> NetworkPolicyGraph.selects(b.path("spec").path("selector"), labels)).toList();
      assertThat(covering).as("PodDisruptionBudget of %s", workload.path("metadata").path("name").asText())
          .hasSize(1);
      assertThat(covering.getFirst().path("spec").path("minAvailable").asInt(0)).isGreaterThanOrEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void dataServicesAreReferencesAndSecretsAreMountedFiles(String directory, String apiServer) {
    List<JsonNode> objects = render(directory);
    assertThat(ofKind(objects, "StatefulSet")).as("no home-made databases").isEmpty();
    assertThat(ofKind(objects, "Secret")).as("secrets are created apart, never rendered from the repository")
        .isEmpty();
    Map<String, JsonNode> services = byName(objects, "Service");
    for (String data : List.of("redis", "postgres")) {
      JsonNode service = services.get(NAMESPACE + "/" + data);
      assertThat(service).as("Service %s", data).isNotNull();
      assertThat(service.path("spec").path("type").asText()).isEqualTo("ExternalName");
      assertThat(service.path("spec").path("externalName").asText()).isNotBlank();
    }
    for (JsonNode workload : workloads(objects)) {
      List<String> secretVolumes = new ArrayList<>();
      PodRules.podSpec(workload).path("volumes").forEach(volume -> {
        if (volume.has("secret")) {
          secretVolumes.add(volume.path("secret").path("secretName").asText());
        }
      });
      assertThat(secretVolumes).as("secret files of %s", workload.path("metadata").path("name").asText())
          .containsExactly("clincher-" + workload.path("metadata").path("name").asText());
    }
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void theNetworkPoliciesAllowExactlyTheComposeFlows(String directory, String apiServer) {
    List<JsonNode> objects = render(directory);
    NetworkPolicyGraph graph = graph(objects);
    assertThat(graph.egress()).as("egress flows of %s", directory).isEqualTo(expectedEgress(apiServer));
    assertThat(graph.ingress()).as("ingress flows of %s", directory).isEqualTo(expectedIngress());
    JsonNode deny = byName(objects, "NetworkPolicy").get(NAMESPACE + "/default-deny");
    assertThat(deny).as("default deny").isNotNull();
    assertDenyAll(deny);
  }

  @Test
  void theFlowsMatchTheComposeNetworks() {
    Map<String, Set<String>> networks = composeNetworks();
    for (String flow : expectedEgress("192.0.2.1/32")) {
      String[] parts = flow.split(" ");
      if (parts[0].startsWith("pod:") && parts[2].startsWith("pod:")) {
        Set<String> shared = new TreeSet<>(networks.get(parts[0].substring(4)));
        shared.retainAll(networks.get(parts[2].substring(4)));
        assertThat(shared).as("a compose network shared by the ends of %s", flow).isNotEmpty();
      }
    }
    List<String> toInternet = expectedEgress("192.0.2.1/32").stream().filter(f -> f.contains(INTERNET))
        .map(f -> f.substring(4, f.indexOf(' '))).toList();
    List<String> onEgressNet = networks.entrySet().stream().filter(e -> e.getValue().contains("egress-net"))
        .map(Map.Entry::getKey).toList();
    assertThat(toInternet).as("the workloads with a way to the internet are compose's egress-net members")
        .isEqualTo(onEgressNet);
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void theSandboxNamespaceIsClosedAndTheGatewayMayOnlyManagePodsThere(String directory, String apiServer) {
    List<JsonNode> objects = render(directory);
    JsonNode deny = byName(objects, "NetworkPolicy").get(SANDBOX_NAMESPACE + "/deny-all");
    assertThat(deny).as("deny-all in the sandbox namespace").isNotNull();
    assertDenyAll(deny);
    assertThat(ofKind(objects, "NetworkPolicy").stream()
        .filter(p -> p.path("metadata").path("namespace").asText().equals(SANDBOX_NAMESPACE)))
        .as("no policy opens a sandbox flow").hasSize(1);
    for (JsonNode namespace : ofKind(objects, "Namespace")) {
      assertThat(namespace.path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asText())
          .as("Pod Security of %s", namespace.path("metadata").path("name").asText()).isEqualTo("restricted");
    }
    List<JsonNode> roles = new ArrayList<>(ofKind(objects, "Role"));
    roles.addAll(ofKind(objects, "ClusterRole"));
    assertThat(roles).hasSize(1);
    JsonNode role = roles.getFirst();
    assertThat(role.path("metadata").path("namespace").asText()).isEqualTo(SANDBOX_NAMESPACE);
    Map<String, Set<String>> verbs = new TreeMap<>();
    for (JsonNode rule : role.path("rules")) {
      assertThat(rule.path("apiGroups").toString()).isEqualTo("[\"\"]");
      assertThat(rule.has("resourceNames") || rule.has("nonResourceURLs")).isFalse();
      for (JsonNode resource : rule.path("resources")) {
        rule.path("verbs").forEach(verb -> verbs.computeIfAbsent(resource.asText(), r -> new TreeSet<>())
            .add(verb.asText()));
      }
    }
    assertThat(verbs).isEqualTo(Map.of("pods", Set.of("create", "get", "list", "delete"),
        "pods/exec", Set.of("create", "get")));
    List<JsonNode> bindings = new ArrayList<>(ofKind(objects, "RoleBinding"));
    bindings.addAll(ofKind(objects, "ClusterRoleBinding"));
    assertThat(bindings).hasSize(1);
    assertThat(bindings.getFirst().path("subjects").toString())
        .isEqualTo("[{\"kind\":\"ServiceAccount\",\"name\":\"clincher-gateway\",\"namespace\":\"clincher\"}]");
    JsonNode sandboxAccount = byName(objects, "ServiceAccount").get(SANDBOX_NAMESPACE + "/default");
    assertThat(sandboxAccount.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    assertThat(ofKind(objects, "ResourceQuota")).extracting(q -> q.path("metadata").path("namespace").asText())
        .containsExactly(SANDBOX_NAMESPACE);
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void theGatewayMakesItsSandboxesOnKubernetesFromAPinnedImage(String directory, String apiServer)
      throws IOException {
    JsonNode config = ofKind(render(directory), "ConfigMap").stream()
        .filter(map -> map.path("metadata").path("name").asText().startsWith("clincher-gateway-config"))
        .findFirst().orElseThrow();
    JsonNode gateway = YAML.readTree(config.path("data").path("gateway.yaml").asText());
    assertThat(gateway.path("sandbox").path("backend").asText()).isEqualTo("kubernetes");
    assertThat(gateway.path("sandbox").path("kubernetes").path("namespace").asText()).isEqualTo(SANDBOX_NAMESPACE);
    assertThat(PodRules.pinned(gateway.path("sandbox").path("image").asText())).isTrue();
    assertThat(gateway.path("storage").path("url").asText()).startsWith("jdbc:postgresql://postgres:5432/");
  }

  // The checks themselves can fail: each widening below is caught.

  @Test
  void aWiderPolicyIsCaught() {
    List<JsonNode> objects = render("deploy/k8s/base");
    ObjectNode router = (ObjectNode) byName(objects, "NetworkPolicy").get(NAMESPACE + "/router");
    ((ArrayNode) router.path("spec").path("egress")).addObject().putArray("ports").addObject().put("port", 443);
    assertThat(graph(objects).egress()).contains("pod:router -> ANY TCP/443")
        .isNotEqualTo(expectedEgress("192.0.2.1/32"));

    List<JsonNode> withoutDefaultDeny = render("deploy/k8s/base").stream()
        .filter(o -> !(o.path("kind").asText().equals("NetworkPolicy")
            && Set.of("egress", "default-deny").contains(o.path("metadata").path("name").asText()))).toList();
    assertThat(graph(withoutDefaultDeny).egress()).contains("pod:egress -> OPEN any-port");
    assertThat(graph(withoutDefaultDeny).ingress()).contains("OPEN -> pod:egress any-port");

    List<JsonNode> fromAnyNamespace = render("deploy/k8s/base");
    ObjectNode gateway = (ObjectNode) byName(fromAnyNamespace, "NetworkPolicy").get(NAMESPACE + "/gateway");
    ((ObjectNode) gateway.path("spec").path("ingress").get(0).path("from").get(0)).putObject("namespaceSelector");
    assertThat(graph(fromAnyNamespace).ingress()).anyMatch(flow -> flow.startsWith("UNSUPPORTED:"));
  }

  @Test
  void aPrivilegedOrHostSharingOrUnpinnedWorkloadIsCaught() {
    JsonNode gateway = workloads(render("deploy/k8s/base")).stream()
        .filter(w -> w.path("metadata").path("name").asText().equals("gateway")).findFirst().orElseThrow();
    ObjectNode pod = (ObjectNode) PodRules.podSpec(gateway);
    ObjectNode container = (ObjectNode) pod.path("containers").get(0);
    ((ObjectNode) container.path("securityContext")).put("privileged", true).put("allowPrivilegeEscalation", true)
        .put("readOnlyRootFilesystem", false);
    ((ObjectNode) container.path("securityContext").path("capabilities")).putArray("add").add("SYS_ADMIN");
    ((ObjectNode) container.path("securityContext")).put("runAsNonRoot", false);
    container.put("image", "registry.example.com/clincher:latest");
    ((ObjectNode) container.path("resources")).remove("limits");
    container.putArray("env").addObject().put("name", "TOKEN").putObject("valueFrom").putObject("secretKeyRef");
    pod.put("hostNetwork", true).put("automountServiceAccountToken", true);
    pod.withArray("volumes").addObject().put("name", "root").putObject("hostPath").put("path", "/");
    ((ObjectNode) pod.path("securityContext")).put("runAsNonRoot", false).put("runAsUser", 0);
    ((ObjectNode) gateway.path("spec")).put("replicas", 1);

    List<String> violations = PodRules.violations(gateway, false, null);
    assertThat(String.join("\n", violations)).contains("privileged", "allowPrivilegeEscalation",
        "readOnlyRootFilesystem", "adds capabilities", "is not pinned", "resources.limits.cpu", "secret value",
        "hostNetwork", "hostPath", "runAsNonRoot", "runAsUser", "replicas", "service-account token");
    assertThat(PodRules.pinned("clincher")).isFalse();
    assertThat(PodRules.pinned("localhost:5000/clincher")).isFalse();
    assertThat(PodRules.pinned("clincher@sha256:" + "a".repeat(64))).isTrue();
  }

  private static void assertDenyAll(JsonNode policy) {
    assertThat(policy.path("spec").path("podSelector").isEmpty()).isTrue();
    assertThat(policy.path("spec").path("policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
    assertThat(policy.path("spec").has("ingress") || policy.path("spec").has("egress")).isFalse();
  }

  private static NetworkPolicyGraph graph(List<JsonNode> objects) {
    Map<String, Map<String, String>> workloads = new LinkedHashMap<>();
    for (JsonNode workload : workloads(objects)) {
      if (workload.path("metadata").path("namespace").asText().equals(NAMESPACE)) {
        workloads.put(workload.path("metadata").path("name").asText(),
            labels(workload.path("spec").path("template").path("metadata").path("labels")));
      }
    }
    List<JsonNode> policies = ofKind(objects, "NetworkPolicy").stream()
        .filter(p -> p.path("metadata").path("namespace").asText().equals(NAMESPACE)).toList();
    return NetworkPolicyGraph.of(workloads, policies);
  }

  /** Renders a kustomization with the real kubectl; each call renders afresh (tests mutate what they get). */
  static List<JsonNode> render(String directory) {
    Commands.Result result = Commands.run(Duration.ofSeconds(60), "kubectl", "kustomize",
        REPOSITORY.resolve(directory).toString());
    if (!result.ok()) {
      fail("kubectl kustomize failed (kubectl comes from clincher-e2e/ci-setup.sh): " + result.describe());
    }
    try {
      List<JsonNode> objects = new ArrayList<>();
      for (JsonNode object : YAML.readerFor(JsonNode.class).<JsonNode>readValues(result.out()).readAll()) {
        if (object != null && object.isObject()) {
          objects.add(object);
        }
      }
      assertThat(objects).as("objects rendered from %s", directory).isNotEmpty();
      objects.forEach(o -> assertThat(o.path("metadata").path("namespace").asText())
          .as("namespace of %s %s", o.path("kind").asText(), o.path("metadata").path("name").asText())
          .isIn(Set.of(NAMESPACE, SANDBOX_NAMESPACE, "")));
      return objects;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<JsonNode> workloads(List<JsonNode> objects) {
    List<JsonNode> pods = ofKind(objects, "Pod");
    assertThat(pods).as("bare pods (nothing restarts them)").isEmpty();
    return objects.stream().filter(o -> PodRules.WORKLOAD_KINDS.contains(o.path("kind").asText())).toList();
  }

  private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  /** Objects of a kind by {@code namespace/name}. */
  private static Map<String, JsonNode> byName(List<JsonNode> objects, String kind) {
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (JsonNode object : ofKind(objects, kind)) {
      byName.put(object.path("metadata").path("namespace").asText() + "/"
          + object.path("metadata").path("name").asText(), object);
    }
    return byName;
  }

  private static Map<String, String> labels(JsonNode labels) {
    Map<String, String> map = new TreeMap<>();
    labels.properties().forEach(entry -> map.put(entry.getKey(), entry.getValue().asText()));
    return map;
  }

  private static JsonNode compose() {
    try {
      return YAML.readTree(Files.readString(REPOSITORY.resolve("deploy/compose/docker-compose.yml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** uid:gid of every compose service. */
  private static Map<String, String> composeUsers() {
    Map<String, String> users = new TreeMap<>();
    compose().path("services").properties().forEach(e -> users.put(e.getKey(), e.getValue().path("user").asText()));
    return users;
  }

  /** The networks of every compose service (a list, or a map of network to options). */
  private static Map<String, Set<String>> composeNetworks() {
    Map<String, Set<String>> networks = new TreeMap<>();
    compose().path("services").properties().forEach(e -> {
      Set<String> names = new TreeSet<>();
      JsonNode declared = e.getValue().path("networks");
      if (declared.isArray()) {
        declared.forEach(n -> names.add(n.asText()));
      } else {
        declared.fieldNames().forEachRemaining(names::add);
      }
      networks.put(e.getKey(), names);
    });
    return networks;
  }
}
