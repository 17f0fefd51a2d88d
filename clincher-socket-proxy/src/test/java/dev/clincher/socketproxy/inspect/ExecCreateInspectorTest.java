package dev.clincher.socketproxy.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExecCreateInspectorTest {

  private static String verdict(String json, boolean allowRoot) {
    try {
      new ExecCreateInspector(new InspectionPolicy(null, null, null, null, allowRoot))
          .inspect(json.getBytes(StandardCharsets.UTF_8));
      return "allowed";
    } catch (BodyDeniedException e) {
      return e.rule();
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"Cmd\":[\"id\"],\"AttachStdout\":true,\"Tty\":false,\"User\":\"\"}|allowed",
      "{\"Cmd\":[\"id\"],\"User\":\"1000:1000\"}|allowed",
      "{\"Cmd\":[\"id\"],\"User\":\"nobody\"}|allowed",
      "{\"Cmd\":[\"id\"],\"Privileged\":true}|privileged",
      "{\"Cmd\":[\"id\"],\"privileged\":true}|privileged",
      "{\"Cmd\":[\"id\"],\"Privileged\":false,\"PRIVILEGED\":true}|duplicate_key",
      "{\"Cmd\":[\"id\"],\"User\":\"root\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"User\":\"0\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"User\":\"000\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"User\":\"0:0\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"User\":\"root:1000\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"User\":\" root\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"user\":\"root\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"User\":\"a:b:c\"}|exec_user",
      "{\"Cmd\":[\"id\"],\"Capabilities\":[\"ALL\"]}|unknown_field",
      "[]|invalid_json"})
  void judgesExecBodies(String json, String expected) {
    assertThat(verdict(json, false)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"{\"User\":\"root\"}|allowed", "{\"Privileged\":true}|privileged"})
  void rootCanBeAllowedButNeverPrivileged(String json, String expected) {
    assertThat(verdict(json, true)).isEqualTo(expected);
  }
}
