package dev.clincher.socketproxy.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ContainerCreateInspectorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The body the docker CLI sends for a hardened sandbox (trimmed to the fields that matter). */
  static ObjectNode hardened() {
    ObjectNode body = JSON.createObjectNode();
    body.put("Image", "clincher-sandbox-test:latest");
    body.putArray("Cmd").add("sleep").add("60");
    body.putObject("Labels").put("clincher.sandbox", "1");
    ObjectNode host = body.putObject("HostConfig");
    host.putArray("CapDrop").add("ALL");
    host.putArray("SecurityOpt").add("no-new-privileges");
    host.put("NetworkMode", "none");
    host.put("Memory", 64L * 1024 * 1024);
    host.put("NanoCpus", 500_000_000L);
    host.put("PidsLimit", 64);
    host.putNull("Binds");
    host.putNull("CapAdd");
    host.put("Privileged", false);
    host.putObject("LogConfig").put("Type", "").putObject("Config");
    host.put("IpcMode", "");
    host.put("CgroupnsMode", "");
    host.putNull("MaskedPaths");
    return body;
  }

  private static String verdict(boolean sandbox, Consumer<ObjectNode> change) {
    return verdict(InspectionPolicy.defaults(), sandbox, change);
  }

  private static String verdict(InspectionPolicy policy, boolean sandbox, Consumer<ObjectNode> change) {
    ObjectNode body = hardened();
    change.accept(body);
    try {
      new ContainerCreateInspector(policy, sandbox).inspect(body.toString().getBytes(StandardCharsets.UTF_8));
      return "allowed";
    } catch (BodyDeniedException e) {
      return e.rule();
    }
  }

  private static ObjectNode host(ObjectNode body) {
    return (ObjectNode) body.get("HostConfig");
  }

  @Test
  void aHardenedSandboxIsAllowed() {
    assertThat(verdict(true, body -> { })).isEqualTo("allowed");
  }

  @Test
  void refusesEachEscapeInBothProfiles() {
    record Attack(String rule, Consumer<ObjectNode> change) {}
    List<Attack> attacks = List.of(
        new Attack("privileged", b -> host(b).put("Privileged", true)),
        new Attack("privileged", b -> {
          host(b).remove("Privileged");
          host(b).put("privileged", 1);
        }),
        new Attack("cap_add", b -> host(b).putArray("CapAdd").add("SYS_ADMIN")),
        new Attack("devices", b -> host(b).putArray("Devices").addObject().put("PathOnHost", "/dev/sda")),
        new Attack("devices", b -> host(b).putArray("DeviceCgroupRules").add("b *:* rwm")),
        new Attack("devices", b -> host(b).putArray("DeviceRequests").addObject().put("Count", -1)),
        new Attack("host_namespace", b -> host(b).put("NetworkMode", "host")),
        new Attack("host_namespace", b -> host(b).put("NetworkMode", "container:abc")),
        new Attack("host_namespace", b -> host(b).put("PidMode", "host")),
        new Attack("host_namespace", b -> host(b).put("IpcMode", "host")),
        new Attack("host_namespace", b -> host(b).put("UTSMode", "host")),
        new Attack("host_namespace", b -> host(b).put("UsernsMode", "host")),
        new Attack("host_namespace", b -> host(b).put("CgroupnsMode", "host")),
        new Attack("host_namespace", b -> b.putObject("NetworkingConfig").putObject("EndpointsConfig")
            .putObject("host")),
        new Attack("mounts", b -> host(b).putArray("Binds").add("/:/host")),
        new Attack("mounts", b -> host(b).putArray("Binds").add("/var/run/docker.sock:/s:ro")),
        new Attack("mounts", b -> host(b).putArray("Binds").add("somevolume:/data")),
        new Attack("mounts", b -> host(b).putArray("Mounts").addObject().put("Type", "bind").put("Source", "/")
            .put("Target", "/host")),
        new Attack("mounts", b -> volumeWithDriverOptions(host(b).putArray("Mounts"))),
        new Attack("mounts", b -> host(b).putArray("Mounts").addObject().put("Type", "npipe")),
        new Attack("mounts", b -> host(b).put("VolumeDriver", "evil")),
        new Attack("volumes_from", b -> host(b).putArray("VolumesFrom").add("other")),
        new Attack("sysctls", b -> host(b).putObject("Sysctls").put("kernel.core_pattern", "|/x")),
        new Attack("cgroup_parent", b -> host(b).put("CgroupParent", "/")),
        new Attack("runtime", b -> host(b).put("Runtime", "kata")),
        new Attack("masked_paths", b -> host(b).putArray("MaskedPaths")),
        new Attack("masked_paths", b -> host(b).putArray("ReadonlyPaths")),
        new Attack("security_opt", b -> host(b).putArray("SecurityOpt").add("seccomp=unconfined")),
        new Attack("security_opt", b -> host(b).putArray("SecurityOpt").add("apparmor=unconfined")),
        new Attack("security_opt", b -> host(b).putArray("SecurityOpt").add("label=disable")),
        new Attack("security_opt", b -> host(b).putArray("SecurityOpt").add("systempaths=unconfined")),
        new Attack("security_opt", b -> host(b).putArray("SecurityOpt").add("no-new-privileges")
            .add("no-new-privileges=false")),
        new Attack("security_opt", b -> host(b).putArray("SecurityOpt").add("seccomp={\"defaultAction\":1}")),
        new Attack("log_driver", b -> host(b).putObject("LogConfig").put("Type", "syslog")),
        new Attack("unknown_field", b -> host(b).put("FutureEscapeHatch", true)),
        new Attack("unknown_field", b -> b.put("SomethingNew", "x")),
        new Attack("invalid_field", b -> b.put("HostConfig", "privileged")));
    for (Attack attack : attacks) {
      assertThat(verdict(true, attack.change())).as("sandbox: " + attack).isEqualTo(attack.rule());
      assertThat(verdict(false, attack.change())).as("compat: " + attack).isEqualTo(attack.rule());
    }
  }

  @Test
  void sandboxRequirements() {
    assertThat(verdict(true, b -> b.put("Image", "busybox"))).isEqualTo("image");
    assertThat(verdict(true, b -> host(b).putArray("CapDrop").add("NET_RAW"))).isEqualTo("cap_drop");
    assertThat(verdict(true, b -> host(b).putArray("SecurityOpt"))).isEqualTo("no_new_privileges");
    assertThat(verdict(true, b -> host(b).put("NetworkMode", "bridge"))).isEqualTo("network_none");
    assertThat(verdict(true, b -> b.putObject("NetworkingConfig").putObject("EndpointsConfig")
        .putObject("bridge"))).isEqualTo("network_none");
    assertThat(verdict(true, b -> host(b).remove("Memory"))).isEqualTo("limits");
    assertThat(verdict(true, b -> host(b).remove("NanoCpus"))).isEqualTo("limits");
    assertThat(verdict(true, b -> {
      host(b).remove("NanoCpus");
      host(b).put("CpuQuota", 50000);
    })).isEqualTo("allowed");
    assertThat(verdict(true, b -> host(b).remove("PidsLimit"))).isEqualTo("limits");
    assertThat(verdict(true, b -> b.remove("Labels"))).isEqualTo("sandbox_label");
    assertThat(verdict(true, b -> b.putObject("Labels").put("Clincher.Sandbox", "1"))).isEqualTo("sandbox_label");
  }

  @Test
  void compatModeSkipsTheSandboxRequirements() {
    assertThat(verdict(false, b -> {
      b.put("Image", "busybox");
      b.remove("Labels");
      host(b).remove("Memory");
      host(b).put("NetworkMode", "bridge");
      host(b).putArray("CapDrop");
      host(b).putArray("SecurityOpt");
    })).isEqualTo("allowed");
  }

  @Test
  void allowlistedBindsAndVolumesPass() {
    InspectionPolicy policy = new InspectionPolicy(null, null, List.of("/srv/work"), List.of("sbx-*"), false);
    assertThat(verdict(policy, true, b -> host(b).putArray("Binds").add("/srv/work/a:/w:ro").add("sbx-1:/d")))
        .isEqualTo("allowed");
    assertThat(verdict(policy, true, b -> host(b).putArray("Binds").add("/srv/workx:/w"))).isEqualTo("mounts");
    assertThat(verdict(policy, true, b -> host(b).putArray("Binds").add("/srv/work/../../etc:/w")))
        .isEqualTo("mounts");
    assertThat(verdict(policy, true, b -> host(b).putArray("Mounts").addObject().put("Type", "tmpfs")
        .put("Target", "/tmp"))).isEqualTo("allowed");
  }

  private static void volumeWithDriverOptions(ArrayNode mounts) {
    ObjectNode mount = mounts.addObject().put("Type", "volume").put("Source", "v").put("Target", "/host");
    mount.putObject("VolumeOptions").putObject("DriverConfig").put("Name", "local").putObject("Options")
        .put("type", "none").put("o", "bind").put("device", "/");
  }
}
