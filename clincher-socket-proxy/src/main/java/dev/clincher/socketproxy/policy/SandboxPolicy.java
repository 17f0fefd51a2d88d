package dev.clincher.socketproxy.policy;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code sandbox} profile: exactly what a sandbox manager needs, and nothing else. Ping, version, container
 * create/start/stop/kill/remove/inspect/list, attach to a container's stdio (the gateway's command runner; not the
 * WebSocket variant), exec create/start/inspect/resize, events, and the inspection of the images sandboxes may run
 * (so a gateway can say that its image is missing). Attach gives no more than exec and create already do: the
 * stdio of a labelled sandbox's main process, which runs as the user its (inspected) create body named. Listings and events are narrowed to
 * containers with the sandbox label, every operation on a container or exec first checks that label, and container
 * creation must ask for a hardened sandbox (see {@link InspectionPolicy}).
 */
public final class SandboxPolicy implements Policy {
  /** The operations of {@link Endpoints} this profile opens. */
  public static final Set<String> OPERATIONS = Set.of(
      "ping", "ping.head", "version",
      "container.list", "container.create", "container.inspect", "container.start", "container.stop",
      "container.kill", "container.remove", "container.attach",
      "exec.create", "exec.start", "exec.inspect", "exec.resize",
      "events", "image.inspect");

  /**
   * What Docker reads as an image ID (or ID prefix) when no image has that name: hex, or a digest such as
   * {@code sha256:0cd1}. It would match any image's ID, whatever the allowlist says.
   */
  private static final Pattern IMAGE_ID = Pattern.compile("[0-9a-fA-F]{1,64}|sha[0-9]+:.*");

  private final InspectionPolicy inspection;

  public SandboxPolicy(InspectionPolicy inspection) {
    this.inspection = inspection;
  }

  @Override
  public String profile() {
    return "sandbox";
  }

  @Override
  public InspectionPolicy inspection() {
    return inspection;
  }

  @Override
  public boolean confinesToSandboxes() {
    return true;
  }

  @Override
  public Verdict decide(String method, ApiPath path) {
    return Policy.decideWith(method, path, endpoint -> {
      if (!OPERATIONS.contains(endpoint.op())) {
        return Verdict.deny(endpoint, endpoint.section(), "the sandbox profile does not allow " + endpoint.op());
      }
      return endpoint.op().equals("image.inspect") ? inspectImage(endpoint, path) : Verdict.allow(endpoint, "sandbox");
    });
  }

  /**
   * Image inspection only for images sandboxes may be created from (the inspection of such a sandbox, already open,
   * shows as much), and only by name: an ID or a digest names whatever image has it.
   */
  private Verdict inspectImage(Endpoint endpoint, ApiPath path) {
    List<String> segments = path.segments();
    String name = String.join("/", segments.subList(1, segments.size() - 1));
    return inspection.imageAllowed(name) && !IMAGE_ID.matcher(name).matches()
        ? Verdict.allow(endpoint, "sandbox")
        : Verdict.deny(endpoint, "image", "the sandbox profile inspects only images in its allowlist, by name");
  }
}
