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
        {"POST", "/exec/x/resize"}, {"GET", "/exec/x/json"}, {"GET", "/events"}}) {
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
}
