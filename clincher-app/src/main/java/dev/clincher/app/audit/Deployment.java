package dev.clincher.app.audit;

import dev.clincher.common.config.ConfigLoader;
import dev.clincher.egress.acl.Acl;
import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A compose deployment directory as {@code clincher deploy init} writes it (docs/deploy.md): {@code .env},
 * {@code docker-compose.yml} (and an operator's {@code docker-compose.override.yml}), {@code config/},
 * {@code secrets/}. The configs are read with the services' own loaders, so the audit sees what they would run.
 */
public final class Deployment {
  /** A config as its service would load it, or why it could not be loaded. */
  public record Loaded<T>(Optional<T> value, String error) {
    static <T> Loaded<T> of(T value) {
      return new Loaded<>(Optional.of(value), "");
    }

    static <T> Loaded<T> failed(String error) {
      return new Loaded<>(Optional.empty(), error);
    }
  }

  /** A compose deployment ({@code deploy init}) or the state directory of {@code ./clincher up}. */
  public enum Kind { COMPOSE, UP }

  /** Where {@code ./clincher up} writes the services' configs from {@code clincher.yaml} at every start. */
  static final String UP_GENERATED = "generated/";

  private final Kind kind;
  private final Path directory;
  private final Map<String, String> env;
  private final List<ComposeFile> composeFiles;

  private Deployment(Kind kind, Path directory, Map<String, String> env, List<ComposeFile> composeFiles) {
    this.kind = kind;
    this.directory = directory;
    this.env = env;
    this.composeFiles = composeFiles;
  }

  /**
   * Reads {@code ./clincher up}'s state directory: the configs it generated from {@code clincher.yaml} at its last
   * start, and the secrets beside them. The services are processes on loopback; there is no compose file.
   */
  public static Deployment readUp(Path stateDir) throws IOException {
    Path root = stateDir.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("clincher.yaml")) || !Files.isDirectory(root.resolve(UP_GENERATED))) {
      throw new IOException(root + " is not a started ./clincher up state directory (no clincher.yaml and "
          + "generated/: run ./clincher up --state-dir " + root + " once)");
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CLINCHER_STATE_DIR", root.toString());
    env.put("CLINCHER_GATEWAY_TOKEN_FILE", root.resolve("gateway-token").toString());
    env.put("LITELLM_MASTER_KEY_FILE", root.resolve("router-master-key").toString());
    return new Deployment(Kind.UP, root, Map.copyOf(env), List.of());
  }

  public Kind kind() {
    return kind;
  }

  /** Where a service's config is: {@code config/NAME} in a compose deployment, {@code generated/...} for up. */
  public String configPath(String compose, String up) {
    return kind == Kind.COMPOSE ? "config/" + compose : UP_GENERATED + up;
  }

  /** Reads the directory's {@code .env} and compose files; the configs are read when a check asks. */
  public static Deployment read(Path directory) throws IOException {
    Path root = directory.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
      throw new IOException(root + " has no docker-compose.yml (write one with: clincher deploy init " + root + ")");
    }
    Map<String, String> env = dotEnv(root.resolve(".env"));
    List<ComposeFile> files = new ArrayList<>();
    files.add(ComposeFile.read(root.resolve("docker-compose.yml"), env));
    Path override = root.resolve("docker-compose.override.yml");
    if (Files.isRegularFile(override)) {
      files.add(ComposeFile.read(override, env));
    }
    return new Deployment(Kind.COMPOSE, root, env, List.copyOf(files));
  }

  public Path directory() {
    return directory;
  }

  public Path file(String relative) {
    return directory.resolve(relative);
  }

  /** The {@code .env} variables. */
  public Map<String, String> env() {
    return env;
  }

  /** {@code docker-compose.yml}, then the override file when there is one. */
  public List<ComposeFile> composeFiles() {
    return composeFiles;
  }

  /** A service's settings from every compose file that names it (the override's last). */
  public List<Map<String, Object>> service(String name) {
    if (kind == Kind.UP) { // one process: every service sees up's environment
      return List.of(Map.of("environment", env));
    }
    List<Map<String, Object>> parts = new ArrayList<>();
    for (ComposeFile file : composeFiles) {
      Map<String, Object> service = file.services().get(name);
      if (service != null) {
        parts.add(service);
      }
    }
    return parts;
  }

  /** The gateway's config, with the variables its compose service passes it. */
  public Loaded<GatewayConfig> gateway() {
    Map<String, String> variables = new LinkedHashMap<>();
    service("gateway").forEach(part -> variables.putAll(ComposeFile.environmentOf(part)));
    try {
      return Loaded.of(new ConfigLoader(variables).load(file(configPath("gateway.yaml", "gateway.yaml")),
          GatewayConfig.class));
    } catch (Exception e) {
      return Loaded.failed(e.getMessage());
    }
  }

  /** The egress proxy's allowlist. */
  public Loaded<Acl> egressAcl() {
    try {
      return Loaded.of(Acl.load(file(configPath("egress-acl.yaml", "egress-acl.yaml"))));
    } catch (Exception e) {
      return Loaded.failed(e.getMessage());
    }
  }

  /** The socket proxy's sandbox policy. */
  public Loaded<InspectionPolicy> socketProxyPolicy() {
    try {
      return Loaded.of(new ConfigLoader(Map.of()).load(file(configPath("socket-proxy.yaml",
          "socket-proxy-policy.yaml")), InspectionPolicy.class));
    } catch (Exception e) {
      return Loaded.failed(e.getMessage());
    }
  }

  /**
   * The host file behind a secret a service reads at {@code containerPath} ({@code /run/secrets/NAME}): the compose
   * secret the service mounts there, and that secret's {@code file}; or a bind mount of a host directory.
   */
  public Optional<Path> secretFile(String service, String containerPath) {
    if (kind == Kind.UP) { // a path on this host
      return Optional.of(Path.of(containerPath));
    }
    String target = containerPath.substring(containerPath.lastIndexOf('/') + 1);
    for (Map<String, Object> part : service(service)) {
      Object secrets = part.get("secrets");
      if (!(secrets instanceof List<?> list)) {
        continue;
      }
      for (Object entry : list) {
        Map<String, Object> mapping = ComposeFile.mapping(entry);
        String source = mapping.isEmpty() ? String.valueOf(entry) : String.valueOf(mapping.get("source"));
        String mountedAs = mapping.isEmpty() ? source : String.valueOf(mapping.getOrDefault("target", source));
        if (mountedAs.equals(target)) {
          return topLevelSecret(source);
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Path> topLevelSecret(String name) {
    for (ComposeFile file : composeFiles) {
      Object file1 = ComposeFile.mapping(file.root().get("secrets")).get(name);
      Object path = ComposeFile.mapping(file1).get("file");
      if (path != null) {
        return Optional.of(directory.resolve(String.valueOf(path)).normalize());
      }
    }
    return Optional.empty();
  }

  /** A file's text, or empty when it cannot be read. */
  public Optional<String> text(String relative) {
    try {
      return Optional.of(Files.readString(file(relative), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** {@code NAME=value} lines; comments and blank lines skipped; no quoting rules beyond what deploy init writes. */
  public static Map<String, String> dotEnv(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return env;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String trimmed = line.strip();
      int equals = trimmed.indexOf('=');
      if (trimmed.isEmpty() || trimmed.startsWith("#") || equals <= 0) {
        continue;
      }
      env.put(trimmed.substring(0, equals).strip(), trimmed.substring(equals + 1).strip());
    }
    return env;
  }
}
