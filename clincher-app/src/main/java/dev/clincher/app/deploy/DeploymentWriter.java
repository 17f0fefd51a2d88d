package dev.clincher.app.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Writes a deployment directory: the product's files (refreshed every time), the settings and configs (written once,
 * then the operator's), the secrets (generated once, never overwritten) and the data directories. Idempotent: a
 * second run with the same answers changes nothing and says so.
 *
 * <pre>
 * DIR/docker-compose.yml  host-firewall  clincher-firewall.service  .env
 * DIR/config/   gateway.yaml router.yaml router.env egress-acl.yaml socket-proxy.yaml redis.conf Caddyfile
 *               metrics-relay.Caddyfile
 * DIR/secrets/  gateway_token gateway_router_key litellm_master_key redis_password redis_users.acl providers/
 *               gateway_metrics_token router_metrics_token egress_metrics_token socket_proxy_metrics_token
 * DIR/data/     gateway router redis caddy
 * </pre>
 */
public final class DeploymentWriter {
  /** Largest provider key file accepted. */
  static final int MAX_KEY_BYTES = 16 * 1024;

  /** What happened to one path. */
  public record Action(String path, String what) {}

  private final Path directory;
  private final boolean changeOwners;
  private final SecureRandom random = new SecureRandom();
  private final List<Action> actions = new ArrayList<>();

  /**
   * @param changeOwners give secrets and data directories to their service users (needs root); off only in tests
   *     that cannot run as root
   */
  public DeploymentWriter(Path directory, boolean changeOwners) {
    this.directory = directory.toAbsolutePath().normalize();
    this.changeOwners = changeOwners;
  }

  /** Writes (or completes) the directory and returns what was done, path by path. */
  public List<Action> write(DeploymentSettings settings, int dockerGid) throws IOException {
    for (ProviderKey key : settings.providerKeys()) {
      readKey(key); // a bad key file stops everything before the first write
    }
    directory(directory, "rwxr-xr-x", Optional.empty());
    product("docker-compose.yml", DeploymentFiles.fixed("docker-compose.yml"), "rw-r--r--");
    product("host-firewall", DeploymentFiles.fixed("clincher-firewall"), "rwxr-xr-x");
    product("clincher-firewall.service", DeploymentFiles.firewallUnit(directory), "rw-r--r--");
    once(".env", DeploymentFiles.env(settings, dockerGid, Runtime.getRuntime().availableProcessors()));
    configs(settings);
    secrets(settings);
    data();
    return List.copyOf(actions);
  }

  private void configs(DeploymentSettings settings) throws IOException {
    directory(directory.resolve("config"), "rwxr-xr-x", Optional.empty());
    once("config/gateway.yaml", DeploymentFiles.fixed("config/gateway.yaml"));
    once("config/socket-proxy.yaml", DeploymentFiles.fixed("config/socket-proxy.yaml"));
    once("config/redis.conf", DeploymentFiles.fixed("config/redis.conf"));
    once("config/Caddyfile", DeploymentFiles.fixed("Caddyfile"));
    once("config/metrics-relay.Caddyfile", DeploymentFiles.fixed("metrics-relay.Caddyfile"));
    once("config/router.yaml", DeploymentFiles.routerConfig(settings.providerKeys()));
    once("config/router.env", DeploymentFiles.routerEnv(settings.providerKeys()));
    once("config/egress-acl.yaml", DeploymentFiles.egressAcl(settings.providerKeys()));
  }

  private void secrets(DeploymentSettings settings) throws IOException {
    directory(directory.resolve("secrets"), "rwx------", Optional.empty());
    String token = secret("secrets/gateway_token", ServiceUser.GATEWAY, () -> randomHex(48));
    String masterKey = secret("secrets/litellm_master_key", ServiceUser.ROUTER, () -> "sk-" + randomHex(32));
    String routerKey = secret("secrets/gateway_router_key", ServiceUser.GATEWAY, () -> masterKey);
    if (!routerKey.equals(masterKey)) {
      actions.add(new Action("secrets/gateway_router_key", "WARNING differs from litellm_master_key: the gateway "
          + "uses it as its router key; fine if it is a virtual key, else copy the master key into it"));
    }
    String redisPassword = secret("secrets/redis_password", ServiceUser.ROUTER, () -> randomHex(32));
    // Read by clincher rotate alone (as root), to make Redis reload its users: never mounted into a container.
    String rotatePassword = secret("secrets/redis_rotate_password", Optional.empty(), () -> randomHex(32));
    secret("secrets/redis_users.acl", ServiceUser.REDIS,
        () -> DeploymentFiles.redisUsers(redisPassword, rotatePassword));
    metricsTokens();
    directory(directory.resolve("secrets/providers"), "rwx------", Optional.of(ServiceUser.ROUTER));
    for (ProviderKey key : settings.providerKeys()) {
      String name = "secrets/providers/" + key.provider().secretFileName();
      String given = readKey(key);
      String kept = secret(name, ServiceUser.ROUTER, () -> given);
      if (!kept.equals(given)) {
        actions.add(new Action(name, "WARNING differs from " + key.file() + " and was kept: delete it to replace it"));
      }
    }
    if (token.length() < 32) {
      throw new IOException("secrets/gateway_token is shorter than 32 characters; delete it to generate a new one");
    }
  }

  /** One read-only metrics credential per service, owned by it; the monitoring host gets copies. */
  private void metricsTokens() throws IOException {
    secret("secrets/gateway_metrics_token", ServiceUser.GATEWAY, () -> randomHex(32));
    secret("secrets/router_metrics_token", ServiceUser.ROUTER, () -> randomHex(32));
    secret("secrets/egress_metrics_token", ServiceUser.EGRESS, () -> randomHex(32));
    secret("secrets/socket_proxy_metrics_token", ServiceUser.SOCKET_PROXY, () -> randomHex(32));
  }

  private void data() throws IOException {
    directory(directory.resolve("data"), "rwxr-xr-x", Optional.empty());
    directory(directory.resolve("data/gateway"), "rwx------", Optional.of(ServiceUser.GATEWAY));
    directory(directory.resolve("data/router"), "rwx------", Optional.of(ServiceUser.ROUTER));
    directory(directory.resolve("data/redis"), "rwx------", Optional.of(ServiceUser.REDIS));
    directory(directory.resolve("data/caddy"), "rwx------", Optional.of(ServiceUser.CADDY));
  }

  /** A product file: rewritten when its text changed. */
  private void product(String name, String text, String mode) throws IOException {
    Path file = directory.resolve(name);
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
        && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
      actions.add(new Action(name, "unchanged"));
      return;
    }
    boolean existed = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    replace(file, text, mode);
    actions.add(new Action(name, existed ? "updated" : "created"));
  }

  /** A settings or config file: written when missing, then left to the operator. */
  private void once(String name, String text) throws IOException {
    Path file = directory.resolve(name);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      actions.add(new Action(name, "kept"));
      return;
    }
    replace(file, text, "rw-r--r--");
    actions.add(new Action(name, "created"));
  }

  /** A secret: generated when missing (mode 0600, owned by its service user), never overwritten; returns it. */
  private String secret(String name, ServiceUser owner, java.util.function.Supplier<String> generate)
      throws IOException {
    return secret(name, Optional.of(owner), generate);
  }

  /** A secret owned by {@code owner}, or by the user running deploy init (root) when empty. */
  private String secret(String name, Optional<ServiceUser> owner, java.util.function.Supplier<String> generate)
      throws IOException {
    Path file = directory.resolve(name);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(name + " exists but is not a regular file; refusing to use it as a secret");
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      own(file, owner);
      actions.add(new Action(name, "kept"));
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    String value = generate.get();
    Path temporary = file.resolveSibling("." + file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, value, StandardCharsets.UTF_8);
    own(temporary, owner);
    Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    actions.add(new Action(name, "created (0600, user " + owner.map(user -> String.valueOf(user.uid()))
        .orElse("root") + ")"));
    return value;
  }

  private void replace(Path file, String text, String mode) throws IOException {
    Path temporary = file.resolveSibling("." + file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    Files.writeString(temporary, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(mode));
    Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private void directory(Path path, String mode, Optional<ServiceUser> owner) throws IOException {
    if (Files.isSymbolicLink(path)) {
      throw new IOException(directory.relativize(path) + " is a symbolic link; refusing to write through it");
    }
    boolean existed = Files.isDirectory(path);
    Files.createDirectories(path);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    own(path, owner);
    if (!existed && !path.equals(directory)) {
      actions.add(new Action(directory.relativize(path) + "/", "created" + owner.map(u -> " (user " + u.uid() + ")")
          .orElse("")));
    }
  }

  private void own(Path path, Optional<ServiceUser> owner) throws IOException {
    if (changeOwners && owner.isPresent()) {
      Files.setAttribute(path, "unix:uid", owner.get().uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", owner.get().uid(), LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** A provider key file: one line of printable text, at most 16 KiB; its content without the line break. */
  static String readKey(ProviderKey key) throws IOException {
    Path file = key.file();
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException("--provider-key " + key.provider().name() + ": " + file + " is not a readable file");
    }
    if (Files.size(file) > MAX_KEY_BYTES) {
      throw new IOException("--provider-key " + key.provider().name() + ": " + file + " is larger than "
          + MAX_KEY_BYTES + " bytes");
    }
    String value = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (value.isEmpty() || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IOException("--provider-key " + key.provider().name() + ": " + file
          + " must hold one key: printable characters, no spaces or line breaks");
    }
    return value;
  }

  private String randomHex(int bytes) {
    byte[] value = new byte[bytes];
    random.nextBytes(value);
    return HexFormat.of().formatHex(value);
  }
}
