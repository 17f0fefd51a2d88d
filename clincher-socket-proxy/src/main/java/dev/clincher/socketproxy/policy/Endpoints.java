package dev.clincher.socketproxy.policy;

import static dev.clincher.socketproxy.policy.BodyKind.CONTAINER_CREATE;
import static dev.clincher.socketproxy.policy.BodyKind.EXEC_CREATE;
import static dev.clincher.socketproxy.policy.BodyKind.NONE;
import static dev.clincher.socketproxy.policy.BodyKind.STREAM;
import static dev.clincher.socketproxy.policy.Endpoint.read;
import static dev.clincher.socketproxy.policy.Endpoint.write;

import java.util.List;
import java.util.Optional;

/**
 * Every Docker Engine API operation the proxy knows, in one table. A request that matches none of these
 * (by method and anchored path) is denied in every profile.
 *
 * <p>The section of each row is the docker-socket-proxy variable that opens it. Where path-prefix filtering would
 * open too much, the row names a narrower variable instead: exec creation belongs to {@code EXEC}, and archive,
 * export, attach, update and prune have their own {@code ALLOW_*} variables.
 */
public final class Endpoints {
  private static final List<Endpoint> ALL = List.of(
      // Harmless basics.
      read("ping", "GET", "/_ping", "PING"),
      read("ping.head", "HEAD", "/_ping", "PING"),
      read("version", "GET", "/version", "VERSION"),
      read("info", "GET", "/info", "INFO"),
      read("events", "GET", "/events", "EVENTS").on(Subject.LISTING),
      read("system.df", "GET", "/system/df", "SYSTEM"),
      write("auth", "POST", "/auth", "AUTH", STREAM),

      // Containers.
      read("container.list", "GET", "/containers/json", "CONTAINERS").on(Subject.LISTING),
      write("container.create", "POST", "/containers/create", "CONTAINERS", CONTAINER_CREATE),
      read("container.inspect", "GET", "/containers/{id}/json", "CONTAINERS").on(Subject.CONTAINER),
      read("container.top", "GET", "/containers/{id}/top", "CONTAINERS").on(Subject.CONTAINER),
      read("container.logs", "GET", "/containers/{id}/logs", "CONTAINERS").on(Subject.CONTAINER),
      read("container.changes", "GET", "/containers/{id}/changes", "CONTAINERS").on(Subject.CONTAINER),
      read("container.stats", "GET", "/containers/{id}/stats", "CONTAINERS").on(Subject.CONTAINER),
      write("container.start", "POST", "/containers/{id}/start", "CONTAINERS", NONE).on(Subject.CONTAINER)
          .grantedBy("ALLOW_START"),
      write("container.stop", "POST", "/containers/{id}/stop", "CONTAINERS", NONE).on(Subject.CONTAINER)
          .grantedBy("ALLOW_STOP", "ALLOW_RESTARTS"),
      write("container.restart", "POST", "/containers/{id}/restart", "CONTAINERS", NONE).on(Subject.CONTAINER)
          .grantedBy("ALLOW_RESTARTS"),
      write("container.kill", "POST", "/containers/{id}/kill", "CONTAINERS", NONE).on(Subject.CONTAINER)
          .grantedBy("ALLOW_RESTARTS"),
      write("container.pause", "POST", "/containers/{id}/pause", "CONTAINERS", NONE).on(Subject.CONTAINER),
      write("container.unpause", "POST", "/containers/{id}/unpause", "CONTAINERS", NONE).on(Subject.CONTAINER),
      write("container.rename", "POST", "/containers/{id}/rename", "CONTAINERS", NONE).on(Subject.CONTAINER),
      write("container.resize", "POST", "/containers/{id}/resize", "CONTAINERS", NONE).on(Subject.CONTAINER),
      write("container.wait", "POST", "/containers/{id}/wait", "CONTAINERS", NONE).on(Subject.CONTAINER),
      write("container.remove", "DELETE", "/containers/{id}", "CONTAINERS", NONE).on(Subject.CONTAINER),
      // Closed unless named: each of these reads or writes a container's files or process, or changes it.
      write("container.update", "POST", "/containers/{id}/update", "ALLOW_UPDATE", STREAM).on(Subject.CONTAINER),
      write("container.attach", "POST", "/containers/{id}/attach", "ALLOW_ATTACH", NONE).on(Subject.CONTAINER)
          .hijacking(),
      read("container.attach.ws", "GET", "/containers/{id}/attach/ws", "ALLOW_ATTACH").on(Subject.CONTAINER)
          .hijacking(),
      read("container.archive.head", "HEAD", "/containers/{id}/archive", "ALLOW_ARCHIVE").on(Subject.CONTAINER),
      read("container.archive.get", "GET", "/containers/{id}/archive", "ALLOW_ARCHIVE").on(Subject.CONTAINER),
      write("container.archive.put", "PUT", "/containers/{id}/archive", "ALLOW_ARCHIVE", STREAM)
          .on(Subject.CONTAINER),
      read("container.export", "GET", "/containers/{id}/export", "ALLOW_EXPORT").on(Subject.CONTAINER),
      write("container.prune", "POST", "/containers/prune", "ALLOW_PRUNE", NONE),

      // Exec: creation belongs here, not to CONTAINERS.
      write("exec.create", "POST", "/containers/{id}/exec", "EXEC", EXEC_CREATE).on(Subject.CONTAINER),
      write("exec.start", "POST", "/exec/{id}/start", "EXEC", STREAM).on(Subject.EXEC).hijacking(),
      write("exec.resize", "POST", "/exec/{id}/resize", "EXEC", NONE).on(Subject.EXEC),
      read("exec.inspect", "GET", "/exec/{id}/json", "EXEC").on(Subject.EXEC),

      // Images.
      read("image.list", "GET", "/images/json", "IMAGES"),
      read("image.search", "GET", "/images/search", "IMAGES"),
      read("image.get.all", "GET", "/images/get", "IMAGES"),
      read("image.inspect", "GET", "/images/{name*}/json", "IMAGES"),
      read("image.history", "GET", "/images/{name*}/history", "IMAGES"),
      read("image.get", "GET", "/images/{name*}/get", "IMAGES"),
      write("image.create", "POST", "/images/create", "IMAGES", STREAM),
      write("image.load", "POST", "/images/load", "IMAGES", STREAM),
      write("image.push", "POST", "/images/{name*}/push", "IMAGES", NONE),
      write("image.tag", "POST", "/images/{name*}/tag", "IMAGES", NONE),
      write("image.remove", "DELETE", "/images/{name*}", "IMAGES", NONE),
      write("image.prune", "POST", "/images/prune", "ALLOW_PRUNE", NONE),
      read("distribution.inspect", "GET", "/distribution/{name*}/json", "DISTRIBUTION"),

      // Build and commit: both produce images from content the caller controls.
      write("build", "POST", "/build", "BUILD", STREAM),
      write("build.cancel", "POST", "/build/cancel", "BUILD", NONE),
      write("build.prune", "POST", "/build/prune", "ALLOW_PRUNE", NONE),
      write("session", "POST", "/session", "SESSION", NONE).hijacking(),
      write("grpc", "POST", "/grpc", "GRPC", NONE).hijacking(),
      write("commit", "POST", "/commit", "COMMIT", STREAM),

      // Networks and volumes.
      read("network.list", "GET", "/networks", "NETWORKS"),
      read("network.inspect", "GET", "/networks/{id}", "NETWORKS"),
      write("network.create", "POST", "/networks/create", "NETWORKS", STREAM),
      write("network.connect", "POST", "/networks/{id}/connect", "NETWORKS", STREAM),
      write("network.disconnect", "POST", "/networks/{id}/disconnect", "NETWORKS", STREAM),
      write("network.remove", "DELETE", "/networks/{id}", "NETWORKS", NONE),
      write("network.prune", "POST", "/networks/prune", "ALLOW_PRUNE", NONE),
      read("volume.list", "GET", "/volumes", "VOLUMES"),
      read("volume.inspect", "GET", "/volumes/{id}", "VOLUMES"),
      write("volume.create", "POST", "/volumes/create", "VOLUMES", STREAM),
      write("volume.update", "PUT", "/volumes/{id}", "VOLUMES", STREAM),
      write("volume.remove", "DELETE", "/volumes/{id}", "VOLUMES", NONE),
      write("volume.prune", "POST", "/volumes/prune", "ALLOW_PRUNE", NONE),

      // Swarm and its objects.
      read("swarm.inspect", "GET", "/swarm", "SWARM"),
      read("swarm.unlockkey", "GET", "/swarm/unlockkey", "SWARM"),
      write("swarm.init", "POST", "/swarm/init", "SWARM", STREAM),
      write("swarm.join", "POST", "/swarm/join", "SWARM", STREAM),
      write("swarm.leave", "POST", "/swarm/leave", "SWARM", NONE),
      write("swarm.update", "POST", "/swarm/update", "SWARM", STREAM),
      write("swarm.unlock", "POST", "/swarm/unlock", "SWARM", STREAM),
      read("node.list", "GET", "/nodes", "NODES"),
      read("node.inspect", "GET", "/nodes/{id}", "NODES"),
      write("node.update", "POST", "/nodes/{id}/update", "NODES", STREAM),
      write("node.remove", "DELETE", "/nodes/{id}", "NODES", NONE),
      read("service.list", "GET", "/services", "SERVICES"),
      read("service.inspect", "GET", "/services/{id}", "SERVICES"),
      read("service.logs", "GET", "/services/{id}/logs", "SERVICES"),
      write("service.create", "POST", "/services/create", "SERVICES", STREAM),
      write("service.update", "POST", "/services/{id}/update", "SERVICES", STREAM),
      write("service.remove", "DELETE", "/services/{id}", "SERVICES", NONE),
      read("task.list", "GET", "/tasks", "TASKS"),
      read("task.inspect", "GET", "/tasks/{id}", "TASKS"),
      read("task.logs", "GET", "/tasks/{id}/logs", "TASKS"),
      read("secret.list", "GET", "/secrets", "SECRETS"),
      read("secret.inspect", "GET", "/secrets/{id}", "SECRETS"),
      write("secret.create", "POST", "/secrets/create", "SECRETS", STREAM),
      write("secret.update", "POST", "/secrets/{id}/update", "SECRETS", STREAM),
      write("secret.remove", "DELETE", "/secrets/{id}", "SECRETS", NONE),
      read("config.list", "GET", "/configs", "CONFIGS"),
      read("config.inspect", "GET", "/configs/{id}", "CONFIGS"),
      write("config.create", "POST", "/configs/create", "CONFIGS", STREAM),
      write("config.update", "POST", "/configs/{id}/update", "CONFIGS", STREAM),
      write("config.remove", "DELETE", "/configs/{id}", "CONFIGS", NONE),

      // Plugins run with host privileges of their own choosing.
      read("plugin.list", "GET", "/plugins", "PLUGINS"),
      read("plugin.privileges", "GET", "/plugins/privileges", "PLUGINS"),
      read("plugin.inspect", "GET", "/plugins/{name*}/json", "PLUGINS"),
      write("plugin.pull", "POST", "/plugins/pull", "PLUGINS", STREAM),
      write("plugin.create", "POST", "/plugins/create", "PLUGINS", STREAM),
      write("plugin.enable", "POST", "/plugins/{name*}/enable", "PLUGINS", NONE),
      write("plugin.disable", "POST", "/plugins/{name*}/disable", "PLUGINS", NONE),
      write("plugin.upgrade", "POST", "/plugins/{name*}/upgrade", "PLUGINS", STREAM),
      write("plugin.push", "POST", "/plugins/{name*}/push", "PLUGINS", NONE),
      write("plugin.set", "POST", "/plugins/{name*}/set", "PLUGINS", STREAM),
      write("plugin.remove", "DELETE", "/plugins/{name*}", "PLUGINS", NONE));

  private Endpoints() {}

  /** Every known endpoint, in table order. */
  public static List<Endpoint> all() {
    return ALL;
  }

  /** The endpoint this request addresses, if the proxy knows it. */
  public static Optional<Endpoint> find(String method, ApiPath path) {
    return ALL.stream().filter(endpoint -> endpoint.matches(method, path)).findFirst();
  }
}
