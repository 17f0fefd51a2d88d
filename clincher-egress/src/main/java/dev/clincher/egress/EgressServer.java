package dev.clincher.egress;

import dev.clincher.common.log.RecentRefusals;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.lifecycle.Drain;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.common.net.Cidr;
import dev.clincher.common.net.IpLiterals;
import dev.clincher.egress.acl.Acl;
import dev.clincher.egress.acl.AclWatcher;
import dev.clincher.egress.address.AddressPolicy;
import dev.clincher.egress.address.HostResolver;
import dev.clincher.egress.address.SystemHostResolver;
import dev.clincher.egress.decision.ClientRoles;
import dev.clincher.egress.decision.EgressDecider;
import dev.clincher.egress.proxy.EgressMetrics;
import dev.clincher.egress.proxy.ProxyServer;
import dev.clincher.egress.tunnel.TunnelRelay;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the egress proxy: ACL (reloaded on change), address policy, decider, relay, metrics and health, and the
 * listener. {@link #close()} drains: it stops accepting, fails readiness, waits for open tunnels up to the grace
 * period and then closes what is left.
 */
public final class EgressServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.egress");
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(10);

  private final ProxyServer proxy;
  private final TunnelRelay relay;
  private final AclSource acl;
  private final Health health;
  private final MetricsAccess metricsAccess;

  private EgressServer(ProxyServer proxy, TunnelRelay relay, AclSource acl, Health health,
      MetricsAccess metricsAccess) {
    this.metricsAccess = metricsAccess;
    this.proxy = proxy;
    this.relay = relay;
    this.acl = acl;
    this.health = health;
  }

  /** Starts with the system resolver. */
  public static EgressServer start(EgressSettings settings) throws ConfigException, IOException {
    return start(settings, new SystemHostResolver());
  }

  /**
   * Validates the settings, loads the ACL and starts listening.
   *
   * @throws ConfigException naming the flag or file and the reason, for any bad setting
   */
  public static EgressServer start(EgressSettings settings, HostResolver resolver)
      throws ConfigException, IOException {
    // Everything that can be wrong with the settings fails here, before anything is bound or started.
    InetSocketAddress listen = new InetSocketAddress(listenAddress(settings.listenIp()), settings.listenPort());
    addressPolicy(settings, listen);
    MetricsAccess metricsAccess = MetricsAccess.fromFile(settings.metricsTokenFile(), "--metrics-token-file");
    AclSource acl = AclSource.open(settings);
    ServerSocketChannel listener;
    AddressPolicy policy;
    try {
      listener = ProxyServer.bind(listen);
      // Rebuilt with the bound address, so the proxy's real port (also when 0 was asked for) is protected.
      policy = addressPolicy(settings, (InetSocketAddress) listener.getLocalAddress());
    } catch (ConfigException | IOException e) {
      acl.close();
      throw e;
    }
    Metrics metrics = Metrics.create("egress");
    Health health = new Health();
    TunnelRelay relay = new TunnelRelay(Math.max(1, Runtime.getRuntime().availableProcessors()),
        settings.limits().relayBufferBytes(), settings.limits().tunnelIdleTimeout(),
        settings.limits().maxTunnelLifetime());
    EgressMetrics egressMetrics = new EgressMetrics(metrics.registry(), relay.stats());
    acl.bindMetrics(metrics);
    EgressDecider decider = new EgressDecider(acl::current, policy, resolver,
        new ClientRoles(settings.clientRoles()), settings.limits().connectTimeout());
    RecentRefusals refusals = new RecentRefusals(java.time.Clock.systemUTC());
    OpsEndpoints local = new OpsEndpoints(health, metrics, metricsAccess, refusals);
    ProxyServer proxy = new ProxyServer(listener, settings.limits(), settings.allowPlainHttp(), decider, local,
        egressMetrics, relay, refusals);
    proxy.start();
    EgressServer server = new EgressServer(proxy, relay, acl, health, metricsAccess);
    health.addReadinessCheck("acl", () -> CheckResult.up("version " + acl.version()));
    health.markReady();
    LOG.atInfo()
        .addKeyValue("listen", IpLiterals.formatWithPort(proxy.address().getAddress(), proxy.address().getPort()))
        .addKeyValue("acl", settings.aclFile().map(Object::toString).orElse("embedded default"))
        .addKeyValue("max_concurrent_tunnels", settings.limits().maxConnections())
        .addKeyValue("plain_http", settings.allowPlainHttp())
        .addKeyValue("metrics", metricsAccess.describe())
        .log("egress.started");
    return server;
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return proxy.address();
  }

  /** Re-reads the ACL file now; a broken file keeps the current policy. */
  public void reloadAcl() {
    acl.reload();
  }

  /**
   * What SIGHUP does: re-reads the ACL file and the metrics token file (after {@code clincher rotate metrics-token} the
   * old token works for {@link dev.clincher.common.config.RotatingSecret#DEFAULT_GRACE}).
   */
  public void reload() {
    reloadAcl();
    metricsAccess.reload();
  }

  @Override
  public void close() {
    if (!health.markDraining()) {
      return; // closed already
    }
    proxy.stopAccepting();
    long left = Drain.await(relay.stats()::open, DRAIN_GRACE);
    proxy.close();
    acl.close();
    LOG.atInfo().addKeyValue("tunnels_cut", left).log("egress.stopped");
  }

  private static InetAddress listenAddress(String ip) throws ConfigException {
    return IpLiterals.parse(ip)
        .orElseThrow(() -> new ConfigException("--listen-ip", "", "'" + ip + "' is not an IP address"));
  }

  private static AddressPolicy addressPolicy(EgressSettings settings, InetSocketAddress listen)
      throws ConfigException {
    AddressPolicy.Builder builder = AddressPolicy.builder();
    apply("--deny-range", settings.denyRanges(), value -> builder.denyRange(Cidr.parse(value)));
    apply("--allow-range", settings.allowRanges(), value -> builder.allowRange(Cidr.parse(value)));
    apply("--deny-address", settings.denyAddresses(), builder::denyAddress);
    apply("--allow-address", settings.allowAddresses(), builder::allowAddress);
    builder.ownAddress(listen);
    return builder.build();
  }

  private static void apply(String flag, List<String> values, Consumer<String> add) throws ConfigException {
    for (String value : values) {
      try {
        add.accept(value);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(flag, "", e.getMessage());
      }
    }
  }

  /** Where the ACL comes from: a watched file, or the embedded default allowlist. */
  private static final class AclSource implements AutoCloseable {
    private final AclWatcher watcher;
    private final Acl fixed;

    private AclSource(AclWatcher watcher, Acl fixed) {
      this.watcher = watcher;
      this.fixed = fixed;
    }

    static AclSource open(EgressSettings settings) throws ConfigException {
      if (settings.aclFile().isPresent()) {
        return new AclSource(AclWatcher.start(settings.aclFile().get(), settings.aclPollInterval()), null);
      }
      return new AclSource(null, Acl.parse(embeddedDefault(), "embedded default ACL"));
    }

    Acl current() {
      return watcher != null ? watcher.current() : fixed;
    }

    long version() {
      return watcher != null ? watcher.version() : 1;
    }

    void reload() {
      if (watcher != null) {
        watcher.reload();
      }
    }

    void bindMetrics(Metrics metrics) {
      if (watcher != null) {
        io.micrometer.core.instrument.FunctionCounter.builder("clincher.egress.acl.reloads", watcher,
            AclWatcher::reloadsSucceeded).tag("result", "ok").register(metrics.registry());
        io.micrometer.core.instrument.FunctionCounter.builder("clincher.egress.acl.reloads", watcher,
            AclWatcher::reloadsFailed).tag("result", "failed").register(metrics.registry());
      }
    }

    @Override
    public void close() {
      if (watcher != null) {
        watcher.close();
      }
    }

    private static String embeddedDefault() {
      try (InputStream in = EgressServer.class.getResourceAsStream("default-acl.yaml")) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException | NullPointerException e) {
        throw new IllegalStateException("the embedded default ACL is missing from the build", e);
      }
    }
  }

}
