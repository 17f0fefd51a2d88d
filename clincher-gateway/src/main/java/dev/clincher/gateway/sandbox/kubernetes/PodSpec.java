package dev.clincher.gateway.sandbox.kubernetes;

import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The pod of one sandbox: the Docker backend's container (ContainerSpec) in Kubernetes terms. Non-root with the
 * configured uid:gid, read-only root, no privilege escalation, every capability dropped, seccomp RuntimeDefault, no
 * service-account token, no host namespaces, no service links, the memory/CPU limits of the settings, a
 * size-capped {@code /tmp} and {@code /workspace} (emptyDir volumes), the RuntimeClass when one is configured. Every
 * field is written here from validated settings: nothing an agent sends reaches the spec except through the
 * validated key (labels) and the bounded agent and session names (annotations, which Kubernetes never interprets).
 * The namespace's Pod Security "restricted" profile makes the API server refuse anything weaker.
 */
public final class PodSpec {
  /** The Docker backend's label names (ContainerSpec), so both backends' sandboxes are found the same way. */
  public static final String LABEL = "clincher.sandbox";
  public static final String LABEL_INSTANCE = "clincher.instance";
  public static final String LABEL_KEY = "clincher.key";
  public static final String LABEL_HASH = "clincher.settings-hash";
  public static final String ANNOTATION_AGENT = "clincher.agent";
  public static final String ANNOTATION_SESSION = "clincher.session";
  public static final String ANNOTATION_CREATED = "clincher.created-at";
  /** The container's name inside the pod. */
  public static final String CONTAINER = "sandbox";
  /** What Kubernetes accepts as a label value. */
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
  private static final String INIT = "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done";

  private PodSpec() {}

  /** {@code clincher-sbx-<hash of instance and key>}: unique per instance and key, a valid pod name whatever they are. */
  public static String podName(SandboxSettings settings, String key) {
    return "clincher-sbx-" + sha256(settings.instance() + "\0" + key).substring(0, 24);
  }

  /** The labels that find this instance's sandbox pods (sorted: one request path for one selector). */
  public static Map<String, String> selector(SandboxSettings settings) {
    return new TreeMap<>(Map.of(LABEL, "1", LABEL_INSTANCE, labelValue("sandbox.instance", settings.instance())));
  }

  /**
   * @throws IllegalArgumentException when the instance or the key cannot be a label value (the settings and keys
   *     the gateway makes always can; this is the guard)
   */
  public static Pod pod(SandboxSettings settings, KubernetesSettings kubernetes, String key, String agent,
      String session, Instant createdAt) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL, "1");
    labels.put(LABEL_INSTANCE, labelValue("sandbox.instance", settings.instance()));
    labels.put(LABEL_KEY, labelValue("sandbox key", key));
    labels.put(LABEL_HASH, labelValue("settings hash", settings.containerHash()));
    String[] user = settings.user().split(":");
    long uid = Long.parseLong(user[0]);
    long gid = Long.parseLong(user[1]);
    if (uid == 0) {
      throw new IllegalArgumentException("sandbox pods never run as root");
    }
    return new PodBuilder()
        .withNewMetadata()
          .withName(podName(settings, key))
          .withNamespace(kubernetes.namespace())
          .withLabels(labels)
          .withAnnotations(Map.of(ANNOTATION_AGENT, bounded(agent), ANNOTATION_SESSION, bounded(session),
              ANNOTATION_CREATED, createdAt.toString()))
        .endMetadata()
        .withNewSpec()
          .withRuntimeClassName(kubernetes.runtimeClass().isEmpty() ? null : kubernetes.runtimeClass())
          .withAutomountServiceAccountToken(false)
          .withEnableServiceLinks(false)
          .withHostNetwork(false).withHostPID(false).withHostIPC(false)
          .withRestartPolicy("Always")
          .withTerminationGracePeriodSeconds(5L)
          .withNewSecurityContext()
            .withRunAsNonRoot(true).withRunAsUser(uid).withRunAsGroup(gid).withFsGroup(gid)
            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
          .endSecurityContext()
          .addNewContainer()
            .withName(CONTAINER)
            .withImage(settings.image())
            .withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", INIT)
            .withWorkingDir(Sandbox.WORKSPACE)
            .addNewEnv().withName("HOME").withValue(Sandbox.WORKSPACE).endEnv()
            .addNewEnv().withName("TMPDIR").withValue("/tmp").endEnv()
            .withNewSecurityContext()
              .withRunAsNonRoot(true).withRunAsUser(uid).withRunAsGroup(gid)
              .withPrivileged(false).withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
              .withNewCapabilities().withDrop("ALL").endCapabilities()
              .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
            .endSecurityContext()
            .withNewResources()
              .withLimits(limits(settings)).withRequests(limits(settings))
            .endResources()
            .addNewVolumeMount().withName("workspace").withMountPath(Sandbox.WORKSPACE).endVolumeMount()
            .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
          .endContainer()
          .addNewVolume().withName("workspace").withNewEmptyDir().withSizeLimit(new Quantity(
              Long.toString(settings.tmpBytes() * 16))).endEmptyDir().endVolume()
          .addNewVolume().withName("tmp").withNewEmptyDir().withMedium("Memory")
              .withSizeLimit(new Quantity(Long.toString(settings.tmpBytes()))).endEmptyDir().endVolume()
        .endSpec()
        .build();
  }

  /** Requests equal limits (Guaranteed QoS): a sandbox gets what it may use, and no more. */
  private static Map<String, Quantity> limits(SandboxSettings settings) {
    return Map.of("memory", new Quantity(Long.toString(settings.memoryBytes())),
        "cpu", new Quantity(settings.nanoCpus() / 1_000_000 + "m"));
  }

  private static String labelValue(String what, String value) {
    if (value == null || value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " is not a valid Kubernetes label value: '" + value + "'");
    }
    return value;
  }

  private static String bounded(String value) {
    String text = value == null ? "" : value;
    return text.length() > 200 ? text.substring(0, 200) : text;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
