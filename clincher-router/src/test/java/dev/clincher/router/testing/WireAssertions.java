package dev.clincher.router.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Reading OpenAI wire formats in assertions: SSE data lines, tool-call deltas, the error shape. */
public final class WireAssertions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WireAssertions() {}

  /** The data of every {@code data: } line of an SSE body. */
  public static List<String> dataLines(String body) {
    return body.lines().filter(line -> line.startsWith("data: ")).map(line -> line.substring(6)).toList();
  }

  /** Joins the argument deltas of the streamed tool calls as an OpenAI client does. */
  public static String toolArguments(String sse) throws Exception {
    StringBuilder arguments = new StringBuilder();
    for (String data : dataLines(sse)) {
      if (data.equals("[DONE]")) {
        continue;
      }
      for (JsonNode choice : JSON.readTree(data).path("choices")) {
        for (JsonNode call : choice.path("delta").path("tool_calls")) {
          arguments.append(call.path("function").path("arguments").asText(""));
        }
      }
    }
    return arguments.toString();
  }

  /** Asserts OpenAI's error shape with {@code type} (and {@code code} unless null); returns the error object. */
  public static JsonNode assertOpenAiError(String body, String type, String code) throws Exception {
    JsonNode error = JSON.readTree(body).path("error");
    assertThat(error.isObject()).as(body).isTrue();
    assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code")).as(body).isTrue();
    assertThat(error.path("type").asText()).as(body).isEqualTo(type);
    if (code != null) {
      assertThat(error.path("code").asText()).as(body).isEqualTo(code);
    }
    return error;
  }
}
