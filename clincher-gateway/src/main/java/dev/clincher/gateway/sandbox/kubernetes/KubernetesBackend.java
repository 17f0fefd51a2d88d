package dev.clincher.gateway.sandbox.kubernetes;

import dev.clincher.common.health.CheckResult;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxSettings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's sandboxes on Kubernetes as it runs them: the API client (in a pod: the mounted ServiceAccount token
 * and the cluster's CA; elsewhere: the kubeconfig), start-up adoption, a reaper once a minute and the readiness
 * check. Closing stops the reaper and the client; the pods stay for the next start to adopt.
 */
public final class KubernetesBackend implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway");

  private final KubernetesClient client;
  private final KubernetesSandboxes sandboxes;
  private final KubernetesSettings kubernetes;
  private final ScheduledExecutorService reaper;

  private KubernetesBackend(KubernetesClient client, KubernetesSandboxes sandboxes, KubernetesSettings kubernetes,
      ScheduledExecutorService reaper) {
    this.client = client;
    this.sandboxes = sandboxes;
    this.kubernetes = kubernetes;
    this.reaper = reaper;
  }

  /** Connects with the environment's credentials, adopts this instance's pods and starts the reaper. */
  public static KubernetesBackend start(SandboxSettings settings, KubernetesSettings kubernetes) {
    int timeout = Math.toIntExact(kubernetes.apiTimeout().toMillis());
    Config config = new ConfigBuilder(Config.autoConfigure(null)).withNamespace(kubernetes.namespace())
        .withRequestTimeout(timeout).withConnectionTimeout(timeout).withRequestRetryBackoffLimit(2).build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    return start(client, settings, kubernetes, Clock.systemUTC());
  }

  /** As {@link #start(SandboxSettings, KubernetesSettings)} with a given client (tests: the API mock's). */
  static KubernetesBackend start(KubernetesClient client, SandboxSettings settings, KubernetesSettings kubernetes,
      Clock clock) {
    KubernetesSandboxes sandboxes = new KubernetesSandboxes(client, settings, kubernetes, clock);
    try {
      LOG.atInfo().addKeyValue("adopted", sandboxes.adoptOrphans()).addKeyValue("namespace", kubernetes.namespace())
          .log("gateway.sandboxes.adopted");
    } catch (SandboxException e) {
      LOG.atWarn().addKeyValue("message", e.getMessage()).log("gateway.sandboxes.unreachable");
    }
    ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("clincher-sandbox-reaper").daemon().factory());
    reaper.scheduleWithFixedDelay(() -> reap(sandboxes), 1, 1, TimeUnit.MINUTES);
    return new KubernetesBackend(client, sandboxes, kubernetes, reaper);
  }

  public KubernetesSandboxes sandboxes() {
    return sandboxes;
  }

  /** Ready when the API answers the list of this instance's pods (which also proves the Role's list verb). */
  public CheckResult readiness() {
    try {
      List<?> pods = sandboxes.list();
      return CheckResult.up("Kubernetes API, namespace " + kubernetes.namespace() + ", " + pods.size()
          + " sandbox pods");
    } catch (SandboxException e) {
      return CheckResult.down(e.getMessage());
    }
  }

  private static void reap(KubernetesSandboxes sandboxes) {
    try {
      List<String> removed = sandboxes.reap();
      if (!removed.isEmpty()) {
        LOG.atInfo().addKeyValue("removed", removed.size()).log("gateway.sandboxes.reaped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("gateway.sandboxes.reap_failed");
    }
  }

  @Override
  public void close() {
    reaper.shutdownNow();
    client.close();
  }
}
