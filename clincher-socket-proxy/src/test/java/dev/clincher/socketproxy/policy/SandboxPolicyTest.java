package dev.clincher.socketproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SandboxPolicyTest {
  private final SandboxPolicy policy = new SandboxPolicy(InspectionPolicy.defaults());

  private Verdict decide(String method, String path) throws Exception {
    return policy.decide(method, ApiPath.parse(path));
  }

  @Test
  void allowsWhatASandboxManagerNeeds() throws Exception {
    for (String[] request : new String[][] {{"HEAD", "/_ping"}, {"GET", "/_ping"}, {"GET", "/v1.41/version"},
        {"GET", "/containers/json"}, {"POST", "/containers/create"}, {"GET", "/containers/x/json"},
        {"POST", "/containers/x/start"}, {"POST", "/containers/x/stop"}, {"POST", "/containers/x/kill"},
        {"DELETE", "/containers/x"}, {"POST", "/containers/x/exec"}, {"POST", "/exec/x/start"},
        {"POST", "/exec/x/resize"}, {"GET", "/exec/x/json"}, {"GET", "/events"},
        {"GET", "/v1.41/images/clincher-sandbox:latest/json"},
        {"POST", "/v1.41/containers/x/attach"}}) {
      assertThat(decide(request[0], request[1]).allowed()).as(request[0] + " " + request[1]).isTrue();
    }
  }

  @Test
  void deniesEverythingElseNamingTheSection() throws Exception {
    assertThat(decide("POST", "/build").rule()).isEqualTo("BUILD");
    assertThat(decide("GET", "/info").rule()).isEqualTo("INFO");
    assertThat(decide("GET", "/containers/x/archive").rule()).isEqualTo("ALLOW_ARCHIVE");
    assertThat(decide("POST", "/containers/x/restart").allowed()).isFalse();
    assertThat(decide("POST", "/swarm/init").rule()).isEqualTo("SWARM");
    assertThat(decide("GET", "/images/json").rule()).isEqualTo("IMAGES");
    assertThat(decide("GET", "/nope").rule()).isEqualTo("unknown_endpoint");
  }

  /** Attach opens the stdio of a container (label-checked as a subject, like exec); nothing near it opens. */
  @Test
  void attachIsOpenButNotItsWebSocketNorTheFileAndUpdateEndpoints() throws Exception {
    Verdict attach = decide("POST", "/containers/x/attach");
    assertThat(attach.allowed()).isTrue();
    assertThat(attach.endpoint().orElseThrow().subject()).isEqualTo(Subject.CONTAINER);
    assertThat(decide("GET", "/containers/x/attach").allowed()).isFalse();
    assertThat(decide("GET", "/containers/x/attach/ws").rule()).isEqualTo("ALLOW_ATTACH");
    assertThat(decide("POST", "/containers/x/attach/ws").allowed()).isFalse();
    assertThat(decide("POST", "/containers/x/update").rule()).isEqualTo("ALLOW_UPDATE");
    assertThat(decide("PUT", "/containers/x/archive").rule()).isEqualTo("ALLOW_ARCHIVE");
    assertThat(decide("GET", "/containers/x/logs").allowed()).isFalse();
    assertThat(decide("POST", "/containers/x/wait").allowed()).isFalse();
  }

  @Test
  void inspectsOnlyAdmittedImagesByName() throws Exception {
    assertThat(decide("GET", "/images/clincher-sandbox/json").allowed()).isTrue();
    assertThat(decide("GET", "/images/clincher-sandbox-test:1/json").allowed()).isTrue();
    assertThat(decide("GET", "/images/clincher-sandbox:latest/json").rule()).isEqualTo("sandbox");
    for (String other : new String[] {"busybox:latest", "library/clincher-sandbox:latest", "docker.io/clincher-sandbox",
        "clincher/debian-base:bookworm-slim", "xclincher-sandbox", "0cd143737ef7", "sha256:0cd143737ef7",
        "sha256:" + "0".repeat(64), "0".repeat(64)}) {
      Verdict verdict = decide("GET", "/images/" + other + "/json");
      assertThat(verdict.allowed()).as(other).isFalse();
      assertThat(verdict.rule()).as(other).isEqualTo("image");
    }
  }

  @Test
  void anIdLookingNameIsRefusedEvenWhenTheAllowlistAdmitsIt() throws Exception {
    SandboxPolicy wide = new SandboxPolicy(new InspectionPolicy(java.util.List.of("*"), null, null, null, false));
    assertThat(wide.decide("GET", ApiPath.parse("/images/anything:1/json")).allowed()).isTrue();
    for (String id : new String[] {"0cd1", "ABCDEF", "sha256:0cd1", "sha512:" + "a".repeat(128)}) {
      assertThat(wide.decide("GET", ApiPath.parse("/images/" + id + "/json")).rule()).as(id).isEqualTo("image");
    }
  }

  @Test
  void otherImageOperationsStayRefusedForAdmittedImages() throws Exception {
    assertThat(decide("GET", "/images/clincher-sandbox/history").rule()).isEqualTo("IMAGES");
    assertThat(decide("GET", "/images/clincher-sandbox/get").rule()).isEqualTo("IMAGES");
    assertThat(decide("POST", "/images/clincher-sandbox/tag").rule()).isEqualTo("IMAGES");
    assertThat(decide("DELETE", "/images/clincher-sandbox").rule()).isEqualTo("IMAGES");
    assertThat(decide("POST", "/images/create").rule()).isEqualTo("IMAGES");
    assertThat(decide("HEAD", "/images/clincher-sandbox/json").rule()).isEqualTo("unknown_endpoint");
  }
}
