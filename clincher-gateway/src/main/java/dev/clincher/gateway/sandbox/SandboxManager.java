package dev.clincher.gateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.common.metrics.LatencyBuckets;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerException;
import dev.clincher.gateway.sandbox.runner.CommandRunner;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, reuses and removes the sandbox containers of one gateway. A container per key (see
 * {@link SandboxSettings#key}) is created lazily on first use; its {@link SlotTable} makes concurrent first uses of
 * a key create exactly one, and holds {@link SandboxSettings#maxSandboxes()} in this process and across every gateway
 * when {@link SandboxSlots} are shared (PostgreSQL). {@link #adoptOrphans()} (at start-up) takes over the
 * containers a previous run left, or removes them when their settings hash differs; {@link #reap()} (scheduled by
 * the caller) removes idle and old ones. Workspaces are named volumes that survive container removal. Thread-safe.
 */
public final class SandboxManager implements SessionSandboxes {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxManager.class);

  private final DockerClient docker;
  private final SandboxSettings settings;
  private final Clock clock;
  private final SlotTable<DockerSandbox> slots;
  /** Sandboxes started, and how long creating and starting each took. */
  private final Timer started;
  private final Counter refused;
  private final Counter reaped;
  private final MeterRegistry registry;

  /**
   * @param docker the Docker API (in production the socket proxy)
   * @param settings how containers are made
   * @param clock time for idle and age decisions (injectable for tests)
   * @param registry where the sandbox meters go ({@code clincher_gateway_sandbox_*})
   */
  public SandboxManager(DockerClient docker, SandboxSettings settings, Clock clock, MeterRegistry registry) {
    this(docker, settings, clock, registry, SandboxSlots.THIS_PROCESS_ONLY);
  }

  /**
   * As above, with {@code shared} counting the maximum across gateways (per {@link SandboxSettings#instance()}).
   */
  public SandboxManager(DockerClient docker, SandboxSettings settings, Clock clock, MeterRegistry registry,
      SandboxSlots shared) {
    this.docker = docker;
    this.settings = settings;
    this.clock = clock;
    // Not "...created": the Prometheus client strips that suffix (it would be clincher_gateway_sandbox_total).
    this.started = LatencyBuckets.timer("clincher.gateway.sandbox.start.duration")
        .description("A sandbox container created and started").register(registry);
    this.refused = registry.counter("clincher.gateway.sandbox.refused");
    this.reaped = registry.counter("clincher.gateway.sandbox.reaped");
    this.registry = registry;
    this.slots = new SlotTable<>(settings, clock, shared, new Containers(), LOG);
  }

  public SandboxSettings settings() {
    return settings;
  }

  @Override
  public SessionSandbox forSession(String agent, String sessionId) {
    return new SessionSandbox.Managed(this, agent, sessionId);
  }

  /** The sandbox for a tool call of this agent and session, creating the container on first use. */
  public Sandbox open(String agent, String sessionId) throws SandboxException, InterruptedException {
    return slots.open(settings.key(agent, sessionId), (slot, now) -> create(slot, agent, sessionId, now));
  }

  /**
   * A session was deleted: with scope {@code session} its sandbox is removed and its workspace wiped; with scope
   * {@code agent} or {@code shared} other sessions still use the container, so nothing happens.
   */
  public void sessionDeleted(String agent, String sessionId) throws SandboxException, InterruptedException {
    if (settings.scope() == SandboxSettings.Scope.SESSION) {
      remove(settings.key(agent, sessionId));
    }
  }

  /** Removes the key's container and wipes its workspace (session deletion). Unknown keys are a no-op. */
  public void remove(String key) throws SandboxException, InterruptedException {
    release(key, true);
  }

  /**
   * Removes the key's container but keeps its workspace; the next use creates a fresh container with the current
   * settings. Works on containers of other processes too (it looks them up by label).
   */
  public void recreate(String key) throws SandboxException, InterruptedException {
    release(key, false);
  }

  private void release(String key, boolean wipe) throws SandboxException, InterruptedException {
    slots.forget(key, sandbox -> {
      if (wipe) {
        wipeWorkspace(key, sandbox);
      }
    });
    removeByKey(key);
  }

  /** Removes sandboxes idle past the idle timeout or older than the maximum age; returns their keys. */
  public List<String> reap() throws InterruptedException {
    return slots.reap();
  }

  /**
   * At start-up: adopts this instance's containers whose settings hash matches (starting them if stopped) and
   * removes the others (workspaces stay). Returns the number adopted.
   */
  public int adoptOrphans() throws SandboxException, InterruptedException {
    int adopted = 0;
    for (JsonNode container : listOwn()) {
      String id = container.path("Id").asText();
      JsonNode labels = container.path("Labels");
      String key = labels.path(ContainerSpec.LABEL_KEY).asText("");
      boolean current = settings.containerHash().equals(labels.path(ContainerSpec.LABEL_HASH).asText(""));
      if (current && !key.isEmpty() && adopt(key, id, container, labels)) {
        adopted++;
      } else {
        LOG.info("sandbox.orphan_removed key={} reason={}", key, current ? "limit or duplicate" : "settings changed");
        removeContainer(id);
      }
    }
    return adopted;
  }

  /** This instance's sandbox containers as Docker reports them. */
  public List<SandboxInfo> list() throws SandboxException, InterruptedException {
    List<SandboxInfo> infos = new ArrayList<>();
    for (JsonNode container : listOwn()) {
      JsonNode labels = container.path("Labels");
      infos.add(new SandboxInfo(labels.path(ContainerSpec.LABEL_KEY).asText(""), container.path("Id").asText(),
          labels.path(ContainerSpec.LABEL_AGENT).asText(""), labels.path(ContainerSpec.LABEL_SESSION).asText(""),
          createdAt(labels), container.path("State").asText(""),
          settings.containerHash().equals(labels.path(ContainerSpec.LABEL_HASH).asText(""))));
    }
    return infos;
  }

  /** Sandboxes this manager holds (or is creating) now. */
  public int active() {
    return slots.size();
  }

  /** How many sandbox openings were refused because the limit was reached. */
  public long refusedCount() {
    return (long) refused.count();
  }

  private boolean adopt(String key, String id, JsonNode container, JsonNode labels)
      throws SandboxException, InterruptedException {
    if (!slots.adopt(key, createdAt(labels), slot -> sandbox(slot, id, attachRunner(key, id)))) {
      return false; // the caller removes the container, saying why
    }
    if (!container.path("State").asText("").equals("running")) {
      io(() -> docker.startContainer(id));
    }
    LOG.info("sandbox.adopted key={}", key);
    return true;
  }

  private DockerSandbox create(SlotTable.Slot<DockerSandbox> slot, String agent, String session, Instant now)
      throws SandboxException, InterruptedException {
    String key = slot.key();
    String name = ContainerSpec.containerName(settings, key);
    var body = ContainerSpec.body(settings, key, agent, session, now);
    String id;
    CommandRunner runner = null;
    long startedNanos = System.nanoTime();
    try {
      id = createOrReplace(key, name, body);
      runner = attachRunner(key, id);
      docker.startContainer(id);
    } catch (IOException e) {
      if (runner != null) {
        runner.close();
      }
      throw failure("cannot create the sandbox", e);
    }
    started.record(System.nanoTime() - startedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    LOG.info("sandbox.created key={} container={}", key, id.substring(0, 12));
    return sandbox(slot, id, runner);
  }

  /**
   * A container of that name left by a crash between create and start is removed and created again. Docker answers
   * a create with 404 when the image does not exist: that becomes the error that says how to build it.
   */
  private String createOrReplace(String key, String name, com.fasterxml.jackson.databind.node.ObjectNode body)
      throws IOException, SandboxException {
    try {
      return docker.createContainer(name, body);
    } catch (DockerException e) {
      if (e.status() == 404) {
        LOG.warn("sandbox.image_missing key={} image={} build=\"{}\"", key, settings.image(),
            SandboxImages.buildCommand(settings.image()));
        throw new SandboxException(SandboxImages.missingMessage(settings.image()), e);
      }
      if (e.status() != 409) {
        throw e;
      }
      docker.removeContainer(name, true);
      return docker.createContainer(name, body);
    }
  }

  private DockerSandbox sandbox(SlotTable.Slot<DockerSandbox> slot, String id, CommandRunner runner) {
    return new DockerSandbox(docker, id, settings.user(), runner, () -> slot.used(clock.instant()),
        () -> slots.gone(slot, id), this::runnerDropped);
  }

  /** Counts sandboxes that stopped using their command runner, by the rule that decided it. */
  private void runnerDropped(String rule) {
    registry.counter("clincher.gateway.sandbox.runner.dropped", "rule", rule).increment();
  }

  /**
   * Attaches to the container's command runner (before its start, so nothing it says is missed); without it (the
   * socket proxy refuses attach, or Docker fails) the sandbox runs every command as an exec, and says so once.
   */
  private CommandRunner attachRunner(String key, String id) {
    try {
      return CommandRunner.attach(docker, id);
    } catch (IOException e) {
      LOG.warn("sandbox.runner_unavailable key={} container={} rule=attach_failed reason=\"{}\" fallback=exec", key,
          id.substring(0, 12), e.getMessage());
      runnerDropped("attach_failed");
      return null;
    }
  }

  private static void wipeWorkspace(String key, DockerSandbox sandbox) throws InterruptedException {
    try {
      sandbox.exec(new ExecRequest(List.of("sh", "-c", "rm -rf /workspace/* /workspace/.[!.]* /workspace/..?*"), null,
          Duration.ofSeconds(60), 4096, "/"));
    } catch (SandboxException e) {
      LOG.warn("sandbox.wipe_failed key={} reason={}", key, e.getMessage());
    }
  }

  private void removeByKey(String key) throws SandboxException, InterruptedException {
    for (JsonNode container : listOwn()) {
      if (key.equals(container.path("Labels").path(ContainerSpec.LABEL_KEY).asText(""))) {
        removeContainer(container.path("Id").asText());
      }
    }
  }

  private void removeContainer(String id) throws SandboxException, InterruptedException {
    io(() -> docker.removeContainer(id, true));
  }

  private List<JsonNode> listOwn() throws SandboxException, InterruptedException {
    List<List<JsonNode>> result = new ArrayList<>(1);
    io(() -> result.add(docker.listContainers(Map.of(ContainerSpec.LABEL, "1", ContainerSpec.LABEL_INSTANCE,
        settings.instance()))));
    return result.getFirst();
  }

  private Instant createdAt(JsonNode labels) {
    try {
      return Instant.parse(labels.path(ContainerSpec.LABEL_CREATED).asText(""));
    } catch (DateTimeParseException e) {
      return clock.instant();
    }
  }

  /** How the slot table removes, checks, closes and names containers, and what it counts. */
  private final class Containers implements SlotTable.Backend<DockerSandbox> {
    @Override
    public void remove(DockerSandbox sandbox) throws SandboxException, InterruptedException {
      removeContainer(sandbox.containerId());
    }

    @Override
    public String describe(DockerSandbox sandbox) {
      return "container=" + sandbox.containerId().substring(0, 12);
    }

    @Override
    public void refused(String key, String counted) {
      refused.increment();
      LOG.warn("sandbox.refused key={} reason=limit rule=sandbox.max_sandboxes max={} counted={}", key,
          settings.maxSandboxes(), counted);
    }

    /** An open runner stream proves the container runs; without one, Docker is asked (one inspect). */
    @Override
    public boolean usable(String key, DockerSandbox sandbox) throws SandboxException {
      if (sandbox.attached() || running(sandbox)) {
        return true;
      }
      // replaced by another gateway sharing this instance label (the session moved there), or removed by hand
      LOG.info("sandbox.replaced_elsewhere key={} container={}", key, sandbox.containerId().substring(0, 12));
      return false;
    }

    @Override
    public void close(DockerSandbox sandbox) {
      sandbox.close();
    }

    @Override
    public void reaped(String key) {
      reaped.increment();
    }
  }

  /** Whether the sandbox's container still exists and runs (one inspect through the Docker API). */
  private boolean running(DockerSandbox sandbox) throws SandboxException {
    try {
      return docker.inspectContainer(sandbox.containerId())
          .map(container -> container.path("State").path("Running").asBoolean(false)).orElse(false);
    } catch (IOException e) {
      throw failure("cannot inspect the sandbox", e);
    }
  }

  private interface DockerCall {
    void run() throws IOException;
  }

  private static void io(DockerCall call) throws SandboxException, InterruptedException {
    try {
      call.run();
    } catch (IOException e) {
      throw failure("Docker call failed", e);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  private static SandboxException failure(String what, IOException e) {
    return new SandboxException(what + ": " + e.getMessage(), e);
  }
}
