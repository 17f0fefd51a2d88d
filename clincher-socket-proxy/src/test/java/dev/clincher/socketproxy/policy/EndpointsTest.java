package dev.clincher.socketproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointsTest {

  private static String op(String method, String path) throws Exception {
    return Endpoints.find(method, ApiPath.parse(path)).map(Endpoint::op).orElse("unknown");
  }

  @Test
  void matchesAnchoredPerMethod() throws Exception {
    assertThat(op("GET", "/containers/json")).isEqualTo("container.list");
    assertThat(op("POST", "/containers/json")).isEqualTo("unknown");
    assertThat(op("GET", "/containers/abc/json")).isEqualTo("container.inspect");
    assertThat(op("GET", "/containers/abc/json/extra")).isEqualTo("unknown");
    assertThat(op("GET", "/containersx/json")).isEqualTo("unknown");
    assertThat(op("POST", "/containers/abc/exec")).isEqualTo("exec.create");
    assertThat(op("GET", "/containers/abc/archive")).isEqualTo("container.archive.get");
    assertThat(op("HEAD", "/containers/json")).isEqualTo("unknown");
    assertThat(op("GET", "/CONTAINERS/json")).isEqualTo("unknown");
    assertThat(op("PATCH", "/containers/abc")).isEqualTo("unknown");
    assertThat(op("DELETE", "/containers/abc")).isEqualTo("container.remove");
  }

  @Test
  void imageNamesMaySpanSegments() throws Exception {
    assertThat(op("GET", "/images/registry:5000/team/app:1.0/json")).isEqualTo("image.inspect");
    assertThat(op("DELETE", "/images/library/busybox:latest")).isEqualTo("image.remove");
    assertThat(op("GET", "/images/json")).isEqualTo("image.list");
  }

  @Test
  void containerIdsAreOneSegmentOfNameCharacters() throws Exception {
    assertThat(op("POST", "/containers/a/b/start")).isEqualTo("unknown");
    assertThat(op("POST", "/containers/-x/start")).isEqualTo("unknown");
    assertThat(op("POST", "/containers/x:y/start")).isEqualTo("unknown");
  }

  @Test
  void opNamesAreUnique() {
    Set<String> seen = new HashSet<>();
    for (Endpoint endpoint : Endpoints.all()) {
      assertThat(seen.add(endpoint.op())).as(endpoint.op()).isTrue();
    }
  }
}
