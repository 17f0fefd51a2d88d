package dev.clincher.socketproxy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.log.RecentRefusals;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.lifecycle.Drain;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.common.net.IpLiterals;
import dev.clincher.socketproxy.policy.CompatPolicy;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import dev.clincher.socketproxy.policy.Policy;
import dev.clincher.socketproxy.policy.SandboxPolicy;
import dev.clincher.socketproxy.proxy.Decisions;
import dev.clincher.socketproxy.proxy.DockerApi;
import dev.clincher.socketproxy.proxy.LocalEndpoints;
import dev.clincher.socketproxy.proxy.ProxyListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the socket proxy: chooses the profile, loads the policy file, binds the listener, and serves health
 * ({@code docker} readiness = Docker answers {@code _ping}) and metrics on the same port. {@link #close()} drains:
 * readiness fails, no new connections are accepted, open ones get a grace period.
 */
public final class SocketProxyServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.socketproxy");
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(10);

  private final ProxyListener listener;
  private final Health health;
  private final Metrics metrics;
  private final Decisions decisions;
  private final Policy policy;
  private final MetricsAccess metricsAccess;

  private SocketProxyServer(ProxyListener listener, Health health, Metrics metrics, Decisions decisions,
      Policy policy, MetricsAccess metricsAccess) {
    this.metricsAccess = metricsAccess;
    this.listener = listener;
    this.health = health;
    this.metrics = metrics;
    this.decisions = decisions;
    this.policy = policy;
  }

  /**
   * Validates the settings and starts listening.
   *
   * @throws ConfigException naming the flag, variable or file and the reason, for any bad setting
   */
  public static SocketProxyServer start(SocketProxySettings settings) throws ConfigException, IOException {
    InetAddress host = IpLiterals.parse(settings.listenHost()).orElseThrow(() -> new ConfigException("--listen", "",
        "'" + settings.listenHost() + "' is not an IP address"));
    Policy policy = choosePolicy(settings, inspection(settings));
    MetricsAccess metricsAccess = MetricsAccess.fromFile(settings.metricsTokenFile(), "--metrics-token-file");
    Metrics metrics = Metrics.create("socket-proxy");
    RecentRefusals refusals = new RecentRefusals(java.time.Clock.systemUTC());
    Decisions decisions = new Decisions(metrics.registry(), policy.profile(), refusals);
    Health health = new Health();
    LocalEndpoints local = new LocalEndpoints(health, metrics, metricsAccess, refusals);
    ProxyListener listener = ProxyListener.start(new InetSocketAddress(host, settings.listenPort()), policy,
        settings.limits(), settings.dockerSocket(), decisions, local);
    DockerApi docker = new DockerApi(settings.dockerSocket());
    health.addReadinessCheck("docker", () -> pingCheck(docker));
    health.markReady();
    LOG.atInfo()
        .addKeyValue("listen", IpLiterals.formatWithPort(listener.address().getAddress(), listener.address().getPort()))
        .addKeyValue("docker_socket", settings.dockerSocket().toString())
        .addKeyValue("profile", policy.profile())
        .addKeyValue("policy", settings.policyFile().map(Object::toString).orElse("defaults"))
        .addKeyValue("metrics", metricsAccess.describe())
        .log("socketproxy.started");
    return new SocketProxyServer(listener, health, metrics, decisions, policy, metricsAccess);
  }

  /**
   * What SIGHUP does: re-reads the metrics token file (after {@code clincher rotate metrics-token} the old token works
   * for {@link dev.clincher.common.config.RotatingSecret#DEFAULT_GRACE}); the policy needs a restart.
   */
  public void reloadSecrets() {
    metricsAccess.reload();
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return listener.address();
  }

  /** The profile in force: {@code sandbox} or {@code compat}. */
  public String profile() {
    return policy.profile();
  }

  /** Decision counters (for tests and diagnostics). */
  public Decisions decisions() {
    return decisions;
  }

  @Override
  public void close() {
    if (!health.markDraining()) {
      return; // closed already
    }
    listener.stopAccepting();
    long left = Drain.await(listener::activeConnections, DRAIN_GRACE);
    listener.close();
    metrics.close();
    LOG.atInfo().addKeyValue("connections_cut", left).log("socketproxy.stopped");
  }

  /**
   * The profile: explicit {@code --profile} wins; otherwise any docker-socket-proxy variable selects compat and
   * none selects sandbox.
   */
  static Policy choosePolicy(SocketProxySettings settings, InspectionPolicy inspection) throws ConfigException {
    boolean variablesSet = CompatPolicy.anySet(settings.environment());
    return switch (settings.profile()) {
      case COMPAT -> CompatPolicy.fromEnvironment(settings.environment(), inspection);
      case SANDBOX -> {
        if (variablesSet) {
          LOG.atWarn().log("socketproxy.variables_ignored: --profile sandbox ignores docker-socket-proxy variables");
        }
        yield new SandboxPolicy(inspection);
      }
      case AUTO -> variablesSet ? CompatPolicy.fromEnvironment(settings.environment(), inspection)
          : new SandboxPolicy(inspection);
    };
  }

  private static InspectionPolicy inspection(SocketProxySettings settings) throws ConfigException {
    if (settings.policyFile().isEmpty()) {
      return InspectionPolicy.defaults();
    }
    return new ConfigLoader(settings.environment()).load(settings.policyFile().get(), InspectionPolicy.class);
  }

  private static CheckResult pingCheck(DockerApi docker) {
    try {
      return docker.ping() ? CheckResult.up("docker answers _ping") : CheckResult.down("docker _ping failed");
    } catch (IOException e) {
      return CheckResult.down("docker socket unreachable");
    }
  }

}
