package dev.clincher.gateway.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The container-create body of one sandbox: exactly the hardened shape the socket proxy's sandbox profile admits
 * (CapDrop ALL, no-new-privileges, NetworkMode none, memory/CPU/PID limits, the sandbox label), plus a read-only
 * root filesystem, a size-capped {@code /tmp} tmpfs, the named workspace volume at {@code /workspace}, a non-root
 * user and an open-file limit. PID 1 is a shell loop that reaps orphaned processes and exits on SIGTERM; it first
 * starts the command runner ({@link #RUNNER}) on the container's stdin and stdout ({@code OpenStdin}, reached with
 * Docker attach), and when the runner is missing or exits it writes the runner protocol's "gone" frame there, so the
 * gateway falls back to exec at once. The shell itself then lets go of stdin and stdout: only the runner reads and
 * writes them. Logging is off ({@code none}): what commands print through the runner must not land in Docker's log
 * files on the host (exec output never did).
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
  /** Where the sandbox image has the runner (deploy/images/sandbox/runner). */
  static final String RUNNER = "/usr/local/bin/clincher-runner";
  /** The runner protocol's "gone" frame: type 'G', id 0, length 0. */
  private static final String GONE_FRAME = "printf '\\107\\0\\0\\0\\0\\0\\0\\0\\0'";
  private static final String INIT = "trap 'exit 0' TERM; exec 3<&0; "
      + "{ if [ -x " + RUNNER + " ]; then " + RUNNER + " <&3 3<&-; fi; " + GONE_FRAME + "; } & "
      + "exec </dev/null >/dev/null 2>&1 3<&-; while :; do sleep 3600 & wait $!; done";

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
    body.put("OpenStdin", true).put("StdinOnce", false).put("Tty", false);
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
    host.putObject("LogConfig").put("Type", "none");
    host.putArray("Mounts").addObject().put("Type", "volume").put("Source", volumeName(settings, key))
        .put("Target", Sandbox.WORKSPACE);
    return body;
  }

  private static String bounded(String value) {
    String text = value == null ? "" : value;
    return text.length() > 200 ? text.substring(0, 200) : text;
  }
}
