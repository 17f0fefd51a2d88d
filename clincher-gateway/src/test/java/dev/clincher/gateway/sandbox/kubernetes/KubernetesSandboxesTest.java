package dev.clincher.gateway.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.gateway.sandbox.ExecRequest;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes backend against fabric8's API mock in CRUD mode (the API's REST paths, status codes, watches and
 * the exec WebSocket's channel protocol), with a "kubelet" thread that marks created pods Running the way a node
 * reports them. Errors (403, 422, 5xx) are the API's own Status objects, set as expectations in front of the CRUD
 * store.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesSandboxesTest {
  private static final String NAMESPACE = "clincher-sandbox";

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicBoolean kubeletRunning = new AtomicBoolean();
  private ExecutorService kubelet;

  @BeforeEach
  void startKubelet() {
    kubelet = Executors.newSingleThreadExecutor();
  }

  /**
   * Stops the kubelet thread and closes the client (its open watches and connections) before the extension shuts the
   * mock server down: the server waits for open connections only 10 s and then fails the test that is over.
   */
  @AfterEach
  void stopKubelet() throws InterruptedException {
    kubeletRunning.set(false);
    kubelet.shutdownNow();
    kubelet.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    client.close();
  }

  private SandboxSettings settings() {
    return SandboxSettings.defaults().withImage("registry.example.com/clincher-sandbox:0.1.0")
        .withInstance("gateway-7c9d-x2k4p");
  }

  private static KubernetesSettings kubernetes(String runtimeClass, Duration startTimeout) {
    return new KubernetesSettings(NAMESPACE, runtimeClass, startTimeout, Duration.ofSeconds(5));
  }

  private KubernetesSandboxes sandboxes(SandboxSettings settings, KubernetesSettings kubernetes) {
    return new KubernetesSandboxes(client, settings, kubernetes, Clock.systemUTC());
  }

  /** Marks every pod without a phase Running, as a node would once the container started (bounded: 60 s). */
  private void runKubelet() {
    kubeletRunning.set(true);
    kubelet.submit(() -> {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (kubeletRunning.get() && System.nanoTime() < deadline) {
        for (Pod pod : client.pods().inNamespace(NAMESPACE).list().getItems()) {
          if (pod.getStatus() == null || pod.getStatus().getPhase() == null) {
            pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
            try {
              client.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
            } catch (KubernetesClientException e) {
              // deleted or changed meanwhile: the next round sees it as it is now
            }
          }
        }
        Thread.sleep(20);
      }
      return null;
    });
  }

  @Test
  void createsOneHardenedPodPerKeyEvenWhenManyCallsRaceForIt() throws Exception {
    runKubelet();
    KubernetesSandboxes sandboxes = sandboxes(settings(), kubernetes("gvisor", Duration.ofSeconds(30)));
    List<Callable<Sandbox>> opens = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      opens.add(() -> sandboxes.open("main", "session-1"));
    }
    List<String> names = new ArrayList<>();
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Future<Sandbox> opened : callers.invokeAll(opens)) {
        names.add(opened.get().containerId());
      }
    }
    assertThat(names).hasSize(8).containsOnly(names.getFirst());
    List<Pod> pods = client.pods().inNamespace(NAMESPACE).list().getItems();
    assertThat(pods).hasSize(1);
    Pod pod = pods.getFirst();
    assertThat(pod.getMetadata().getLabels()).containsEntry(dev.clincher.gateway.sandbox.kubernetes.PodSpec.LABEL,
        "1").containsEntry(dev.clincher.gateway.sandbox.kubernetes.PodSpec.LABEL_INSTANCE, "gateway-7c9d-x2k4p")
        .containsEntry(dev.clincher.gateway.sandbox.kubernetes.PodSpec.LABEL_KEY, settings().key("main",
            "session-1"));
    assertHardened(pod.getSpec());
    assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo("gvisor");
    Container container = pod.getSpec().getContainers().getFirst();
    assertThat(container.getImage()).isEqualTo("registry.example.com/clincher-sandbox:0.1.0");
    assertThat(container.getResources().getLimits().get("memory").getNumericalAmount().longValue())
        .isEqualTo(settings().memoryBytes());
    assertThat(container.getResources().getLimits().get("cpu").toString()).isEqualTo("1000m");
    assertThat(sandboxes.active()).isEqualTo(1);
    assertThat(sandboxes.list()).singleElement().satisfies(info -> {
      assertThat(info.agent()).isEqualTo("main");
      assertThat(info.session()).isEqualTo("session-1");
      assertThat(info.current()).isTrue();
    });
  }

  @Test
  void aPodThatDoesNotStartInTimeIsDeletedAndTheCallSaysWhy() {
    KubernetesSandboxes sandboxes = sandboxes(settings(), kubernetes("", Duration.ofMillis(300)));
    assertThatThrownBy(() -> sandboxes.open("main", "s")).isInstanceOf(SandboxException.class)
        .hasMessageContaining("did not start within").hasMessageContaining("sandbox.kubernetes.start_timeout");
    assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    assertThat(sandboxes.active()).isZero();
  }

  @Test
  void aLeftOverPodOfTheSameNameIsReplaced() throws Exception {
    SandboxSettings settings = settings();
    Pod leftOver = dev.clincher.gateway.sandbox.kubernetes.PodSpec.pod(settings, kubernetes("", Duration.ofSeconds(1)),
        settings.key("main", "s"), "main", "s", Instant.parse("2026-01-01T00:00:00Z"));
    leftOver.getMetadata().getAnnotations().put("left", "over");
    client.pods().inNamespace(NAMESPACE).resource(leftOver).create();
    runKubelet();
    Sandbox sandbox = sandboxes(settings, kubernetes("", Duration.ofSeconds(30))).open("main", "s");
    Pod pod = client.pods().inNamespace(NAMESPACE).withName(sandbox.containerId()).get();
    assertThat(pod.getMetadata().getAnnotations()).doesNotContainKey("left");
  }

  @Test
  void theApiErrorsBecomeMessagesThatNameTheCause() {
    server.expect().post().withPath("/api/v1/namespaces/" + NAMESPACE + "/pods")
        .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
            .withMessage("pods is forbidden: User \"system:serviceaccount:clincher:clincher-gateway\" cannot "
                + "create resource \"pods\"").build()).once();
    server.expect().post().withPath("/api/v1/namespaces/" + NAMESPACE + "/pods")
        .andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid")
            .withMessage("pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\"").build()).once();
    server.expect().get().withPath("/api/v1/namespaces/" + NAMESPACE + "/pods?labelSelector="
            + URLEncoder.encode("clincher.instance=gateway-7c9d-x2k4p,clincher.sandbox=1", StandardCharsets.UTF_8))
        .andReturn(500, new StatusBuilder().withCode(500).withMessage("etcd unavailable").build()).always();
    KubernetesSandboxes sandboxes = sandboxes(settings(), kubernetes("", Duration.ofSeconds(5)));

    assertThatThrownBy(() -> sandboxes.open("main", "a")).isInstanceOf(SandboxException.class)
        .hasMessageContaining("403").hasMessageContaining("clincher-sandbox-manager");
    assertThatThrownBy(() -> sandboxes.open("main", "a")).isInstanceOf(SandboxException.class)
        .hasMessageContaining("rejected the sandbox pod (422)").hasMessageContaining("PodSecurity");
    assertThatThrownBy(sandboxes::adoptOrphans).isInstanceOf(SandboxException.class)
        .hasMessageContaining("failed (500)").hasMessageContaining("etcd unavailable");
    assertThat(sandboxes.active()).as("a failed creation holds no slot").isZero();
  }

  @Test
  void execRunsTheCommandUnderTheWrapperAndReportsOutputAndExitCode() throws Exception {
    runKubelet();
    String pod = sandboxes(settings(), kubernetes("", Duration.ofSeconds(30))).open("main", "s").containerId();
    List<String> argv = List.of("echo", "hello world");
    server.expect().get().withPath(execPath(pod, "exec-1", "/workspace", argv)).andUpgradeToWebSocket()
        .open(new OutputStreamMessage("hello world from the pod\n"), new StatusStreamMessage(3)).done().once();

    ExecResult result = podSandbox(pod).exec(new ExecRequest(argv, null, Duration.ofSeconds(10), 8, null));

    assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("hello wo");
    assertThat(result.droppedBytes()).isEqualTo("hello world from the pod\n".length() - 8);
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.timedOut()).isFalse();
  }

  @Test
  void aCommandPastItsTimeoutIsKilledAndReportedAsTimedOut() throws Exception {
    runKubelet();
    String pod = sandboxes(settings(), kubernetes("", Duration.ofSeconds(30))).open("main", "s").containerId();
    List<String> argv = List.of("sleep", "600");
    server.expect().get().withPath(execPath(pod, "exec-1", "/workspace", argv)).andUpgradeToWebSocket()
        .open(new OutputStreamMessage("started\n")).expect("a message the client never sends")
        .andEmit(new StatusStreamMessage(0)).once().done().once();
    String killer = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod + "/exec?command=sh&command=-c&command="
        + encode(KILLER) + "&command=" + encode("/tmp/.clincher-exec/exec-1")
        + "&container=sandbox&stdout=true&stderr=true";
    server.expect().get().withPath(killer).andUpgradeToWebSocket().open(new StatusStreamMessage(0)).done().once();

    ExecResult result = podSandbox(pod).exec(new ExecRequest(argv, null, Duration.ofMillis(500), 1024, null));

    assertThat(result.timedOut()).as("%s exit %d after %s", new String(result.stdout(), StandardCharsets.UTF_8),
        result.exitCode(), result.took()).isTrue();
    assertThat(result.exitCode()).isEqualTo(-1);
    assertThat(new String(result.stdout(), StandardCharsets.UTF_8)).isEqualTo("started\n");
    assertThat(requestedPaths()).as("the kill exec was sent").contains(killer);
  }

  @Test
  void aCommandInAPodThatIsGoneSaysSoAndFreesTheSlot() throws Exception {
    runKubelet();
    KubernetesSandboxes sandboxes = sandboxes(settings(), kubernetes("", Duration.ofSeconds(30)));
    Sandbox sandbox = sandboxes.open("main", "s");
    client.pods().inNamespace(NAMESPACE).withName(sandbox.containerId()).delete();
    server.expect().get().withPath(execPath(sandbox.containerId(), "exec-1", "/workspace", List.of("true")))
        .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound").build()).once();
    AtomicBoolean gone = new AtomicBoolean();
    PodSandbox pod = new PodSandbox(client, NAMESPACE, sandbox.containerId(), () -> { }, () -> gone.set(true),
        () -> "exec-1");
    assertThatThrownBy(() -> pod.exec(new ExecRequest(List.of("true"), null, Duration.ofSeconds(5), 64, null)))
        .isInstanceOf(SandboxException.class).hasMessageContaining("gone");
    assertThat(gone).isTrue();
  }

  private static final String KILLER = "p=$(cat \"$0\" 2>/dev/null) || exit 0; kill -KILL -\"$p\" 2>/dev/null; "
      + "kill -KILL \"$p\" 2>/dev/null; rm -f \"$0\"; exit 0";
  private static final String WRAPPER = "cd \"$1\" || exit 125; shift; mkdir -p /tmp/.clincher-exec"
      + " && echo $$ > \"$0\" || exit 125; \"$@\"; s=$?; rm -f \"$0\"; exit $s";

  /** The paths of every request the API mock received so far, in order. */
  private List<String> requestedPaths() throws InterruptedException {
    List<String> paths = new ArrayList<>();
    int count = server.getRequestCount();
    for (int i = 0; i < count; i++) {
      var request = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
      if (request == null) {
        break;
      }
      paths.add(request.getPath());
    }
    return paths;
  }

  private PodSandbox podSandbox(String pod) {
    return new PodSandbox(client, NAMESPACE, pod, () -> { }, () -> { }, () -> "exec-1");
  }

  /** The exec request fabric8 sends for a command under the wrapper: the API's query, one command= per word. */
  private static String execPath(String pod, String execId, String workdir, List<String> argv) {
    StringBuilder path = new StringBuilder("/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod + "/exec?command=sh"
        + "&command=-c&command=" + encode(WRAPPER) + "&command=" + encode("/tmp/.clincher-exec/" + execId)
        + "&command=" + encode(workdir));
    argv.forEach(word -> path.append("&command=").append(encode(word)));
    return path.append("&container=sandbox&stdout=true&stderr=true").toString();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Test
  void theSandboxMaximumHoldsAndSessionDeletionFreesItsPod() throws Exception {
    runKubelet();
    KubernetesSandboxes sandboxes = sandboxes(settings().withScope(SandboxSettings.Scope.SESSION, 2),
        kubernetes("", Duration.ofSeconds(30)));
    sandboxes.open("main", "a");
    sandboxes.open("main", "b");
    assertThatThrownBy(() -> sandboxes.open("main", "c")).hasMessageContaining("sandbox.max_sandboxes");
    sandboxes.sessionDeleted("main", "a");
    assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    sandboxes.open("main", "c");
    assertThat(sandboxes.active()).isEqualTo(2);
  }

  @Test
  void startUpAdoptsCurrentPodsAndDeletesOutdatedOnesOfThisInstanceOnly() throws Exception {
    runKubelet();
    SandboxSettings settings = settings();
    KubernetesSandboxes first = sandboxes(settings, kubernetes("", Duration.ofSeconds(30)));
    first.open("main", "kept");
    KubernetesSandboxes outdated = sandboxes(settings.withLimits(2L << 30, 2L << 30, 256),
        kubernetes("", Duration.ofSeconds(30)));
    outdated.open("main", "changed");
    KubernetesSandboxes otherInstance = sandboxes(settings.withInstance("gateway-other"),
        kubernetes("", Duration.ofSeconds(30)));
    otherInstance.open("main", "theirs");
    assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).hasSize(3);

    KubernetesSandboxes restarted = sandboxes(settings, kubernetes("", Duration.ofSeconds(30)));
    assertThat(restarted.adoptOrphans()).isEqualTo(1);

    assertThat(client.pods().inNamespace(NAMESPACE).list().getItems())
        .extracting(p -> p.getMetadata().getAnnotations().get(
            dev.clincher.gateway.sandbox.kubernetes.PodSpec.ANNOTATION_SESSION))
        .containsExactlyInAnyOrder("kept", "theirs");
    assertThat(restarted.open("main", "kept").containerId()).isEqualTo(first.open("main", "kept").containerId());
  }

  @Test
  void idleSandboxesAreReaped() throws Exception {
    runKubelet();
    MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
    KubernetesSandboxes sandboxes = new KubernetesSandboxes(client, settings(),
        kubernetes("", Duration.ofSeconds(30)), clock);
    sandboxes.open("main", "s");
    assertThat(sandboxes.reap()).isEmpty();
    clock.now = clock.now.plus(Duration.ofHours(13));
    assertThat(sandboxes.reap()).containsExactly(settings().key("main", "s"));
    assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).isEmpty();
  }

  @Test
  void theBackendAdoptsAtStartAndIsReadyOnlyWhileTheApiLetsItListPods() throws Exception {
    runKubelet();
    sandboxes(settings(), kubernetes("", Duration.ofSeconds(30))).open("main", "before-restart");
    try (KubernetesBackend backend = KubernetesBackend.start(client, settings(), kubernetes("", Duration.ofSeconds(30)),
        Clock.systemUTC())) {
      assertThat(backend.sandboxes().active()).as("adopted at start").isEqualTo(1);
      assertThat(backend.readiness().healthy()).isTrue();
      assertThat(backend.readiness().detail()).contains("clincher-sandbox", "1 sandbox pods");
      server.expect().get().withPath("/api/v1/namespaces/" + NAMESPACE + "/pods?labelSelector="
              + encode("clincher.instance=gateway-7c9d-x2k4p,clincher.sandbox=1"))
          .andReturn(403, new StatusBuilder().withCode(403).withMessage("cannot list pods").build()).once();
      assertThat(backend.readiness().healthy()).isFalse();
    }
  }

  // Adversarial: whatever the agent sends and whatever the config says, the pod stays unprivileged.

  @Test
  void hostileAgentAndSessionNamesNeverReachTheSpecOrTheLabels() {
    List<String> hostile = List.of("a\nb", "../../etc", "x,clincher.sandbox=0", "privileged: true",
        "\"hostNetwork\":true", "é".repeat(300), "", "$(reboot)");
    for (String agent : hostile) {
      for (String session : hostile) {
        SandboxSettings settings = settings().withScope(SandboxSettings.Scope.SESSION, 8);
        String key = settings.key(agent, session);
        Pod pod = dev.clincher.gateway.sandbox.kubernetes.PodSpec.pod(settings,
            kubernetes("gvisor", Duration.ofSeconds(1)), key, agent, session, Instant.EPOCH);
        assertHardened(pod.getSpec());
        assertThat(pod.getMetadata().getName()).matches("clincher-sbx-[0-9a-f]{24}");
        assertThat(pod.getMetadata().getLabels().get(
            dev.clincher.gateway.sandbox.kubernetes.PodSpec.LABEL_KEY)).matches("[a-z0-9-]{1,63}");
        assertThat(pod.getMetadata().getLabels()).hasSize(4);
        assertThat(pod.getMetadata().getAnnotations().get(
            dev.clincher.gateway.sandbox.kubernetes.PodSpec.ANNOTATION_AGENT)).hasSizeLessThanOrEqualTo(200);
      }
    }
  }

  @Test
  void invalidKeysAndSettingsAreRefused() {
    SandboxSettings settings = settings();
    KubernetesSettings kubernetes = kubernetes("", Duration.ofSeconds(1));
    assertThatThrownBy(() -> dev.clincher.gateway.sandbox.kubernetes.PodSpec.pod(settings, kubernetes,
        "bad key\n", "a", "s", Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label value");
    assertThatThrownBy(() -> dev.clincher.gateway.sandbox.kubernetes.PodSpec.pod(settings, kubernetes,
        "x".repeat(64), "a", "s", Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new KubernetesSettings("Kube-System!", "", Duration.ofSeconds(1),
        Duration.ofSeconds(1))).hasMessageContaining("sandbox.kubernetes.namespace");
    assertThatThrownBy(() -> new KubernetesSettings(NAMESPACE, "runc; privileged", Duration.ofSeconds(1),
        Duration.ofSeconds(1))).hasMessageContaining("runtime_class");
    assertThatThrownBy(() -> dev.clincher.gateway.sandbox.kubernetes.PodSpec.pod(settings.withInstance("gateway-"),
        kubernetes, "shared", "a", "s", Instant.EPOCH)).hasMessageContaining("sandbox.instance");
    assertThatThrownBy(() -> new SandboxSettings(settings.image(), settings.scope(), "0:0", settings.memoryBytes(),
        settings.memorySwapBytes(), settings.nanoCpus(), settings.pidsLimit(), settings.nofile(), settings.tmpBytes(),
        settings.volumePrefix(), settings.idleTimeout(), settings.maxAge(), settings.maxSandboxes(),
        settings.execTimeout(), settings.maxExecTimeout(), settings.outputCap(), settings.instance(),
        settings.dockerTimeout())).hasMessageContaining("not root");
  }

  private static void assertHardened(PodSpec spec) {
    assertThat(spec.getHostNetwork()).isFalse();
    assertThat(spec.getHostPID()).isFalse();
    assertThat(spec.getHostIPC()).isFalse();
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getVolumes()).allSatisfy(volume -> {
      assertThat(volume.getHostPath()).isNull();
      assertThat(volume.getEmptyDir()).isNotNull();
      assertThat(volume.getEmptyDir().getSizeLimit()).isNotNull();
    });
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(spec.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(spec.getContainers()).singleElement().satisfies(container -> {
      assertThat(container.getSecurityContext().getPrivileged()).isFalse();
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
      assertThat(container.getPorts()).isNullOrEmpty();
    });
  }

  private static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
