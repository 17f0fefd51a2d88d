package dev.clincher.gateway.sandbox.kubernetes;

import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxInfo;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.SandboxSlots;
import dev.clincher.gateway.sandbox.SessionSandbox;
import dev.clincher.gateway.sandbox.SessionSandboxes;
import dev.clincher.gateway.sandbox.SlotTable;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandboxes of one gateway as pods ({@code sandbox.backend: kubernetes}): the Kubernetes counterpart of the
 * Docker backend's SandboxManager, behind the same {@link SessionSandboxes} seam. A pod per key
 * ({@link SandboxSettings#key}) is created on first use and awaited until it runs (at most
 * {@link KubernetesSettings#startTimeout()}, then deleted); its {@link SlotTable} makes concurrent first uses of a
 * key create one pod and holds {@link SandboxSettings#maxSandboxes()} in this process. {@link #adoptOrphans()} takes
 * over the pods a previous run of this instance left (or deletes them when their settings hash differs),
 * {@link #reap()} deletes idle and old ones.
 * Unlike Docker's named volumes, a pod's workspace (an emptyDir) goes with the pod. Thread-safe.
 */
public final class KubernetesSandboxes implements SessionSandboxes {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSandboxes.class);
  private static final Set<String> STARTED_OR_ENDED = Set.of("Running", "Succeeded", "Failed");

  private final KubernetesClient client;
  private final SandboxSettings settings;
  private final KubernetesSettings kubernetes;
  private final Clock clock;
  private final SlotTable<PodSandbox> slots;

  /**
   * @param client the API client, authenticated as the gateway's ServiceAccount (in a pod: its mounted token)
   * @param settings how sandboxes are made (image, user, limits, scope, instance label, maximum)
   * @param kubernetes where pods go and how long they may take to start
   * @param clock time for idle and age decisions
   */
  public KubernetesSandboxes(KubernetesClient client, SandboxSettings settings, KubernetesSettings kubernetes,
      Clock clock) {
    this.client = client;
    this.settings = settings;
    this.kubernetes = kubernetes;
    this.clock = clock;
    // not wired to the shared count: there the namespace's ResourceQuota bounds all replicas
    this.slots = new SlotTable<>(settings, clock, SandboxSlots.THIS_PROCESS_ONLY, new Pods(), LOG);
  }

  public SandboxSettings settings() {
    return settings;
  }

  @Override
  public SessionSandbox forSession(String agent, String sessionId) {
    return () -> open(agent, sessionId);
  }

  @Override
  public void sessionDeleted(String agent, String sessionId) throws SandboxException, InterruptedException {
    if (settings.scope() == SandboxSettings.Scope.SESSION) {
      remove(settings.key(agent, sessionId));
    }
  }

  /** The sandbox of this agent's session, creating its pod on first use. */
  public Sandbox open(String agent, String sessionId) throws SandboxException, InterruptedException {
    return slots.open(settings.key(agent, sessionId), (slot, now) -> create(slot, agent, sessionId, now));
  }

  /** Deletes the key's pod (its workspace goes with it). Unknown keys are a no-op. */
  public void remove(String key) throws SandboxException, InterruptedException {
    slots.forget(key, pod -> {});
    delete(PodSpec.podName(settings, key));
  }

  /** Deletes pods idle past the idle timeout or older than the maximum age; returns their keys. */
  public List<String> reap() throws InterruptedException {
    return slots.reap();
  }

  /** At start-up: adopts this instance's running pods made with the current settings, deletes the others. */
  public int adoptOrphans() throws SandboxException {
    int adopted = 0;
    for (Pod pod : listOwn()) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      String key = labels.getOrDefault(PodSpec.LABEL_KEY, "");
      boolean current = settings.containerHash().equals(labels.get(PodSpec.LABEL_HASH));
      boolean running = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
      if (current && running && !key.isEmpty() && adopt(key, pod)) {
        adopted++;
      } else {
        LOG.info("sandbox.orphan_removed key={} reason={}", key,
            !current ? "settings changed" : !running ? "not running" : "limit or duplicate");
        delete(pod.getMetadata().getName());
      }
    }
    return adopted;
  }

  /** This instance's sandbox pods as the API server reports them. */
  public List<SandboxInfo> list() throws SandboxException {
    List<SandboxInfo> infos = new ArrayList<>();
    for (Pod pod : listOwn()) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      Map<String, String> notes = pod.getMetadata().getAnnotations() == null ? Map.of()
          : pod.getMetadata().getAnnotations();
      infos.add(new SandboxInfo(labels.getOrDefault(PodSpec.LABEL_KEY, ""), pod.getMetadata().getName(),
          notes.getOrDefault(PodSpec.ANNOTATION_AGENT, ""), notes.getOrDefault(PodSpec.ANNOTATION_SESSION, ""),
          createdAt(notes), pod.getStatus() == null ? "" : pod.getStatus().getPhase(),
          settings.containerHash().equals(labels.get(PodSpec.LABEL_HASH))));
    }
    return infos;
  }

  /** Sandboxes this gateway holds (or is creating) now. */
  public int active() {
    return slots.size();
  }

  private boolean adopt(String key, Pod pod) throws SandboxException {
    Instant created = createdAt(pod.getMetadata().getAnnotations() == null ? Map.of()
        : pod.getMetadata().getAnnotations());
    if (!slots.adopt(key, created, slot -> sandbox(slot, pod.getMetadata().getName()))) {
      return false;
    }
    LOG.info("sandbox.adopted key={} pod={}", key, pod.getMetadata().getName());
    return true;
  }

  private PodSandbox create(SlotTable.Slot<PodSandbox> slot, String agent, String session, Instant now)
      throws SandboxException, InterruptedException {
    String key = slot.key();
    Pod pod;
    try {
      pod = PodSpec.pod(settings, kubernetes, key, agent, session, now);
    } catch (IllegalArgumentException e) {
      LOG.warn("sandbox.refused key={} reason=invalid_pod rule=pod_spec detail=\"{}\"", key, e.getMessage());
      throw new SandboxException("cannot make the sandbox pod: " + e.getMessage(), e);
    }
    String name = pod.getMetadata().getName();
    createOrReplace(key, pod);
    awaitRunning(key, name);
    LOG.info("sandbox.created key={} pod={} namespace={}", key, name, kubernetes.namespace());
    return sandbox(slot, name);
  }

  /** A pod of that name left by a crash (409) is deleted, awaited gone, and created again. */
  private void createOrReplace(String key, Pod pod) throws SandboxException, InterruptedException {
    try {
      client.pods().inNamespace(kubernetes.namespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw apiFailure("cannot create the sandbox pod", key, e);
      }
      String name = pod.getMetadata().getName();
      LOG.info("sandbox.replaced key={} pod={} reason=left_over", key, name);
      delete(name);
      try {
        client.pods().inNamespace(kubernetes.namespace()).withName(name)
            .waitUntilCondition(p -> p == null, kubernetes.apiTimeout().toMillis(), TimeUnit.MILLISECONDS);
        client.pods().inNamespace(kubernetes.namespace()).resource(pod).create();
      } catch (KubernetesClientTimeoutException again) {
        throw new SandboxException("the left-over sandbox pod " + name + " did not go away", again);
      } catch (KubernetesClientException again) {
        throw apiFailure("cannot create the sandbox pod", key, again);
      }
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  /** Waits until the pod runs; a pod that fails or does not start in time is deleted, and the error says why. */
  private void awaitRunning(String key, String name) throws SandboxException {
    Pod pod;
    try {
      pod = client.pods().inNamespace(kubernetes.namespace()).withName(name).waitUntilCondition(
          p -> p != null && p.getStatus() != null && STARTED_OR_ENDED.contains(p.getStatus().getPhase()),
          kubernetes.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientTimeoutException e) {
      LOG.warn("sandbox.start_timeout key={} pod={} timeout={}", key, name, kubernetes.startTimeout());
      deleteQuietly(name);
      throw new SandboxException("the sandbox pod did not start within " + kubernetes.startTimeout()
          + " (sandbox.kubernetes.start_timeout); check its image and the namespace's quota", e);
    } catch (KubernetesClientException e) {
      deleteQuietly(name);
      throw apiFailure("cannot start the sandbox pod", key, e);
    }
    if (!"Running".equals(pod.getStatus().getPhase())) {
      deleteQuietly(name);
      throw new SandboxException("the sandbox pod ended as it started (" + pod.getStatus().getPhase() + ")");
    }
  }

  private PodSandbox sandbox(SlotTable.Slot<PodSandbox> slot, String name) {
    return new PodSandbox(client, kubernetes.namespace(), name, () -> slot.used(clock.instant()),
        () -> slots.gone(slot, name));
  }

  /** How the slot table deletes and names pods; the refusal says no {@code counted} (only this process counts). */
  private final class Pods implements SlotTable.Backend<PodSandbox> {
    @Override
    public void remove(PodSandbox sandbox) throws SandboxException {
      delete(sandbox.containerId());
    }

    @Override
    public String describe(PodSandbox sandbox) {
      return "pod=" + sandbox.containerId();
    }

    @Override
    public void refused(String key, String counted) {
      LOG.warn("sandbox.refused key={} reason=limit rule=sandbox.max_sandboxes max={}", key,
          settings.maxSandboxes());
    }
  }

  private List<Pod> listOwn() throws SandboxException {
    try {
      return client.pods().inNamespace(kubernetes.namespace()).withLabels(PodSpec.selector(settings)).list()
          .getItems();
    } catch (KubernetesClientException e) {
      throw apiFailure("cannot list the sandbox pods", "*", e);
    }
  }

  private void delete(String name) throws SandboxException {
    try {
      client.pods().inNamespace(kubernetes.namespace()).withName(name).withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw apiFailure("cannot delete the sandbox pod", name, e);
      }
    }
  }

  private void deleteQuietly(String name) {
    try {
      delete(name);
    } catch (SandboxException e) {
      LOG.warn("sandbox.delete_failed pod={} reason=\"{}\"", name, e.getMessage());
    }
  }

  private static SandboxException apiFailure(String what, String key, KubernetesClientException e) {
    String reason = KubernetesErrors.describe(e);
    LOG.warn("sandbox.api_failed key={} status={} what=\"{}\"", key, e.getCode(), what);
    return new SandboxException(what + ": " + reason, e);
  }

  private Instant createdAt(Map<String, String> annotations) {
    try {
      return Instant.parse(annotations.getOrDefault(PodSpec.ANNOTATION_CREATED, ""));
    } catch (DateTimeParseException e) {
      return clock.instant();
    }
  }
}
