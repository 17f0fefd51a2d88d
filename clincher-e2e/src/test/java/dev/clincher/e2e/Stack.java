package dev.clincher.e2e;

import dev.clincher.e2e.Commands.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One compose deployment of the topology, made the way an operator makes one — the offline images,
 * {@code clincher deploy init}, the host firewall, {@code docker-compose up} — plus the test's stand-in for the
 * internet: a fake {@code api.openai.com} on {@code egress-net} behind a test CA that only this stack's router trusts.
 *
 * <p>Everything is named per run (project, bridges, a free 172.x/16) so a run never touches another deployment on the
 * same host. Caddy publishes on the edge network's bridge address, an address of this machine on a test network.
 */
final class Stack implements AutoCloseable {
  static final String DOMAIN = "clincher.test";
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(5);

  final Path repository;
  final Path jar;
  final Path directory;
  final Path tls;
  final String project;
  final String networkPrefix;
  final String bridgePrefix;
  private boolean down;

  private Stack(Path repository, Path jar, Path work, String id, String networkPrefix) {
    this.repository = repository;
    this.jar = jar;
    this.directory = work.resolve("deployment");
    this.tls = work.resolve("tls");
    this.project = "cle2e" + id;
    this.bridgePrefix = "e2e" + id;
    this.networkPrefix = networkPrefix;
  }

  /** Builds nothing; picks names and a free network range for a new stack under {@code work}. */
  static Stack plan(Path repository, Path jar, Path work) {
    byte[] random = new byte[2];
    new java.security.SecureRandom().nextBytes(random);
    String id = HexFormat.of().formatHex(random);
    return new Stack(repository, jar, work, id, freeNetworkPrefix());
  }

  /** A 172.x (x in 16..31) that no route of this host and no Docker network uses yet (read, not probed). */
  private static String freeNetworkPrefix() {
    String routes = Commands.run(Duration.ofSeconds(10), "ip", "-4", "route").orFail().out();
    String networks = Commands.run(Duration.ofSeconds(20), "sh", "-c",
        "docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $(docker network ls -q)").out();
    for (int second = 31; second >= 16; second--) {
      String prefix = "172." + second + ".";
      if (!routes.contains(prefix) && !networks.contains(prefix)) {
        return "172." + second;
      }
    }
    throw new IllegalStateException("no free 172.16-31.x/16 for the test stack; routes:\n" + routes);
  }

  String address(int network, int host) {
    return networkPrefix + "." + network + "." + host;
  }

  /** Caddy's published address: the edge bridge's own (the host's address on that test network). */
  String publicAddress() {
    return address(40, 1);
  }

  String fakeProviderAddress() {
    return address(30, 100);
  }

  String network(String name) {
    return project + "_" + name;
  }

  /** Writes the deployment, the fake provider, the firewall; starts the stack and waits until it is healthy. */
  void up(Path providerKey, Path fakeClasses) throws IOException {
    makeTestCa();
    Result init = clincher("deploy", "init", directory.toString(), "--domain", DOMAIN, "--tls", "internal",
        "--provider-key", "openai=" + providerKey, "--offline-images", "--project", project,
        "--network-prefix", networkPrefix, "--bridge-prefix", bridgePrefix, "--bind-address", publicAddress(),
        "--https-port", "443", "--http-port", "80", "--monitoring-from", publicAddress() + "/32");
    init.orFail();
    Files.writeString(directory.resolve("docker-compose.override.yml"), override(fakeClasses));
    Commands.run(Duration.ofSeconds(30), directory.resolve("host-firewall").toString(), "apply").orFail();
    Result up = compose(UP_TIMEOUT, "up", "-d");
    if (!up.ok()) {
      throw new AssertionError("the stack did not come up: " + up.describe() + "\n" + logs());
    }
    awaitHealthy();
  }

  /** The test stack's additions: the fake provider, the egress's allow-range for it, the router's trust in its CA. */
  private String override(Path fakeClasses) {
    return """
        # Written by the topology test: the stand-in for the internet.
        services:
          fake-openai:
            image: clincher:latest
            user: "10007:10007"
            entrypoint: ["/opt/clincher/java/bin/java", "-XX:-UsePerfData", "-Xmx64m",
                         "-cp", "/opt/clincher/clincher.jar:/fake/classes", "dev.clincher.e2e.FakeOpenAi",
                         "/fake/tls/server.pem", "/fake/tls/server.key"]
            environment:
              CLINCHER_HEALTH_URL: http://127.0.0.1:8080/requests
            read_only: true
            cap_drop: [ALL]
            security_opt: ["no-new-privileges:true"]
            sysctls: {net.ipv4.ip_unprivileged_port_start: 0}
            tmpfs: ["/tmp:size=16m,mode=1777"]
            volumes:
              - %s:/fake/classes:ro
              - %s:/fake/tls:ro
            networks:
              egress-net:
                ipv4_address: %s
                aliases: [api.openai.com]
            healthcheck: {interval: 5s, timeout: 10s, retries: 10, start_period: 30s}
          egress:
            command:
              - egress
              - --egress-acl-file=/etc/clincher/egress-acl.yaml
              - --listen-ip=0.0.0.0
              - --deny-range=10.0.0.0/8
              - --deny-range=172.16.0.0/12
              - --deny-range=192.168.0.0/16
              - --allow-range=%s/32
              - --metrics-token-file=/run/secrets/metrics_token
            depends_on:
              fake-openai: {condition: service_healthy}
          router:
            environment:
              SSL_CERT_FILE: /run/secrets/test-ca.pem
            volumes:
              - %s:/run/secrets/test-ca.pem:ro
        """.formatted(fakeClasses, tls, fakeProviderAddress(), fakeProviderAddress(), tls.resolve("ca.pem"));
  }

  /** A CA and a certificate for api.openai.com, made with openssl; the key files are for the fake only. */
  private void makeTestCa() throws IOException {
    Files.createDirectories(tls);
    Duration bound = Duration.ofSeconds(30);
    String dir = tls.toString();
    Commands.run(bound, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "2", "-subj", "/CN=clincher e2e test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign").orFail();
    Commands.run(bound, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", dir + "/server.key", "-out", dir + "/server.csr", "-subj", "/CN=api.openai.com").orFail();
    Files.writeString(tls.resolve("server.ext"), "subjectAltName=DNS:api.openai.com\nextendedKeyUsage=serverAuth\n");
    Commands.run(bound, "openssl", "x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.pem", "-CAkey",
        dir + "/ca.key", "-CAcreateserial", "-out", dir + "/server.pem", "-days", "2", "-extfile",
        dir + "/server.ext").orFail();
    Files.delete(tls.resolve("ca.key"));
    for (String name : List.of("server.key", "server.pem", "ca.pem")) {
      Files.setAttribute(tls.resolve(name), "unix:uid", 10007);
    }
  }

  /** Polls `docker inspect` until every container of the stack is healthy (bounded); fails with their logs. */
  /**
   * Recreates one service with {@code overrideBlock} (YAML under {@code services:}, indented two spaces) appended to
   * the test's override file, and waits until the stack is healthy again; {@link #restore} puts it back.
   */
  void recreateWith(String service, String overrideBlock) throws IOException {
    Path override = directory.resolve("docker-compose.override.yml");
    savedOverride = Files.readString(override);
    Files.writeString(override, savedOverride + overrideBlock);
    recreate(service);
  }

  /** Undoes {@link #recreateWith}. */
  void restore(String service) throws IOException {
    if (savedOverride != null) {
      Files.writeString(directory.resolve("docker-compose.override.yml"), savedOverride);
      savedOverride = null;
      recreate(service);
    }
  }

  private String savedOverride;

  private void recreate(String service) {
    compose(Duration.ofMinutes(2), "up", "-d", "--no-deps", service).orFail();
    awaitHealthy();
  }

  private void awaitHealthy() {
    Instant deadline = Instant.now().plus(UP_TIMEOUT);
    String states = "";
    while (Instant.now().isBefore(deadline)) {
      states = String.join("\n", containers().stream().map(this::healthOf).toList());
      if (!states.isEmpty() && states.lines().allMatch(line -> line.endsWith(" healthy"))) {
        return;
      }
      sleep(Duration.ofSeconds(2));
    }
    throw new AssertionError("the stack did not become healthy within " + UP_TIMEOUT + ":\n" + states + "\n" + logs());
  }

  private String healthOf(String container) {
    return container + " " + Commands.run(Duration.ofSeconds(20), "docker", "inspect", "-f",
        "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", container).out().strip();
  }

  /** Names of the stack's containers. */
  List<String> containers() {
    return lines(Commands.run(Duration.ofSeconds(20), "docker", "ps", "-a", "--filter",
        "label=com.docker.compose.project=" + project, "--format", "{{.Names}}").out());
  }

  /** The container of a compose service. */
  String container(String service) {
    return lines(Commands.run(Duration.ofSeconds(20), "docker", "ps", "-q", "--filter",
        "label=com.docker.compose.project=" + project, "--filter", "label=com.docker.compose.service=" + service)
        .orFail().out()).getFirst();
  }

  /** The host process id of a service's main process (for /proc and nsenter). */
  int pid(String service) {
    return Integer.parseInt(Commands.run(Duration.ofSeconds(20), "docker", "inspect", "-f", "{{.State.Pid}}",
        container(service)).orFail().out().strip());
  }

  /** A service's address on one of the stack's networks. */
  String addressOf(String service, String networkName) {
    return Commands.run(Duration.ofSeconds(20), "docker", "inspect", "-f",
        "{{(index .NetworkSettings.Networks \"" + network(networkName) + "\").IPAddress}}", container(service))
        .orFail().out().strip();
  }

  String logs(String service) {
    return compose(Duration.ofSeconds(60), "logs", "--no-color", "--tail", "200", service).out();
  }

  private String logs() {
    return compose(Duration.ofSeconds(60), "logs", "--no-color", "--tail", "40").out();
  }

  /** docker-compose (1.29 here; CLINCHER_COMPOSE="docker compose" for v2) in the deployment directory. */
  Result compose(Duration timeout, String... arguments) {
    List<String> argv = new ArrayList<>(List.of(System.getenv().getOrDefault("CLINCHER_COMPOSE", "docker-compose")
        .split(" ")));
    argv.addAll(List.of(arguments));
    return Commands.run(timeout, argv, Map.of(), directory);
  }

  /** The clincher command, as an operator runs it: {@code java -jar clincher.jar ...}. */
  Result clincher(String... arguments) {
    List<String> argv = new ArrayList<>(List.of(javaCommand(), "-jar", jar.toString()));
    argv.addAll(List.of(arguments));
    return Commands.run(Duration.ofMinutes(2), argv);
  }

  String secret(String name) throws IOException {
    return Files.readString(directory.resolve("secrets").resolve(name)).strip();
  }

  /** `docker-compose down -v`, the sandbox clean-up, and the firewall rules off again. Idempotent. */
  Result takeDown() {
    if (down) {
      return null;
    }
    down = true;
    Result result = compose(Duration.ofMinutes(3), "down", "-v", "--remove-orphans", "--timeout", "20");
    clincher("sandbox", "prune", "--instance", project, "--volumes", "--docker-host", "unix:///var/run/docker.sock");
    Commands.run(Duration.ofSeconds(30), directory.resolve("host-firewall").toString(), "remove");
    return result;
  }

  @Override
  public void close() throws IOException {
    takeDown();
    Path work = directory.getParent();
    if (Files.exists(work)) {
      try (Stream<Path> paths = Files.walk(work)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  static List<String> lines(String text) {
    return text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
  }

  static String javaCommand() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
