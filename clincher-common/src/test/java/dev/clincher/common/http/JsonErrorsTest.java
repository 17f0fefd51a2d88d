package dev.clincher.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonErrorsTest {
  @Test
  void bodyEscapesTheMessage() throws Exception {
    JsonNode body = new ObjectMapper().readTree(JsonErrors.body("bad_request", "quote \" and\nnewline"));
    assertThat(body.at("/error/type").textValue()).isEqualTo("bad_request");
    assertThat(body.at("/error/message").textValue()).isEqualTo("quote \" and\nnewline");
    assertThat(body.size()).isEqualTo(1);
  }

  @Test
  void typesFollowTheStatus() {
    assertThat(JsonErrors.typeFor(400)).isEqualTo("bad_request");
    assertThat(JsonErrors.typeFor(404)).isEqualTo("not_found");
    assertThat(JsonErrors.typeFor(413)).isEqualTo("payload_too_large");
    assertThat(JsonErrors.typeFor(431)).isEqualTo("request_header_fields_too_large");
    assertThat(JsonErrors.typeFor(503)).isEqualTo("service_unavailable");
    assertThat(JsonErrors.typeFor(599)).isEqualTo("server_error");
  }
}
