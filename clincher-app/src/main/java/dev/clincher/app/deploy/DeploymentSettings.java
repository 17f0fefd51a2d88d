package dev.clincher.app.deploy;

import dev.clincher.common.net.Cidr;
import dev.clincher.common.net.IpLiterals;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The answers {@code clincher deploy init} turns into a deployment directory. Validated here, each error naming the
 * flag, so nothing half-valid is written.
 *
 * @param domain the public name caddy serves and gets a certificate for
 * @param tls {@code internal} (caddy's own CA) or the e-mail address for ACME
 * @param providerKeys the providers and the files their keys are copied from (at least one)
 * @param offlineImages use the Redis and Caddy images built from Debian packages instead of the public ones
 * @param project the compose project name; also labels this deployment's sandboxes
 * @param networkPrefix the first two octets of the five /24 networks, e.g. {@code 172.29}
 * @param bridgePrefix the prefix of the five bridge interface names (the host firewall matches them)
 * @param bindAddress the host address caddy's ports are published on
 * @param monitoringFrom the monitoring host's addresses (CIDRs) caddy serves {@code /metrics/<service>} to; empty:
 *     nobody
 */
public record DeploymentSettings(String domain, String tls, List<ProviderKey> providerKeys, boolean offlineImages,
    String project, String networkPrefix, String bridgePrefix, String bindAddress, int httpsPort, int httpPort,
    Path dockerSocket, List<String> monitoringFrom) {
  private static final Pattern HOSTNAME =
      Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s{}]{1,64}@[a-z0-9.-]{1,253}");
  private static final Pattern PROJECT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
  private static final Pattern NETWORK_PREFIX = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern BRIDGE_PREFIX = Pattern.compile("[a-z0-9][a-z0-9-]{0,7}");

  public DeploymentSettings {
    domain = domain == null ? "" : domain.trim().toLowerCase(Locale.ROOT);
    if (!HOSTNAME.matcher(domain).matches()) {
      throw new IllegalArgumentException("--domain must be a host name such as agent.example.com, got '" + domain
          + "'");
    }
    if (!tls.equals("internal") && !EMAIL.matcher(tls).matches()) {
      throw new IllegalArgumentException("--tls must be 'internal' or the e-mail address for ACME, got '" + tls + "'");
    }
    if (providerKeys.isEmpty()) {
      throw new IllegalArgumentException("give at least one --provider-key NAME=FILE (the router needs a model)");
    }
    if (providerKeys.stream().map(key -> key.provider().name()).distinct().count() != providerKeys.size()) {
      throw new IllegalArgumentException("--provider-key names a provider twice");
    }
    providerKeys = List.copyOf(providerKeys);
    if (!PROJECT.matcher(project).matches()) {
      throw new IllegalArgumentException("--project must be lower-case letters, digits, '-' or '_', got '" + project
          + "'");
    }
    var prefix = NETWORK_PREFIX.matcher(networkPrefix);
    if (!prefix.matches() || Integer.parseInt(prefix.group(1)) > 255 || Integer.parseInt(prefix.group(2)) > 255) {
      throw new IllegalArgumentException("--network-prefix must be two octets such as 172.29, got '" + networkPrefix
          + "'");
    }
    if (!BRIDGE_PREFIX.matcher(bridgePrefix).matches()) {
      throw new IllegalArgumentException("--bridge-prefix must be 1-8 lower-case letters, digits or '-', got '"
          + bridgePrefix + "'");
    }
    if (IpLiterals.parse(bindAddress).isEmpty()) {
      throw new IllegalArgumentException("--bind-address must be an IP address, got '" + bindAddress + "'");
    }
    monitoringFrom = List.copyOf(monitoringFrom);
    for (String range : monitoringFrom) {
      try {
        Cidr.parse(range);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--monitoring-from: " + e.getMessage());
      }
    }
    for (int port : List.of(httpsPort, httpPort)) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("ports must be 1-65535, got " + port);
      }
    }
  }

  /** The origin browsers use, which the gateway admits: {@code https://DOMAIN} (with the port when not 443). */
  public String origin() {
    return "https://" + domain + (httpsPort == 443 ? "" : ":" + httpsPort);
  }

  /**
   * The /24 of one of the five networks: {@code core} .10, {@code proxy} .20, {@code egress} .30, {@code edge} .40,
   * {@code metrics} .50.
   */
  public String subnet(Network network) {
    return networkPrefix + "." + network.thirdOctet + ".0/24";
  }

  /** The bridge interface of one of the five networks, e.g. {@code clincher-core}. */
  public String bridge(Network network) {
    return bridgePrefix + "-" + network.name().toLowerCase(Locale.ROOT);
  }

  /** The compose file's five networks. */
  public enum Network {
    CORE(10), PROXY(20), EGRESS(30), EDGE(40), METRICS(50);

    private final int thirdOctet;

    Network(int thirdOctet) {
      this.thirdOctet = thirdOctet;
    }
  }
}
