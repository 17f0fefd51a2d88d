package dev.clincher.socketproxy.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {

  private static String rule(String json) {
    try {
      StrictJson.parseObject(json.getBytes(StandardCharsets.UTF_8));
      return "accepted";
    } catch (BodyDeniedException e) {
      return e.rule();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"Privileged\":false,\"privileged\":true}",
      "{\"Privileged\":false,\"Privileged\":true}",
      "{\"HostConfig\":{\"Binds\":[],\"BINDS\":[\"/:/host\"]}}",
      "{\"a\":{\"b\":{\"c\":1,\"C\":2}}}",
      "{\"x\":[{\"k\":1,\"K\":2}]}",
      "{\"Privil\\u0065ged\":true,\"privileged\":false}"})
  void refusesDuplicateKeysInAnyLetterCaseAtAnyDepth(String json) {
    assertThat(rule(json)).isEqualTo("duplicate_key");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"Privıleged\":true}",
      "{\"\\u212Aernel\":1}",
      "{\"ſecurityOpt\":[]}",
      "{\"İmage\":\"x\"}"})
  void refusesNonAsciiKeysThatGoFoldsToAscii(String json) {
    assertThat(rule(json)).isEqualTo("ambiguous_key");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "[]", "\"x\"", "{", "{\"a\":1}{\"b\":2}", "{\"a\":1} x", "{'a':1}", "{\"a\":NaN}", "{a:1}",
      "{\"a\":1,}", "{\"a\":01}", "/*c*/{\"a\":1}", "{\"a\":\"\u0000\"}", "\uFEFF{\"a\":1}"})
  void refusesAnythingButOneJsonObject(String json) {
    assertThat(rule(json)).isEqualTo("invalid_json");
  }

  @Test
  void refusesInvalidUtf8() {
    byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
    assertThatThrownBy(() -> StrictJson.parseObject(body)).isInstanceOf(BodyDeniedException.class);
  }

  @Test
  void refusesDeepNesting() {
    String deep = "{\"a\":".repeat(StrictJson.MAX_DEPTH + 1) + "1" + "}".repeat(StrictJson.MAX_DEPTH + 1);
    assertThat(rule(deep)).isEqualTo("invalid_json");
  }

  @Test
  void acceptsOrdinaryBodies() {
    assertThat(rule("{\"Image\":\"x\",\"Labels\":{\"a\":\"1\",\"b\":\"2\"},\"Cmd\":[\"sh\"],\"N\":1.5}"))
        .isEqualTo("accepted");
    assertThat(rule(" {\"a\":null} \n")).isEqualTo("accepted");
  }

  @Test
  void foldMatchesGo() {
    assertThat(GoFold.fold("privileged")).isEqualTo(GoFold.fold("PRIVILEGED"));
    assertThat(GoFold.isAmbiguous("Privileged")).isFalse();
    assertThat(GoFold.isAmbiguous("com.例.label")).isFalse();
  }
}
