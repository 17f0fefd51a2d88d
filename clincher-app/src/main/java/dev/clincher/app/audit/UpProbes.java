package dev.clincher.app.audit;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code clincher audit --deep --state-dir}: {@link LiveProbes}' attempts against {@code ./clincher up}, whose
 * services listen on loopback: made from this process (a {@code CONNECT} on a socket for the egress, HTTP requests
 * for the rest), each bounded; the same ids, so a finding means the same for both. The socket proxy's creates carry
 * this run's probe label and anything they made is removed again; the secrets are searched in every process.
 */
final class UpProbes {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final String EGRESS_FIX = "clincher.yaml: egress.acl action: enforce";
  private static final String SOCKET_FIX = "clincher.yaml: socket_proxy as up writes it (allow_root_exec: false, "
      + "allowed_bind_paths: [])";

  private final Deployment deployment;
  private final String run = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
      .proxy(ProxySelector.of(null)).build();

  UpProbes(Deployment deployment) {
    this.deployment = deployment;
  }

  List<Finding> run() {
    List<Finding> findings = new ArrayList<>();
    egress(findings);
    socketProxy(findings);
    String token = deployment.secretFile("gateway", deployment.env().get("CLINCHER_GATEWAY_TOKEN_FILE"))
        .flatMap(SecretChecks::read).orElse("");
    answer(findings, "deep.router.no_key", "a chat completion without a key", post(4000, "/v1/chat/completions",
        "{\"model\":\"default\",\"messages\":[]}", Optional.empty(), Optional.empty()), Set.of("401"),
        "anyone on this machine spends the provider keys", "the router's master key (router-master-key)");
    answer(findings, "deep.router.metrics", "a scrape of the router's /metrics without a token", get(4000,
        "/metrics"), Set.of("401"), "metrics name keys, teams and models", "the router's metrics need their token");
    answer(findings, "deep.gateway.no_token", "the gateway's API without a token", get(18789, "/v1/sessions"),
        Set.of("401"), "anyone who reaches the gateway runs the agent", "the gateway's token (gateway-token)");
    answer(findings, "deep.gateway.token_in_url", "the gateway's API with the token in the URL", get(18789,
        "/v1/sessions?token=" + token), Set.of("401"), "URLs end up in logs, histories and Referer headers",
        "the gateway must accept the token only in the Authorization header");
    answer(findings, "deep.gateway.foreign_origin", "a session created from the origin https://evil.example",
        post(18789, "/v1/sessions", "{}", Optional.of("Bearer " + token), Optional.of("https://evil.example")),
        Set.of("403"), "any page the operator visits could drive the gateway", "clincher.yaml: gateway "
            + "auth.allowed_origins: only the origins you use");
    answer(findings, "deep.gateway.metrics", "a scrape of the gateway's /metrics without a token", get(18789,
        "/metrics"), Set.of("401"), "metrics describe sessions and tools", "the gateway's metrics need their token");
    findings.addAll(new ProcessSecrets(deployment).check());
    return findings;
  }

  private void egress(List<Finding> findings) {
    for (String[] probe : new String[][] {
        {"deep.egress.private", "10.0.0.1", "private addresses are the host's and the LAN's services (SSRF)"},
        {"deep.egress.metadata", "169.254.169.254", "the metadata service hands out the server's cloud credentials"},
        {"deep.egress.allowlist", "not-on-the-allowlist.invalid", "a host off the allowlist is where a "
            + "prompt-injected agent sends what it read"}}) {
      answer(findings, probe[0], "CONNECT to " + probe[1] + " through the egress proxy",
          UpDoctor.connectThroughEgress(probe[1]), Set.of("403"), probe[2], EGRESS_FIX);
    }
  }

  private void socketProxy(List<Finding> findings) {
    if (get(2375, "/_ping").equals("000")) {
      findings.add(Finding.info("deep.socket_proxy.privileged", "the socket proxy does not run (no Docker socket): "
          + "nothing to probe"));
      return;
    }
    String sandbox = "\"Image\":\"clincher-sandbox:latest\",\"Labels\":{\"clincher.sandbox\":\"1\",\""
        + LiveProbes.PROBE_LABEL + "\":\"" + run + "\"}";
    answer(findings, "deep.socket_proxy.privileged", "a privileged sandbox container through the socket proxy",
        post(2375, "/v1.41/containers/create", "{" + sandbox + ",\"HostConfig\":{\"Privileged\":true}}",
            Optional.empty(), Optional.empty()), Set.of("403"), "a privileged container is root on the host",
        SOCKET_FIX);
    answer(findings, "deep.socket_proxy.bind", "a sandbox with the host's / bound in", post(2375,
        "/v1.41/containers/create", "{" + sandbox + ",\"HostConfig\":{\"Binds\":[\"/:/host\"]}}", Optional.empty(),
        Optional.empty()), Set.of("403"), "the host's files in the agent's hands", SOCKET_FIX);
    List<String> created = HostCommand.of(TIMEOUT, "docker", "ps", "-aq", "--filter",
        "label=" + LiveProbes.PROBE_LABEL + "=" + run).run().out().lines().filter(l -> !l.isBlank()).toList();
    for (String id : created) {
      HostCommand.of(TIMEOUT, "docker", "rm", "-f", id).run();
    }
    if (!created.isEmpty()) {
      findings.add(Finding.critical("deep.socket_proxy.nothing_created", created.size() + " container(s) made by "
          + "the probes went through the socket proxy (removed again)", "a create the socket proxy should "
          + "refuse went through", SOCKET_FIX));
    }
  }

  private static void answer(List<Finding> findings, String id, String attempt, String answer, Set<String> refused,
      String why, String fix) {
    findings.add(refused.contains(answer) ? Finding.info(id, attempt + ": refused (" + answer + ")")
        : Finding.critical(id, attempt + ": answered " + answer + ", not " + String.join(" or ", refused), why,
            fix));
  }

  private String get(int port, String pathAndQuery) {
    return send(HttpRequest.newBuilder(uri(port, pathAndQuery)).timeout(TIMEOUT).GET().build());
  }

  private String post(int port, String path, String body, Optional<String> authorization, Optional<String> origin) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(port, path)).timeout(TIMEOUT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    authorization.ifPresent(value -> request.header("Authorization", value));
    origin.ifPresent(value -> request.header("Origin", value));
    return send(request.build());
  }

  private static URI uri(int port, String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  /** The status code, or 000 when nothing answered. */
  private String send(HttpRequest request) {
    try {
      return Integer.toString(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
    } catch (IOException e) {
      return "000";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "000";
    }
  }
}
