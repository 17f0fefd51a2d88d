package dev.clincher.gateway.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The container-create body of one sandbox: exactly the hardened shape the socket proxy's sandbox profile admits
 * (CapDrop ALL, no-new-privileges, NetworkMode none, memory/CPU/PID limits, the sandbox label), plus a read-only
 * root filesystem, a size-capped {@code /tmp} tmpfs, the named workspace volume at {@code /workspace}, a non-root
 * user and an open-file limit. PID 1 is a shell loop that reaps orphaned processes and exits on SIGTERM.
 */
final class ContainerSpec {
  static final String LABEL = "clincher.sandbox";
  static final String LABEL_INSTANCE = "clincher.instance";
  static final String LABEL_KEY = "clincher.key";
  static final String LABEL_AGENT = "clincher.agent";
  static final String LABEL_SESSION = "clincher.session";
  static final String LABEL_HASH = "clincher.settings-hash";
  static final String LABEL_CREATED = "clincher.created-at";
  static final String CONTAINER_PREFIX = "clincher-sbx-";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INIT = "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done";

  private ContainerSpec() {}

  static String containerName(SandboxSettings settings, String key) {
    return CONTAINER_PREFIX + settings.instance() + "-" + key;
  }

  static String volumeName(SandboxSettings settings, String key) {
    return settings.volumePrefix() + settings.instance() + "-" + key;
  }

  static ObjectNode body(SandboxSettings settings, String key, String agent, String session, Instant createdAt) {
    ObjectNode body = JSON.createObjectNode();
    body.put("Image", settings.image());
    body.put("User", settings.user());
    body.put("WorkingDir", Sandbox.WORKSPACE);
    body.put("NetworkDisabled", true);
    body.putArray("Cmd").add("sh").add("-c").add(INIT);
    body.putArray("Env").add("HOME=" + Sandbox.WORKSPACE).add("TMPDIR=/tmp")
        .add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    ObjectNode labels = body.putObject("Labels");
    labels.put(LABEL, "1");
    labels.put(LABEL_INSTANCE, settings.instance());
    labels.put(LABEL_KEY, key);
    labels.put(LABEL_AGENT, bounded(agent));
    labels.put(LABEL_SESSION, bounded(session));
    labels.put(LABEL_HASH, settings.containerHash());
    labels.put(LABEL_CREATED, createdAt.toString());
    ObjectNode host = body.putObject("HostConfig");
    host.putArray("CapDrop").add("ALL");
    host.putArray("SecurityOpt").add("no-new-privileges");
    host.put("NetworkMode", "none");
    host.put("ReadonlyRootfs", true);
    host.put("Memory", settings.memoryBytes());
    host.put("MemorySwap", settings.memorySwapBytes());
    host.put("NanoCpus", settings.nanoCpus());
    host.put("PidsLimit", settings.pidsLimit());
    host.putArray("Ulimits").addObject().put("Name", "nofile").put("Soft", settings.nofile())
        .put("Hard", settings.nofile());
    host.putObject("Tmpfs").put("/tmp", "rw,nosuid,nodev,size=" + settings.tmpBytes());
    host.putObject("LogConfig").put("Type", "json-file").putObject("Config").put("max-size", "1m")
        .put("max-file", "1");
    host.putArray("Mounts").addObject().put("Type", "volume").put("Source", volumeName(settings, key))
        .put("Target", Sandbox.WORKSPACE);
    return body;
  }

  private static String bounded(String value) {
    String text = value == null ? "" : value;
    return text.length() > 200 ? text.substring(0, 200) : text;
  }
}
