package dev.clincher.gateway.sandbox;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How sandbox containers are made and kept. The config keys (section {@code sandbox}) are those {@link #describe()}
 * prints; {@link #defaults()} are the documented defaults.
 *
 * @param image the sandbox image; the socket proxy admits only {@code clincher-sandbox*}
 * @param scope which calls share a container: one per session (default), per agent, or one for all
 * @param user the uid:gid every container and exec runs as; never root
 * @param memoryBytes memory limit
 * @param memorySwapBytes memory plus swap limit
 * @param nanoCpus CPU limit in billionths of a CPU
 * @param pidsLimit most processes at once (fork bombs)
 * @param nofile open-file limit (soft and hard)
 * @param tmpBytes size of the writable {@code /tmp} tmpfs (the root filesystem is read-only)
 * @param volumePrefix named workspace volumes are {@code <prefix><key>}; the proxy's {@code allowed_volumes} must
 *     admit them
 * @param idleTimeout a sandbox unused this long is removed by {@link SandboxManager#reap()} (its volume stays)
 * @param maxAge a sandbox older than this is removed by the reaper (its volume stays)
 * @param maxSandboxes most sandboxes alive at once; beyond that opening a new one fails
 * @param execTimeout default timeout of a command
 * @param maxExecTimeout largest timeout a tool call may ask for
 * @param outputCap bytes of stdout and of stderr kept per command
 * @param instance label value separating the sandboxes of several gateways on one Docker host
 * @param dockerTimeout bound of every Docker API call (not exec sessions)
 */
public record SandboxSettings(String image, Scope scope, String user, long memoryBytes, long memorySwapBytes,
    long nanoCpus, int pidsLimit, int nofile, long tmpBytes, String volumePrefix, Duration idleTimeout,
    Duration maxAge, int maxSandboxes, Duration execTimeout, Duration maxExecTimeout, int outputCap,
    String instance, Duration dockerTimeout) {

  /** The image {@code deploy/images/sandbox} builds; the socket proxy's default allowlist admits it. */
  public static final String DEFAULT_IMAGE = "clincher-sandbox:latest";

  private static final long MIB = 1024L * 1024;
  private static final Pattern USER = Pattern.compile("[0-9]{1,9}:[0-9]{1,9}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,40}");

  /** Which tool calls share one container (and so one workspace). */
  public enum Scope {
    SESSION, AGENT, SHARED;

    public static Scope parse(String value) {
      return Scope.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  public SandboxSettings {
    if (!DockerClient.isImageReference(image)) {
      throw new IllegalArgumentException("sandbox.image must be an image reference like " + DEFAULT_IMAGE + ", got '"
          + image + "'");
    }
    if (!USER.matcher(user).matches() || user.startsWith("0:")) {
      throw new IllegalArgumentException("sandbox.user must be uid:gid and not root, got " + user);
    }
    if (!NAME.matcher(instance).matches() || !NAME.matcher(volumePrefix).matches()) {
      throw new IllegalArgumentException("sandbox.instance and sandbox.volume_prefix must match " + NAME);
    }
    if (memoryBytes < 16 * MIB || memorySwapBytes < memoryBytes || nanoCpus <= 0 || pidsLimit <= 0 || nofile <= 0
        || tmpBytes <= 0 || maxSandboxes <= 0 || outputCap <= 0) {
      throw new IllegalArgumentException("sandbox limits must be positive (memory >= 16 MiB, swap >= memory)");
    }
    for (Duration duration : new Duration[] {idleTimeout, maxAge, execTimeout, maxExecTimeout, dockerTimeout}) {
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("sandbox durations must be positive");
      }
    }
  }

  /** The defaults: one container per session, 1 GiB / 1.5 GiB swap / 1 CPU / 512 PIDs, 12 h idle, 3 d age, 8 max. */
  public static SandboxSettings defaults() {
    return new SandboxSettings(DEFAULT_IMAGE, Scope.SESSION, "1000:1000", 1024 * MIB, 1536 * MIB,
        1_000_000_000L, 512, 4096, 256 * MIB, "clincher-ws-", Duration.ofHours(12), Duration.ofDays(3), 8,
        Duration.ofSeconds(120), Duration.ofMinutes(30), 64 * 1024, "default", Duration.ofSeconds(30));
  }

  public SandboxSettings withImage(String newImage) {
    return new SandboxSettings(newImage, scope, user, memoryBytes, memorySwapBytes, nanoCpus, pidsLimit, nofile,
        tmpBytes, volumePrefix, idleTimeout, maxAge, maxSandboxes, execTimeout, maxExecTimeout, outputCap, instance,
        dockerTimeout);
  }

  public SandboxSettings withInstance(String newInstance) {
    return new SandboxSettings(image, scope, user, memoryBytes, memorySwapBytes, nanoCpus, pidsLimit, nofile,
        tmpBytes, volumePrefix, idleTimeout, maxAge, maxSandboxes, execTimeout, maxExecTimeout, outputCap,
        newInstance, dockerTimeout);
  }

  public SandboxSettings withLimits(long memory, long memorySwap, int pids) {
    return new SandboxSettings(image, scope, user, memory, memorySwap, nanoCpus, pids, nofile, tmpBytes,
        volumePrefix, idleTimeout, maxAge, maxSandboxes, execTimeout, maxExecTimeout, outputCap, instance,
        dockerTimeout);
  }

  public SandboxSettings withScope(Scope newScope, int newMaxSandboxes) {
    return new SandboxSettings(image, newScope, user, memoryBytes, memorySwapBytes, nanoCpus, pidsLimit, nofile,
        tmpBytes, volumePrefix, idleTimeout, maxAge, newMaxSandboxes, execTimeout, maxExecTimeout, outputCap,
        instance, dockerTimeout);
  }

  public SandboxSettings withOutput(Duration newMaxExecTimeout, int newOutputCap) {
    return new SandboxSettings(image, scope, user, memoryBytes, memorySwapBytes, nanoCpus, pidsLimit, nofile,
        tmpBytes, volumePrefix, idleTimeout, maxAge, maxSandboxes, execTimeout, newMaxExecTimeout, newOutputCap,
        instance, dockerTimeout);
  }

  /**
   * The sandbox key of a call: {@code s-<agent>-<hash>} per session, {@code a-<agent>-<hash>} per agent,
   * {@code shared}. The hash (of the raw names) keeps keys unique and safe as container and volume names whatever
   * characters the names hold.
   */
  public String key(String agent, String sessionId) {
    return switch (scope) {
      case SESSION -> "s-" + slug(agent) + "-" + sha256(agent + "\0" + sessionId).substring(0, 16);
      case AGENT -> "a-" + slug(agent) + "-" + sha256(agent).substring(0, 16);
      case SHARED -> "shared";
    };
  }

  /** The effective settings by config key, in a stable order. */
  public Map<String, String> describe() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("sandbox.image", image);
    keys.put("sandbox.scope", scope.name().toLowerCase(Locale.ROOT));
    keys.put("sandbox.user", user);
    keys.put("sandbox.memory", memoryBytes + " bytes");
    keys.put("sandbox.memory_swap", memorySwapBytes + " bytes");
    keys.put("sandbox.cpus", Double.toString(nanoCpus / 1e9));
    keys.put("sandbox.pids", Integer.toString(pidsLimit));
    keys.put("sandbox.nofile", Integer.toString(nofile));
    keys.put("sandbox.tmp_size", tmpBytes + " bytes");
    keys.put("sandbox.volume_prefix", volumePrefix);
    keys.put("sandbox.idle_timeout", idleTimeout.toString());
    keys.put("sandbox.max_age", maxAge.toString());
    keys.put("sandbox.max_sandboxes", Integer.toString(maxSandboxes));
    keys.put("sandbox.instance", instance);
    keys.put("sandbox.docker_timeout", dockerTimeout.toString());
    keys.put("tools.exec.timeout", execTimeout.toString());
    keys.put("tools.exec.max_timeout", maxExecTimeout.toString());
    keys.put("tools.exec.max_output", outputCap + " bytes");
    return keys;
  }

  /** A hash of everything that shapes a container; a container labelled with another hash is recreated. */
  public String containerHash() {
    String shape = String.join("\n", "v2", image, user, Long.toString(memoryBytes), Long.toString(memorySwapBytes),
        Long.toString(nanoCpus), Integer.toString(pidsLimit), Integer.toString(nofile), Long.toString(tmpBytes),
        volumePrefix);
    return sha256(shape).substring(0, 16);
  }

  private static String slug(String name) {
    String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    return slug.isEmpty() ? "x" : slug.substring(0, Math.min(24, slug.length()));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
