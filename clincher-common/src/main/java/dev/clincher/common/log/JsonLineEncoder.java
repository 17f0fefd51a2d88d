package dev.clincher.common.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * Logback encoder writing one flat JSON object per line:
 *
 * <pre>{"ts":"2025-01-02T03:04:05.678Z","level":"INFO","logger":"dev.clincher.egress.Proxy","event":"egress.decision",
 * "host":"api.openai.com","allowed":true,"latency_ms":12}</pre>
 *
 * Fixed fields come first ({@code ts} in UTC with milliseconds, {@code level}, {@code logger}, {@code event} = the
 * formatted message), then every SLF4J key-value pair ({@code log.atInfo().addKeyValue("k", v)}) as a top-level
 * field: numbers and booleans keep their JSON type, anything else is its {@code toString()}. A key that repeats a
 * fixed name gets the prefix {@code kv_}; a key given twice keeps the last value. With a throwable, {@code error}
 * ({@code class: message}) and {@code stack} follow. Escaping is Jackson's, so quotes, newlines and control
 * characters can never break a line.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Set<String> FIXED_FIELDS = Set.of("ts", "level", "logger", "event", "error", "stack");
  private static final byte[] NO_BYTES = new byte[0];

  @Override
  public byte[] headerBytes() {
    return NO_BYTES;
  }

  @Override
  public byte[] footerBytes() {
    return NO_BYTES;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("ts", TIMESTAMP.format(event.getInstant()));
      json.writeStringField("level", event.getLevel().toString());
      json.writeStringField("logger", event.getLoggerName());
      json.writeStringField("event", clean(event.getFormattedMessage()));
      writeKeyValues(json, event.getKeyValuePairs());
      writeThrowable(json, event.getThrowableProxy());
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a log event", e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeKeyValues(JsonGenerator json, List<KeyValuePair> pairs) throws IOException {
    if (pairs == null || pairs.isEmpty()) {
      return;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (KeyValuePair pair : pairs) {
      String key = String.valueOf(pair.key);
      fields.put(FIXED_FIELDS.contains(key) ? "kv_" + key : key, pair.value);
    }
    for (Map.Entry<String, Object> field : fields.entrySet()) {
      json.writeFieldName(clean(field.getKey()));
      writeValue(json, field.getValue());
    }
  }

  /** Writes a value with its JSON type: null, boolean, number (finite), else a string. */
  private static void writeValue(JsonGenerator json, Object value) throws IOException {
    switch (value) {
      case null -> json.writeNull();
      case Boolean b -> json.writeBoolean(b);
      case Integer i -> json.writeNumber(i);
      case Long l -> json.writeNumber(l);
      case Short s -> json.writeNumber(s);
      case Byte b -> json.writeNumber(b);
      case BigInteger i -> json.writeNumber(i);
      case BigDecimal d -> json.writeNumber(d);
      case Double d when Double.isFinite(d) -> json.writeNumber(d);
      case Float f when Float.isFinite(f) -> json.writeNumber(f);
      default -> json.writeString(clean(safeToString(value)));
    }
  }

  private static void writeThrowable(JsonGenerator json, IThrowableProxy throwable) throws IOException {
    if (throwable == null) {
      return;
    }
    String message = throwable.getMessage();
    json.writeStringField("error", clean(throwable.getClassName() + (message == null ? "" : ": " + message)));
    json.writeStringField("stack", clean(ThrowableProxyUtil.asString(throwable)));
  }

  private static String safeToString(Object value) {
    try {
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return "<toString failed: " + e.getClass().getName() + ">";
    }
  }

  /**
   * Replaces unpaired UTF-16 surrogates with U+FFFD: they cannot be encoded as UTF-8, and one bad character
   * must not cost the whole line.
   */
  static String clean(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1));
      if (paired) {
        if (out != null) {
          out.append(c).append(text.charAt(i + 1));
        }
        i++;
      } else if (Character.isSurrogate(c)) {
        if (out == null) {
          out = new StringBuilder(text.length()).append(text, 0, i);
        }
        out.append('\uFFFD');
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }
}
