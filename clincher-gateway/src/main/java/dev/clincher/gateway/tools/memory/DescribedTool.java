package dev.clincher.gateway.tools.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.tools.Tool;

/**
 * A {@link Tool} whose name, description and argument schema are fixed at construction, so a subclass only writes
 * {@link #call}. (Shared by the memory and session tools; a candidate to move to {@code dev.clincher.gateway.tools}.)
 */
public abstract class DescribedTool implements Tool {
  private final String name;
  private final String description;
  private final JsonNode parameters;

  /** {@code parametersJson} is the JSON schema of the arguments object, as text. */
  protected DescribedTool(String name, String description, String parametersJson) {
    this.name = name;
    this.description = description;
    this.parameters = ToolArguments.schema(parametersJson);
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
  public final JsonNode parameters() {
    return parameters.deepCopy();
  }
}
