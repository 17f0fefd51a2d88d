package dev.clincher.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two routers and two gateways of the built {@code clincher} jar as real processes on loopback, sharing one PostgreSQL
 * (a schema each for the routers and the gateways, in the shared test database) and one Redis of their own, each pair
 * behind Caddy as a round-robin load balancer with no stickiness. The model provider is {@link ReplicaProvider}.
 * Secrets are files, passed as {@code *_FILE} variables; nothing secret is in an argument.
 */
final class Replicas implements AutoCloseable {
  static final String POSTGRES_URL = env("CLINCHER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/clincher_test");
  static final String POSTGRES_USER = env("CLINCHER_TEST_POSTGRES_USER", "clincher_test");
  static final String POSTGRES_PASSWORD = env("CLINCHER_TEST_POSTGRES_PASSWORD", "clincher_test");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** One process of the jar (or of Redis, Caddy), its port and its log file. */
  record Service(String name, int port, Process process, Path log) {
    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    /** SIGKILL: no shutdown hook, no drain, its database connections and sockets dropped by the kernel. */
    void kill9() throws InterruptedException {
      process.toHandle().destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  final Path work;
  final Path jar;
  final String id;
  final ReplicaProvider provider;
  final String routerSchema;
  final String gatewaySchema;
  final Path masterKey;
  final Path gatewayToken;
  private final Path redisPassword;
  private final List<Service> services = new ArrayList<>();
  Service redis;
  Service socketProxy;
  Service routerA;
  Service routerB;
  Service gatewayA;
  Service gatewayB;
  Service balancer;
  int routerBalancerPort;
  private Path routerConfig;
  private Path gatewayConfig;
  int gatewayBalancerPort;

  private Replicas(Path work, Path jar, ReplicaProvider provider) throws IOException {
    this.work = work;
    this.jar = jar;
    this.provider = provider;
    this.id = HexFormat.of().formatHex(SecureRandom.getSeed(4));
    this.routerSchema = "replicas_router_" + id;
    this.gatewaySchema = "replicas_gateway_" + id;
    this.masterKey = secret("master_key", "sk-master-" + random(24));
    this.gatewayToken = secret("gateway_token", random(48));
    this.redisPassword = secret("redis_password", random(24));
  }

  /** Starts everything and waits (bounded) until every service answers its readiness probe. */
  static Replicas start(Path work, Path jar) throws Exception {
    Replicas replicas = new Replicas(work, jar, new ReplicaProvider());
    try {
      replicas.startAll();
      return replicas;
    } catch (Exception | AssertionError e) {
      replicas.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    createSchemas();
    redis = startRedis();
    int socketProxyPort = freePort();
    Path policy = write("socket-proxy.yaml", """
        images: ["clincher-sandbox*"]
        label: clincher.sandbox
        allowed_bind_paths: []
        allowed_volumes: ["clincher-ws-%s-*"]
        allow_root_exec: false
        """.formatted(sandboxInstance()));
    socketProxy = startJar("socket-proxy", socketProxyPort, Map.of(), "socket-proxy", "--listen",
        "127.0.0.1:" + socketProxyPort, "--policy", policy.toString());
    routerBalancerPort = freePort();
    gatewayBalancerPort = freePort();
    routerConfig = write("router.yaml", routerConfig());
    routerA = startRouter("router-a", freePort());
    routerB = startRouter("router-b", freePort());
    int gatewayAPort = freePort();
    int gatewayBPort = freePort();
    balancer = startCaddy(gatewayAPort, gatewayBPort);
    gatewayConfig = write("gateway.yaml", gatewayConfig("tcp://127.0.0.1:" + socketProxyPort));
    gatewayA = startGateway("gateway-a", gatewayConfig, gatewayAPort);
    for (Service service : List.of(routerA, routerB, gatewayA)) {
      awaitReady(service); // gateway A first: both would run the same Flyway migration at once
    }
    gatewayB = startGateway("gateway-b", gatewayConfig, gatewayBPort);
    awaitReady(gatewayB);
    awaitStatus("http://127.0.0.1:" + gatewayBalancerPort + "/health/liveliness", 200);
    awaitStatus("http://127.0.0.1:" + routerBalancerPort + "/health/liveliness", 200);
  }

  String routerBalancer(String path) {
    return "http://127.0.0.1:" + routerBalancerPort + path;
  }

  String gatewayBalancer(String path) {
    return "http://127.0.0.1:" + gatewayBalancerPort + path;
  }

  /** A new connection to the shared PostgreSQL, in the routers' schema. */
  Connection routerDatabase() throws SQLException {
    Connection c = DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD);
    c.setSchema(routerSchema);
    return c;
  }

  /** A new connection to the shared PostgreSQL, in the gateways' schema. */
  Connection gatewayDatabase() throws SQLException {
    Connection c = DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD);
    c.setSchema(gatewaySchema);
    return c;
  }

  private String routerConfig() {
    return """
        model_list:
          - model_name: fake
            litellm_params:
              model: openai/fake
              api_base: %s
              api_key: os.environ/OPENAI_API_KEY
              input_cost_per_token: 0.000001
              output_cost_per_token: 0.000002
        router_settings:
          redis_host: 127.0.0.1
          redis_port: %d
          redis_password: os.environ/REDIS_PASSWORD
          num_retries: 0
        general_settings:
          master_key: os.environ/LITELLM_MASTER_KEY
          database_url: os.environ/DATABASE_URL
        litellm_settings:
          cache: true
          cache_params:
            type: redis
            host: 127.0.0.1
            port: %d
            password: os.environ/REDIS_PASSWORD
            namespace: replicas
        """.formatted(provider.apiBase(), redis.port(), redis.port());
  }

  private String gatewayConfig(String dockerHost) {
    return """
        server:
          host: 127.0.0.1
        router:
          url: http://127.0.0.1:%d
          timeout: 90s
        storage:
          url: "%s?currentSchema=%s"
          user: %s
        docker:
          host: %s
        sandbox:
          instance: %s
          max_sandboxes: 2
        agents:
          main:
            model: fake
            system_prompt: "You are the replica test's agent."
            run_timeout: 2m
        """.formatted(routerBalancerPort, POSTGRES_URL, gatewaySchema, POSTGRES_USER, dockerHost, sandboxInstance());
  }

  /** Starts gateway A again on its port (after it was killed) and waits until it is ready. */
  Service restartGatewayA() throws IOException {
    gatewayA = startGateway("gateway-a-again", gatewayConfig, gatewayA.port());
    awaitReady(gatewayA);
    return gatewayA;
  }

  /** Starts router B again on its port (after it was killed) and waits until it is ready. */
  Service restartRouterB() throws IOException {
    routerB = startRouter("router-b-again", routerB.port());
    awaitReady(routerB);
    return routerB;
  }

  /** The ids of the sandbox containers (running or not) of a session, from Docker itself. */
  List<String> sandboxesOf(String session) {
    return Commands.run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--no-trunc", "--filter",
        "label=clincher.instance=" + sandboxInstance(), "--filter", "label=clincher.session=" + session)
        .orFail().out().lines().filter(line -> !line.isBlank()).toList();
  }

  /** The gateways' {@code sandbox.instance}: one label for both, so a session's container and workspace are shared. */
  String sandboxInstance() {
    return "replicas-" + id;
  }

  private void removeSandboxes() {
    String containers = Commands.run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter",
        "label=clincher.instance=" + sandboxInstance()).out();
    containers.lines().filter(line -> !line.isBlank())
        .forEach(container -> Commands.run(Duration.ofSeconds(30), "docker", "rm", "-f", container));
    String volumes = Commands.run(Duration.ofSeconds(30), "docker", "volume", "ls", "-q", "--filter",
        "name=clincher-ws-" + sandboxInstance()).out();
    volumes.lines().filter(line -> !line.isBlank())
        .forEach(volume -> Commands.run(Duration.ofSeconds(30), "docker", "volume", "rm", "-f", volume));
  }

  /** The routers' balancer, addressed like a router. */
  Service routerBalancerService() {
    return new Service("router-balancer", routerBalancerPort, balancer.process(), balancer.log());
  }

  private Service startRouter(String name, int port) throws IOException {
    Path databaseUrl = secret("database_url", "postgresql://" + POSTGRES_USER + ":" + POSTGRES_PASSWORD + "@"
        + POSTGRES_URL.substring("jdbc:postgresql://".length()) + "?currentSchema=" + routerSchema);
    return startJar(name, port, Map.of("LITELLM_MASTER_KEY_FILE", masterKey.toString(),
        "OPENAI_API_KEY_FILE", secret("openai_key", "sk-provider-" + random(12)).toString(),
        "REDIS_PASSWORD_FILE", redisPassword.toString(), "DATABASE_URL_FILE", databaseUrl.toString()),
        "router", "--config", routerConfig.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port));
  }

  private Service startGateway(String name, Path config, int port) throws IOException {
    Path dbPassword = secret("db_password", POSTGRES_PASSWORD);
    return startJar(name, port, Map.of("CLINCHER_GATEWAY_TOKEN_FILE", gatewayToken.toString(),
        "LITELLM_MASTER_KEY_FILE", masterKey.toString(), "CLINCHER_GATEWAY_DB_PASSWORD_FILE", dbPassword.toString()),
        "gateway", "--config", config.toString(), "--port", Integer.toString(port));
  }

  private Service startJar(String name, int port, Map<String, String> env, String... arguments) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(List.of(arguments));
    return startProcess(name, port, env, command);
  }

  private Service startRedis() throws IOException {
    int port = freePort();
    Path config = write("redis.conf", """
        bind 127.0.0.1
        port %d
        requirepass %s
        save ""
        appendonly no
        dir %s
        maxmemory 64mb
        """.formatted(port, Files.readString(redisPassword), work));
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
    Service service = startProcess("redis", port, Map.of(), List.of("redis-server", config.toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        return service;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    throw new AssertionError("redis did not listen on " + port + " within 20 s:\n" + tail(service));
  }

  private Service startCaddy(int gatewayAPort, int gatewayBPort) throws IOException {
    Path config = write("Caddyfile", """
        {
          admin off
          auto_https off
        }
        """ + balancedSite(gatewayBalancerPort, "127.0.0.1:" + gatewayAPort, "127.0.0.1:" + gatewayBPort)
        + balancedSite(routerBalancerPort, hostPort(routerA), hostPort(routerB)));
    return startProcess("caddy", gatewayBalancerPort, Map.of("HOME", work.toString(),
        "XDG_DATA_HOME", work.resolve("caddy-data").toString(), "XDG_CONFIG_HOME", work.resolve("caddy-config")
        .toString()), List.of("caddy", "run", "--config", config.toString(), "--adapter", "caddyfile"));
  }

  /**
   * A site balancing round-robin over two upstreams, without stickiness. A dead upstream is found by an active check of
   * its liveliness every 200 ms and by the first request that fails on it (then avoided for 10 s); streams are flushed
   * as they come.
   *
   * <p>No retries ({@code lb_try_duration 0}): Caddy 2.6.2 (Debian 12) closes a request's body when the dial to a dead
   * upstream fails, and its retry on the other upstream then fails with "invalid Read on closed Body", which counts as
   * a failure of the healthy upstream too and leaves none ("no upstreams available" for 10 s). A request that meets
   * the dead upstream in the window before it is marked down gets a 502 and the client retries, as it would anyway
   * for a request that was in flight on the killed instance.
   */
  private static String balancedSite(int port, String first, String second) {
    return """
        http://127.0.0.1:%d {
          reverse_proxy %s %s {
            lb_policy round_robin
            lb_try_duration 0
            health_uri /health/liveliness
            health_interval 200ms
            health_timeout 1s
            fail_duration 10s
            max_fails 1
            flush_interval -1
          }
        }
        """.formatted(port, first, second);
  }

  private static String hostPort(Service service) {
    return "127.0.0.1:" + service.port();
  }

  private Service startProcess(String name, int port, Map<String, String> env, List<String> command)
      throws IOException {
    Path log = work.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().keySet().removeIf(key -> key.startsWith("CLINCHER_") || key.startsWith("REDIS_")
        || key.startsWith("DATABASE_URL") || key.startsWith("LITELLM_") || key.endsWith("_API_KEY")
        || key.endsWith("_PROXY") || key.endsWith("_proxy") || key.equals("DOCKER_HOST"));
    builder.environment().putAll(env);
    Service service = new Service(name, port, builder.start(), log);
    services.add(service);
    return service;
  }

  /** Waits until the service's readiness probe answers 200, failing with its log after {@link #START_TIMEOUT}. */
  void awaitReady(Service service) throws IOException {
    awaitStatus(service.url("/health/readiness"), 200, service);
  }

  private void awaitStatus(String url, int status) throws IOException {
    awaitStatus(url, status, null);
  }

  private void awaitStatus(String url, int status, Service service) throws IOException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (service != null && !service.process().isAlive()) {
        throw new AssertionError(service.name() + " exited:\n" + tail(service));
      }
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == status) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      sleep(250);
    }
    throw new AssertionError(url + " did not answer " + status + " within " + START_TIMEOUT + " (last: " + last + ")"
        + (service == null ? "" : "\n" + tail(service)));
  }

  /** The last 60 lines of a service's log, for assertion messages. */
  static String tail(Service service) {
    try {
      List<String> lines = Files.readAllLines(service.log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "[no log: " + e.getMessage() + "]";
    }
  }

  private void createSchemas() throws SQLException {
    try (Connection c = DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + routerSchema);
      s.execute("CREATE SCHEMA " + gatewaySchema);
    }
  }

  private void dropSchemas() {
    try (Connection c = DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + routerSchema + " CASCADE");
      s.execute("DROP SCHEMA IF EXISTS " + gatewaySchema + " CASCADE");
    } catch (SQLException e) {
      System.err.println("replicas: could not drop the test schemas: " + e.getMessage());
    }
  }

  private Path secret(String name, String value) throws IOException {
    Path file = work.resolve(name);
    if (!Files.exists(file)) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, value);
    }
    return file;
  }

  private Path write(String name, String text) throws IOException {
    Path file = work.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private static String random(int bytes) {
    byte[] value = new byte[bytes];
    new SecureRandom().nextBytes(value);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public void close() throws Exception {
    for (Service service : services.reversed()) {
      try {
        service.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    provider.close();
    removeSandboxes();
    dropSchemas();
  }
}
