package dev.clincher.gateway.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A {@link Tool} whose name, description, policy group and argument schema are fixed at construction, so a subclass
 * only writes {@link #call}. The two {@code schema} helpers build the schema from JSON text or from a property list.
 */
public abstract class DescribedTool implements Tool {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final String description;
  private final String group;
  private final JsonNode parameters;

  /** {@code parameters} is the JSON schema of the arguments object. */
  protected DescribedTool(String name, String description, String group, JsonNode parameters) {
    this.name = name;
    this.description = description;
    this.group = group;
    this.parameters = parameters.deepCopy();
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String description() {
    return description;
  }

  @Override
  public final String group() {
    return group;
  }

  @Override
  public final JsonNode parameters() {
    return parameters.deepCopy();
  }

  /** A JSON schema written as text (parsed once, at tool construction). */
  protected static JsonNode schema(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad schema: " + e.getOriginalMessage(), e);
    }
  }

  /** An object schema; {@code properties} alternates name, type, description. */
  protected static JsonNode schema(List<String> required, String... properties) {
    ObjectNode schema = JSON.createObjectNode().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    for (int i = 0; i < properties.length; i += 3) {
      ObjectNode property = props.putObject(properties[i]).put("type", properties[i + 1])
          .put("description", properties[i + 2]);
      if (properties[i].equals("encoding")) {
        property.putArray("enum").add("utf-8").add("base64");
      }
    }
    required.forEach(schema.putArray("required")::add);
    schema.put("additionalProperties", false);
    return schema;
  }
}
