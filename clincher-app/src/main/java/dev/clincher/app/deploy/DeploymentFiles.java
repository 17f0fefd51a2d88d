package dev.clincher.app.deploy;

import dev.clincher.app.KnownProvider;
import dev.clincher.app.deploy.DeploymentSettings.Network;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The text of every file of a deployment directory. The fixed ones (compose file, Caddyfile, host firewall, the
 * gateway, socket-proxy and Redis configs) are the repository's own files under {@code deploy/}, packed into the jar
 * at build time; the rest is generated here from the answers.
 */
public final class DeploymentFiles {
  /** Where the build puts the files of {@code deploy/compose}, {@code deploy/caddy} and {@code deploy/host}. */
  private static final String RESOURCES = "/dev/clincher/app/deploy/";
  /** The public images the compose file names, and their stand-ins built from Debian packages. */
  static final String OFFLINE_REDIS_IMAGE = "clincher/redis:7-debian";
  static final String OFFLINE_CADDY_IMAGE = "clincher/caddy:2-debian";

  private DeploymentFiles() {}

  /** A fixed file, by its name in the repository's deploy/ folders (e.g. {@code docker-compose.yml}). */
  public static String fixed(String name) {
    try (InputStream in = DeploymentFiles.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + RESOURCES + name + " (built without deploy/?)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The systemd unit that applies the host firewall at boot, pointed at this deployment directory. */
  static String firewallUnit(Path directory) {
    return fixed("clincher-firewall.service").replace("Environment=DIR=/opt/clincher",
        "Environment=DIR=" + directory.toAbsolutePath().normalize());
  }

  /** The compose variables: no secrets, only names, addresses, ports, images and the Docker socket's group. */
  static String env(DeploymentSettings settings, int dockerGid, int hostCpus) {
    StringBuilder text = new StringBuilder("""
        # The settings docker-compose reads for this deployment (docs/deploy.md). No secrets here: they are files in
        # secrets/, each readable by one service user. The host firewall reads the bridge names below.
        """);
    line(text, "COMPOSE_PROJECT_NAME", settings.project());
    line(text, "CLINCHER_DOMAIN", settings.domain());
    line(text, "CLINCHER_ORIGIN", settings.origin());
    line(text, "CLINCHER_TLS", settings.tls());
    line(text, "CLINCHER_BIND_ADDRESS", settings.bindAddress());
    line(text, "CLINCHER_HTTPS_PORT", Integer.toString(settings.httpsPort()));
    line(text, "CLINCHER_HTTP_PORT", Integer.toString(settings.httpPort()));
    line(text, "CLINCHER_IMAGE", "clincher:latest");
    line(text, "CLINCHER_REDIS_IMAGE", settings.offlineImages() ? OFFLINE_REDIS_IMAGE : "redis:7.4-alpine");
    line(text, "CLINCHER_CADDY_IMAGE", settings.offlineImages() ? OFFLINE_CADDY_IMAGE : "caddy:2.8.4-alpine");
    line(text, "CLINCHER_DOCKER_SOCKET", settings.dockerSocket().toString());
    line(text, "CLINCHER_DOCKER_GID", Integer.toString(dockerGid));
    // The seed's CPU limits, capped at what this host has (Docker refuses a limit above it).
    line(text, "CLINCHER_GATEWAY_CPUS", cpus(8, hostCpus));
    line(text, "CLINCHER_ROUTER_CPUS", cpus(2, hostCpus));
    if (!settings.monitoringFrom().isEmpty()) {
      // Caddy serves /metrics/<service> to these addresses only (unset: to nobody).
      line(text, "CLINCHER_MONITORING_FROM", String.join(" ", settings.monitoringFrom()));
    }
    for (Network network : Network.values()) {
      String name = network.name();
      line(text, "CLINCHER_" + name + "_SUBNET", settings.subnet(network));
      line(text, "CLINCHER_" + name + "_BRIDGE", settings.bridge(network));
    }
    return text.toString();
  }

  private static String cpus(int seed, int hostCpus) {
    return Math.min(seed, Math.max(1, hostCpus)) + ".0";
  }

  private static void line(StringBuilder text, String name, String value) {
    text.append(name).append('=').append(value).append('\n');
  }

  /** The router's LiteLLM config: model {@code default} on the first provider, each provider's model by name. */
  static String routerConfig(List<ProviderKey> providers) {
    StringBuilder text = new StringBuilder("""
        # The router of this deployment, in LiteLLM's config format (docs/router.md). Keys: os.environ/NAME reads the
        # file named by NAME_FILE (config/router.env), mounted from secrets/providers/.
        model_list:
        """);
    KnownProvider first = providers.getFirst().provider();
    deployment(text, "default", first);
    for (ProviderKey key : providers) {
      deployment(text, key.provider().defaultModel(), key.provider());
    }
    text.append("""
        router_settings:
          num_retries: 2
        litellm_settings:
          # Exact-match answers in Redis for an hour (the semantic layer stays off until it is trustworthy).
          cache: true
          cache_params: {type: redis, ttl: 3600}
        general_settings:
          master_key: os.environ/LITELLM_MASTER_KEY
          database_url: sqlite:////var/lib/clincher/router-keys.db
        """);
    return text.toString();
  }

  private static void deployment(StringBuilder text, String name, KnownProvider provider) {
    text.append("  - model_name: ").append(name).append('\n')
        .append("    litellm_params: {model: ").append(provider.defaultModel())
        .append(", api_key: os.environ/").append(provider.keyVariable()).append("}\n");
  }

  /** Where the router finds each key: the variables name files, so no key is ever an environment value. */
  static String routerEnv(List<ProviderKey> providers) {
    StringBuilder text = new StringBuilder(
        "# Where the router reads each provider key (files in secrets/providers/, mounted read-only).\n");
    for (ProviderKey key : providers) {
      text.append(key.provider().keyVariable()).append("_FILE=/run/secrets/providers/")
          .append(key.provider().secretFileName()).append('\n');
    }
    return text.toString();
  }

  /** The egress allowlist (Smokescreen's ACL format): the hosts of the providers in use, nothing else. */
  static String egressAcl(List<ProviderKey> providers) {
    StringBuilder text = new StringBuilder("""
        # The egress allowlist in Smokescreen's ACL format (docs/egress.md): the providers this deployment uses and
        # nothing else. Every domain added is a way out for whatever the agent read.
        version: v1
        services: []
        default:
          name: default
          project: clincher
          action: enforce
          allowed_domains:
        """);
    for (ProviderKey key : providers) {
      text.append("    - ").append(key.provider().apiHost()).append('\n');
    }
    return text.toString();
  }

  /**
   * Redis's users: the default user (the router's) with the password's SHA-256 (Redis never sees the password written
   * down), every command but the dangerous ones (CONFIG, DEBUG, MODULE, FLUSHALL, KEYS, SHUTDOWN, ACL, ...); and
   * clincher-rotate, allowed ACL LOAD only, so {@code clincher rotate redis-password} can make Redis re-read this file.
   */
  static String redisUsers(String password, String rotatePassword) {
    return "user default on #" + sha256Hex(password) + " ~* &* +@all -@dangerous\n"
        + "user clincher-rotate on #" + sha256Hex(rotatePassword) + " resetchannels -@all +acl|load\n";
  }

  /** SHA-256 of {@code text}, lowercase hex: how Redis's users file holds a password. */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
