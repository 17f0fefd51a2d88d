package dev.clincher.socketproxy.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Judges a {@code POST /containers/create} body. Every check refuses one way a container could reach the host.
 *
 * <p>Always (both profiles): privileged mode, added capabilities, devices, device cgroup rules and device requests,
 * the host's or another container's network/PID/IPC/UTS/user/cgroup namespaces, bind mounts and named volumes
 * outside the allowlist, volume drivers and driver options, {@code VolumesFrom}, sysctls, a custom cgroup parent or
 * runtime, unmasked {@code /proc} paths, security options other than no-new-privileges and the default AppArmor
 * profile (so no {@code seccomp=unconfined}, {@code apparmor=unconfined}, {@code label=disable},
 * {@code systempaths=unconfined}, custom seccomp profiles), log drivers that send to the network, and unknown fields
 * with a non-zero value.
 *
 * <p>Sandbox profile also: an image from the allowlist, {@code CapDrop: ["ALL"]}, no-new-privileges,
 * {@code NetworkMode: none}, memory, CPU and PID limits, and the sandbox label.
 */
public final class ContainerCreateInspector {
  private static final Set<String> CONFIG_KEYS = Fields.foldedSet("Hostname", "Domainname", "User", "AttachStdin",
      "AttachStdout", "AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck",
      "ArgsEscaped", "Image", "Volumes", "WorkingDir", "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild",
      "Labels", "StopSignal", "StopTimeout", "Shell", "HostConfig", "NetworkingConfig");
  private static final Set<String> HOST_CONFIG_KEYS = Fields.foldedSet("Binds", "ContainerIDFile", "LogConfig",
      "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove", "VolumeDriver", "VolumesFrom", "ConsoleSize",
      "Annotations", "CapAdd", "CapDrop", "CgroupnsMode", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd",
      "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged", "PublishAllPorts", "ReadonlyRootfs",
      "SecurityOpt", "StorageOpt", "Tmpfs", "UTSMode", "UsernsMode", "ShmSize", "Sysctls", "Runtime", "Isolation",
      "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps",
      "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota",
      "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems", "Devices", "DeviceCgroupRules",
      "DeviceRequests", "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap", "MemorySwappiness",
      "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth",
      "Mounts", "MaskedPaths", "ReadonlyPaths", "Init");
  private static final Set<String> MOUNT_KEYS = Fields.foldedSet("Type", "Source", "Target", "ReadOnly",
      "Consistency", "BindOptions", "VolumeOptions", "TmpfsOptions", "ClusterOptions");
  private static final Set<String> SAFE_IPC_MODES = Set.of("", "private", "shareable", "none");
  private static final Set<String> SAFE_LOG_DRIVERS = Set.of("", "json-file", "local", "none", "journald");
  private static final Set<String> SAFE_SECURITY_OPTS = Set.of("no-new-privileges", "no-new-privileges=true",
      "no-new-privileges:true", "apparmor=docker-default", "apparmor:docker-default");
  private static final Set<String> NO_NEW_PRIVILEGES = Set.of("no-new-privileges", "no-new-privileges=true",
      "no-new-privileges:true");

  private final InspectionPolicy policy;
  private final boolean sandbox;

  /**
   * @param policy allowlists and the sandbox label
   * @param sandbox whether the sandbox profile's requirements apply on top of the common checks
   */
  public ContainerCreateInspector(InspectionPolicy policy, boolean sandbox) {
    this.policy = policy;
    this.sandbox = sandbox;
  }

  /** Parses and judges the body; returns normally when Docker may create this container. */
  public void inspect(byte[] body) throws BodyDeniedException {
    ObjectNode config = StrictJson.parseObject(body);
    Fields.onlyKnown(config, CONFIG_KEYS, "Config");
    ObjectNode host = Fields.object(config, "HostConfig").orElse(null);
    Fields.onlyKnown(host, HOST_CONFIG_KEYS, "HostConfig");
    checkPrivileges(host);
    checkDevices(host);
    checkNamespaces(host);
    checkNetworks(config);
    checkMounts(host);
    checkKernelAndRuntime(host);
    checkSecurityOptions(host);
    checkLogging(host);
    if (sandbox) {
      checkSandbox(config, host);
    }
  }

  private static void checkPrivileges(JsonNode host) throws BodyDeniedException {
    deny(Fields.isSet(host, "Privileged"), "privileged", "privileged containers are not allowed");
    deny(Fields.isSet(host, "CapAdd"), "cap_add", "adding capabilities is not allowed");
  }

  private static void checkDevices(JsonNode host) throws BodyDeniedException {
    deny(Fields.isSet(host, "Devices"), "devices", "host devices are not allowed");
    deny(Fields.isSet(host, "DeviceCgroupRules"), "devices", "device cgroup rules are not allowed");
    deny(Fields.isSet(host, "DeviceRequests"), "devices", "device requests (GPUs) are not allowed");
  }

  private static void checkNamespaces(JsonNode host) throws BodyDeniedException {
    String network = Fields.text(host, "NetworkMode");
    deny(network.equals("host") || network.contains(":"), "host_namespace",
        "the host's or another container's network namespace is not allowed");
    deny(!Fields.text(host, "PidMode").isEmpty(), "host_namespace", "sharing a PID namespace is not allowed");
    deny(!SAFE_IPC_MODES.contains(Fields.text(host, "IpcMode")), "host_namespace",
        "sharing an IPC namespace is not allowed");
    deny(!Fields.text(host, "UTSMode").isEmpty(), "host_namespace", "sharing the UTS namespace is not allowed");
    deny(!Fields.text(host, "UsernsMode").isEmpty(), "host_namespace", "choosing a user namespace is not allowed");
    String cgroupns = Fields.text(host, "CgroupnsMode");
    deny(!cgroupns.isEmpty() && !cgroupns.equals("private"), "host_namespace",
        "the host's cgroup namespace is not allowed");
    deny(!Fields.text(host, "Cgroup").isEmpty(), "host_namespace", "sharing a cgroup is not allowed");
  }

  /** Joining the "host" network by name is the host network namespace too. */
  private static void checkNetworks(JsonNode config) throws BodyDeniedException {
    Optional<ObjectNode> networking = Fields.object(config, "NetworkingConfig");
    Optional<ObjectNode> endpoints = networking.isPresent()
        ? Fields.object(networking.get(), "EndpointsConfig") : Optional.empty();
    if (endpoints.isPresent()) {
      for (Map.Entry<String, JsonNode> endpoint : endpoints.get().properties()) {
        deny(endpoint.getKey().equals("host") || endpoint.getKey().contains(":"), "host_namespace",
            "joining the host network is not allowed");
      }
    }
  }

  private void checkMounts(JsonNode host) throws BodyDeniedException {
    deny(Fields.isSet(host, "VolumesFrom"), "volumes_from", "VolumesFrom is not allowed");
    deny(Fields.isSet(host, "VolumeDriver"), "mounts", "volume drivers are not allowed");
    for (String bind : Fields.strings(host, "Binds")) {
      checkBind(bind);
    }
    Optional<JsonNode> mounts = Fields.get(host, "Mounts");
    if (mounts.isPresent()) {
      if (!mounts.get().isArray()) {
        throw new BodyDeniedException("invalid_field", "Mounts must be a list");
      }
      for (JsonNode mount : mounts.get()) {
        checkMount(mount);
      }
    }
  }

  /** A {@code Binds} entry is {@code source:target[:options]}; an absolute source is a host path. */
  private void checkBind(String bind) throws BodyDeniedException {
    String[] parts = bind.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty()) {
      throw new BodyDeniedException("mounts", "a Binds entry must be source:target[:options]");
    }
    checkSource(parts[0].startsWith("/") ? "bind" : "volume", parts[0]);
  }

  private void checkMount(JsonNode mount) throws BodyDeniedException {
    if (!mount.isObject()) {
      throw new BodyDeniedException("invalid_field", "each Mounts entry must be an object");
    }
    Fields.onlyKnown(mount, MOUNT_KEYS, "Mounts");
    String type = Fields.text(mount, "Type");
    String source = Fields.text(mount, "Source");
    switch (type) {
      case "tmpfs" -> deny(!source.isEmpty(), "mounts", "a tmpfs mount has no source");
      case "bind" -> checkSource("bind", source);
      case "volume" -> {
        Optional<ObjectNode> options = Fields.object(mount, "VolumeOptions");
        deny(options.isPresent() && Fields.isSet(options.get(), "DriverConfig"), "mounts",
            "volume driver options are not allowed (they can bind any host path)");
        if (!source.isEmpty()) {
          checkSource("volume", source);
        }
      }
      default -> throw new BodyDeniedException("mounts", "mount type '" + StrictJson.printable(type)
          + "' is not allowed");
    }
  }

  private void checkSource(String kind, String source) throws BodyDeniedException {
    if (kind.equals("bind")) {
      deny(!policy.bindPathAllowed(source), "mounts", "bind mounts of host paths outside the allowlist are not allowed");
    } else {
      deny(!policy.volumeAllowed(source), "mounts", "named volumes outside the allowlist are not allowed");
    }
  }

  private static void checkKernelAndRuntime(JsonNode host) throws BodyDeniedException {
    deny(Fields.isSet(host, "Sysctls"), "sysctls", "sysctls are not allowed");
    deny(Fields.isSet(host, "CgroupParent"), "cgroup_parent", "a custom cgroup parent is not allowed");
    String runtime = Fields.text(host, "Runtime");
    deny(!runtime.isEmpty() && !runtime.equals("runc"), "runtime", "a custom runtime is not allowed");
    deny(Fields.get(host, "MaskedPaths").isPresent() || Fields.get(host, "ReadonlyPaths").isPresent(),
        "masked_paths", "changing the masked and read-only /proc paths is not allowed");
  }

  private static void checkSecurityOptions(JsonNode host) throws BodyDeniedException {
    for (String option : Fields.strings(host, "SecurityOpt")) {
      deny(!SAFE_SECURITY_OPTS.contains(option), "security_opt", "security option '"
          + StrictJson.printable(option) + "' is not allowed (only no-new-privileges and apparmor=docker-default)");
    }
  }

  private static void checkLogging(JsonNode host) throws BodyDeniedException {
    Optional<ObjectNode> log = Fields.object(host, "LogConfig");
    if (log.isPresent()) {
      deny(!SAFE_LOG_DRIVERS.contains(Fields.text(log.get(), "Type")), "log_driver",
          "only the json-file, local, journald and none log drivers are allowed");
    }
  }

  private void checkSandbox(JsonNode config, JsonNode host) throws BodyDeniedException {
    deny(!policy.imageAllowed(Fields.text(config, "Image")), "image", "the image is not in the sandbox allowlist");
    deny(Fields.strings(host, "CapDrop").stream().noneMatch(cap -> cap.equalsIgnoreCase("ALL")), "cap_drop",
        "sandboxes must drop all capabilities (CapDrop: [\"ALL\"])");
    deny(Fields.strings(host, "SecurityOpt").stream().noneMatch(NO_NEW_PRIVILEGES::contains), "no_new_privileges",
        "sandboxes must set no-new-privileges");
    checkSandboxNetwork(config, host);
    deny(Fields.number(host, "Memory") <= 0, "limits", "sandboxes need a memory limit");
    deny(Fields.number(host, "NanoCpus") <= 0 && Fields.number(host, "CpuQuota") <= 0, "limits",
        "sandboxes need a CPU limit (NanoCpus or CpuQuota)");
    deny(Fields.number(host, "PidsLimit") <= 0, "limits", "sandboxes need a PID limit");
    Optional<ObjectNode> labels = Fields.object(config, "Labels");
    deny(labels.isEmpty() || !labels.get().has(policy.label()), "sandbox_label",
        "sandboxes must carry the label " + policy.label());
  }

  private static void checkSandboxNetwork(JsonNode config, JsonNode host) throws BodyDeniedException {
    deny(!Fields.text(host, "NetworkMode").equals("none"), "network_none", "sandboxes must use NetworkMode none");
    Optional<ObjectNode> networking = Fields.object(config, "NetworkingConfig");
    if (networking.isPresent()) {
      Optional<ObjectNode> endpoints = Fields.object(networking.get(), "EndpointsConfig");
      if (endpoints.isPresent()) {
        for (Map.Entry<String, JsonNode> endpoint : endpoints.get().properties()) {
          deny(!endpoint.getKey().equals("none"), "network_none", "sandboxes must not join networks");
        }
      }
    }
  }

  private static void deny(boolean refused, String rule, String reason) throws BodyDeniedException {
    if (refused) {
      throw new BodyDeniedException(rule, reason);
    }
  }

  /** The rules this inspector can name, for docs and tests. */
  public static List<String> rules() {
    return List.of("invalid_json", "duplicate_key", "ambiguous_key", "unknown_field", "invalid_field", "privileged",
        "cap_add", "devices", "host_namespace", "mounts", "volumes_from", "sysctls", "cgroup_parent", "runtime",
        "masked_paths", "security_opt", "log_driver", "image", "cap_drop", "no_new_privileges", "network_none",
        "limits", "sandbox_label");
  }
}
