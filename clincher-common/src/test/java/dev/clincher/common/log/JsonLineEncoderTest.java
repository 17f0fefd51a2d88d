package dev.clincher.common.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

class JsonLineEncoderTest {
  private final LoggerContext context = new LoggerContext();
  private final Logger logger = context.getLogger("dev.clincher.test.Component");
  private final JsonLineEncoder encoder = new JsonLineEncoder();

  private LoggingEvent event(Level level, String message, Throwable error, Object... keyValues) {
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, level, message, error, null);
    event.setInstant(Instant.parse("2025-03-04T05:06:07.089Z"));
    for (int i = 0; i < keyValues.length; i += 2) {
      event.addKeyValuePair(new KeyValuePair((String) keyValues[i], keyValues[i + 1]));
    }
    return event;
  }

  private String line(LoggingEvent event) {
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  private static JsonNode parse(String line) throws Exception {
    return new ObjectMapper().readTree(line);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    Iterator<String> it = node.fieldNames();
    it.forEachRemaining(names::add);
    return names;
  }

  @Test
  void writesFixedFieldsThenKeyValuesOnOneLine() throws Exception {
    String line = line(event(Level.INFO, "egress.decision", null, "host", "api.openai.com", "allowed", true));
    assertThat(line).endsWith("\n");
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    JsonNode json = parse(line);
    assertThat(fieldNames(json)).containsExactly("ts", "level", "logger", "event", "host", "allowed");
    assertThat(json.get("ts").textValue()).isEqualTo("2025-03-04T05:06:07.089Z");
    assertThat(json.get("level").textValue()).isEqualTo("INFO");
    assertThat(json.get("logger").textValue()).isEqualTo("dev.clincher.test.Component");
    assertThat(json.get("event").textValue()).isEqualTo("egress.decision");
  }

  @Test
  void keyValuesKeepTheirJsonTypes() throws Exception {
    JsonNode json = parse(line(event(Level.INFO, "e", null,
        "int", 42, "long", 1L << 40, "double", 1.5, "big", new BigDecimal("12.30"), "bool", false,
        "none", null, "nan", Double.NaN, "text", "42", "object", List.of(1, 2))));
    assertThat(json.get("int").isInt()).isTrue();
    assertThat(json.get("int").intValue()).isEqualTo(42);
    assertThat(json.get("long").longValue()).isEqualTo(1L << 40);
    assertThat(json.get("double").isDouble()).isTrue();
    assertThat(json.get("big").isNumber()).isTrue();
    assertThat(json.get("bool").isBoolean()).isTrue();
    assertThat(json.get("none").isNull()).isTrue();
    assertThat(json.get("nan").textValue()).isEqualTo("NaN");
    assertThat(json.get("text").isTextual()).isTrue();
    assertThat(json.get("object").textValue()).isEqualTo("[1, 2]");
  }

  @Test
  void escapesQuotesNewlinesControlCharactersAndUnicode() throws Exception {
    String nasty = "say \"hi\"\nnext line\r\ttab \u0000\u0001\u001f back\\slash \u00e9\u4e2d\ud83d\ude00 \u2028";
    String line = line(event(Level.WARN, nasty, null, "k\"ey\n", nasty));
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    assertThat(line.chars().filter(c -> c < 0x20 && c != '\n')).isEmpty();
    JsonNode json = parse(line);
    assertThat(json.get("event").textValue()).isEqualTo(nasty);
    assertThat(json.get("k\"ey\n").textValue()).isEqualTo(nasty);
  }

  @Test
  void loneSurrogatesBecomeReplacementCharacters() throws Exception {
    JsonNode json = parse(line(event(Level.INFO, "broken \ud83d end \ude00", null)));
    assertThat(json.get("event").textValue()).isEqualTo("broken \ufffd end \ufffd");
  }

  @Test
  void reservedAndRepeatedKeysDoNotDuplicateFields() throws Exception {
    String line = line(event(Level.INFO, "real", null, "event", "fake", "level", "x", "n", 1, "n", 2));
    JsonNode json = parse(line);
    assertThat(json.get("event").textValue()).isEqualTo("real");
    assertThat(json.get("kv_event").textValue()).isEqualTo("fake");
    assertThat(json.get("kv_level").textValue()).isEqualTo("x");
    assertThat(json.get("n").intValue()).isEqualTo(2);
    assertThat(fieldNames(json)).doesNotHaveDuplicates();
    assertThat(line.split("\"n\":", -1)).hasSize(2);
  }

  @Test
  void throwableAddsErrorAndStack() throws Exception {
    Exception cause = new IllegalArgumentException("inner");
    JsonNode json = parse(line(event(Level.ERROR, "failed", new IllegalStateException("outer \"quoted\"", cause), "id", 7)));
    assertThat(fieldNames(json)).containsExactly("ts", "level", "logger", "event", "id", "error", "stack");
    assertThat(json.get("error").textValue()).isEqualTo("java.lang.IllegalStateException: outer \"quoted\"");
    assertThat(json.get("stack").textValue())
        .contains("JsonLineEncoderTest.throwableAddsErrorAndStack")
        .contains("Caused by: java.lang.IllegalArgumentException: inner");
  }

  @Test
  void formatsMessageArguments() throws Exception {
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "a {} b {}", null, new Object[] {1, "x"});
    assertThat(parse(line(event)).get("event").textValue()).isEqualTo("a 1 b x");
  }

  @Test
  void bundledLogbackConfigUsesThisEncoderAndQuietsJetty() {
    LoggerContext live = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = live.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    BatchedStdoutAppender stdout = (BatchedStdoutAppender) root.getAppender("STDOUT");
    assertThat(stdout).isNotNull();
    assertThat(stdout.isStarted()).isTrue();
    assertThat(stdout.getEncoder()).isInstanceOf(JsonLineEncoder.class);
    assertThat(stdout.getLingerMillis()).as("lines reach stdout soon after they are logged").isBetween(0, 50);
    assertThat(live.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
    assertThat(live.getLogger("org.apache.hc.client5.http.headers").getEffectiveLevel())
        .as("Apache HttpClient's header log (it would carry the router key) stays off at DEBUG")
        .isEqualTo(Level.INFO);
    String expected = System.getenv().getOrDefault("CLINCHER_LOG_LEVEL", "INFO");
    assertThat(root.getLevel()).isEqualTo(Level.toLevel(expected));
  }
}
