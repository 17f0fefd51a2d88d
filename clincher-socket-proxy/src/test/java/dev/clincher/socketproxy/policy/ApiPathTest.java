package dev.clincher.socketproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ApiPathTest {

  @Test
  void stripsTheVersionPrefixAndDecodesSegments() throws Exception {
    ApiPath path = ApiPath.parse("/v1.41/containers/ab%63/start");
    assertThat(path.version()).contains("1.41");
    assertThat(path.segments()).containsExactly("containers", "abc", "start");
    assertThat(path.path()).isEqualTo("/containers/abc/start");
    assertThat(path).hasToString("/v1.41/containers/abc/start");
  }

  @Test
  void pathWithoutVersion() throws Exception {
    assertThat(ApiPath.parse("/_ping")).isEqualTo(new ApiPath(Optional.empty(), List.of("_ping")));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/containers%2Fcreate", "/containers%2fcreate", "/v1.41/../build", "/v1.41/./containers/create",
      "/containers/%2e%2e/build", "/containers/%2E/json", "//containers/create", "/containers/create/",
      "/containers/x%5Cy/start", "/containers/%252F/json", "/containers/%zz/json", "/containers/%4",
      "/containers/a%00b/json", "/containers/a%20b/json", "/containers/%C3%A9/json", "/v1.23/containers/x/start",
      "/v1/containers/json", "/v1.41.2/containers/json", "/v.41/containers/json", "containers/json", "",
      "/containers/x%3Fy/json", "/containers/x%23y/json"})
  void rejectsAmbiguousPaths(String raw) {
    assertThatThrownBy(() -> ApiPath.parse(raw)).isInstanceOf(PathRejectedException.class);
  }

  @Test
  void versionsFrom124AreServed() throws Exception {
    assertThat(ApiPath.parse("/v1.24/version").version()).contains("1.24");
    assertThat(ApiPath.parse("/v1.51/version").version()).contains("1.51");
  }

  @Test
  void replacesASegmentKeepingTheVersion() throws Exception {
    assertThat(ApiPath.parse("/v1.41/containers/name/start").withSegment(1, "f00d"))
        .isEqualTo("/v1.41/containers/f00d/start");
  }
}
